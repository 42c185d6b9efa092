"""What an operator reads of a routing (each triage reason), what a routed request takes
of its association's capacity, a new request's fields from a submission, an erased mail,
and the sender and recipients our mails can carry."""

from __future__ import annotations

import pytest

from chalicelib.domain.mail_headers import UnsendableMail, ascii_address, sender_address
from chalicelib.domain.models import Association, NewRequest
from chalicelib.domain.erasure import scrubbed_mail_body
from chalicelib.domain.request import LoadChange, Moment, Request
from chalicelib.domain.routing import DirectoryIndex, RoutingQuery, RoutingWeights, route_request
from chalicelib.domain.submission import parse_submission
from chalicelib.domain.vocabulary import Channel, Need, Public, Situation
from tests.builders import association, youth

AT = Moment(1_790_000_000, "2026-09-21T10:13:20.000000Z")


def query(**overrides):
    q = dict(
        age=15,
        situation=Situation("college"),
        need=Need("scolaire"),
        publics=(),
        commune="59512",
        departement="59",
        region="32",
    )
    q.update(overrides)
    return RoutingQuery(**q)


def route(*entries, load=None, declined=(), **q):
    index = DirectoryIndex([Association.model_validate(e) for e in entries])
    return route_request(query(**q), index, load or {}, declined, RoutingWeights())


# -- the triage reasons ----------------------------------------------------------------------


def test_each_rule_that_empties_the_candidates_says_why_in_the_triage_reason():
    assert route(association("a", active=False)).reason == "no active association in the directory"
    assert route(association("a", departements=["62"])).reason == "no association covers département 59"
    assert (
        route(association("a", departements=["62"]), departement=None).reason == "no association covers commune 59512"
    )
    assert (
        route(association("a", ages={"min": 18, "max": 25})).reason == "no association in the territory takes this age"
    )
    assert (
        route(association("a", situations=["lycee"])).reason
        == "no association in the territory takes situation college"
    )
    assert (
        route(association("a", needs=["orientation"])).reason == "no association in the territory offers need scolaire"
    )
    assert route(association("a", publics_required=["qpv"])).reason == "no association takes these publics"
    assert route(association("a"), declined=["a"]).reason == "every candidate declined this request"
    assert route(association("a", capacity=2), load={"a": 2}).reason == "all candidates at capacity"


def test_an_unknown_situation_is_named_as_such():
    decision = route(association("a", situations=["lycee"]), situation=None)
    assert decision.association_id is None
    assert decision.reason == "no association in the territory takes situation an unknown situation"


def test_a_required_public_the_request_has_lets_it_through():
    decision = route(association("a", publics_required=["qpv"]), publics=(Public("qpv"),))
    assert decision.association_id == "a" and decision.reason is None


# -- a routing takes a place of the association's capacity -------------------------------


def test_routing_a_request_takes_a_place_counted_against_the_association_s_capacity():
    a = Association.model_validate(association("asso-a", capacity=7))
    request = Request.from_record(
        {
            "id": "r1",
            "reference": "MNT-TEST-0001",
            "channel": "form",
            "status": "needs_triage",
            "created_at": AT.iso,
            "expires_at": AT.epoch + 86400,
            "fields": {
                "age": 15,
                "situation": "college",
                "need": "scolaire",
                "publics": [],
                "email": "lea@example.net",
            },
            "place": {
                "postal_code": "59100",
                "commune_code": "59512",
                "commune_name": "Roubaix",
                "departement": "59",
                "region": "32",
            },
        }
    )
    decision = route_request(request.routing_query(), DirectoryIndex([a]), {}, (), RoutingWeights())
    change = request.first_routing(decision, a, AT)
    assert change.load == (LoadChange("asso-a", 1, 7),)
    assert (change.after.association_id, change.after.assigned_at) == ("asso-a", AT.epoch)


# -- a new request from a submission ---------------------------------------------------------


def test_every_field_of_a_submission_reaches_the_new_request():
    s = parse_submission(youth(city="Roubaix", publics=["qpv"]), json=True)
    new = NewRequest.from_submission(s, Channel.FORM)
    assert new.fields() == {
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "lea.martin@example.net",
        "phone": s.phone,
        "age": 15,
        "postal_code": "59100",
        "city": "Roubaix",
        "situation": "college",
        "need": "scolaire",
        "publics": ["qpv"],
        "message": "J'ai besoin d'aide en maths.",
        "consent": True,
        "parental_consent": False,
    }
    assert s.phone and s.phone.replace(" ", "").endswith("612345678")
    assert (new.channel, new.referent) == (Channel.FORM, None)


# -- an erased request's stored mail ----------------------------------------------------------


def test_an_erased_mail_keeps_what_it_was_and_nothing_it_said():
    body = {
        "id": "m1",
        "message_id": "<m1@x>",
        "request_id": "r1",
        "kind": "new_request",
        "auto_submitted": None,
        "to": ["lea@example.net"],
        "subject": "Léa",
        "text": "Bonjour Léa",
        "html": "<p>Léa</p>",
        "reply_to": "lea@example.net",
        "in_reply_to": "<prev@x>",
        "extra": "secret",
    }
    assert scrubbed_mail_body(body) == {
        "id": "m1",
        "message_id": "<m1@x>",
        "request_id": "r1",
        "kind": "new_request",
        "auto_submitted": None,
        "to": [],
        "subject": "",
        "text": "",
        "html": "",
        "reply_to": None,
        "in_reply_to": None,
    }


# -- addresses we can send to -------------------------------------------------------------------


def test_an_address_may_be_254_characters_long_and_its_local_part_64():
    local64 = "a" * 64
    assert ascii_address(f"{local64}@example.org") == f"{local64}@example.org"
    with pytest.raises(UnsendableMail, match="^to: not an address$"):
        ascii_address(f"{'a' * 65}@example.org", "to")
    domain = ".".join(["b" * 60] * 3) + ".example.org"  # 194 characters
    longest = f"{'c' * 59}@{domain}"
    assert len(longest) == 254 and ascii_address(longest) == longest
    with pytest.raises(UnsendableMail, match="^address: too long$"):
        ascii_address("c" + longest)


def test_our_sender_is_read_from_the_configuration_and_named_as_from_when_broken():
    sender = sender_address("Le Mentorat <contact@lementorat.fr>")
    assert (sender.display_name, sender.username, sender.domain) == ("Le Mentorat", "contact", "lementorat.fr")
    with pytest.raises(UnsendableMail, match="^From: non-ASCII local part"):
        sender_address("Le Mentorat <jöe@lementorat.fr>")
    with pytest.raises(UnsendableMail, match="^From: not an address$"):
        sender_address("")
