"""The Request's console transitions (issue 12): an operator's re-routing, a mail sent
again, and an admin's erasure with its scrubbed timeline."""

from __future__ import annotations

import pytest

from chalicelib.domain.erasure import age_band, scrub_event
from chalicelib.domain.request import InvalidTransition, LoadChange, Request
from chalicelib.domain.vocabulary import Status
from tests.builders import AT, LATER, A, B, decide, new_request, routed

OPERATOR = "operatrice@reseau.example.org"


def test_routing_again_keeps_the_present_association_a_candidate_and_clears_manual():
    request = routed().assign(B, OPERATOR, "choix", LATER).after
    assert request.manual and request.association_id == B.id
    change = request.reroute_by_operator(OPERATOR, *decide(request, declined=request.declined), LATER)
    after = change.after
    assert after.association_id == A.id and not after.manual and after.declined == ()
    assert change.events[0].type == "rerouted" and change.events[0].actor == OPERATOR
    assert set(change.load) == {LoadChange(B.id, -1), LoadChange(A.id, 1, A.capacity)}
    assert [m.kind for m in change.mails] == ["association_new_request"]


def test_routing_again_from_triage_takes_no_place_back():
    request = new_request()
    change = request.reroute_by_operator(OPERATOR, *decide(request), AT)
    assert change.after.status == Status.ROUTED and change.load == (LoadChange(A.id, 1, A.capacity),)


def test_only_open_requests_route_again_and_only_a_routed_one_is_mailed_again():
    closed = routed().close(OPERATOR, "duplicate", LATER).after
    with pytest.raises(InvalidTransition):
        closed.reroute_by_operator(OPERATOR, *decide(closed), LATER)
    with pytest.raises(InvalidTransition):
        closed.resend_mail(OPERATOR, A, LATER)
    request = routed()
    with pytest.raises(InvalidTransition):
        request.resend_mail(OPERATOR, B, LATER)  # not the one it waits on
    again = request.resend_mail(OPERATOR, A, LATER)
    assert again.after.attempt == request.attempt and again.mails[0].attempt == request.attempt
    assert again.events[0].type == "mail_resent" and again.load == ()


def test_erasure_keeps_what_statistics_count_and_nothing_that_names_anyone():
    request = Request.from_record(
        {
            **routed().to_record(),
            "referent": {
                "name": "M. Durand",
                "email": "cpe@college.fr",
                "phone": "0600000000",
                "structure_type": "ase",
            },
            "inbound": {"raw_key": "inbound/x.eml", "subject": "Léa"},
            "extraction": {"age": {"words": "Léa, 15 ans"}},
            "fields": {
                **routed().fields,
                "first_name": "Léa",
                "last_name": "Martin",
                "phone": "0612345678",
                "message": "Léa",
                "city": "Roubaix",
                "postal_code": "59100",
                "publics": ["qpv"],
            },
        }
    )
    change = request.erase("admin@reseau.example.org", LATER)
    after = change.after
    assert after.fields == {"need": "scolaire", "situation": "college", "publics": ["qpv"], "age_band": "15-18"}
    assert after.place == {"departement": "59", "region": "32"}
    assert after.referent == {"structure_type": "ase"} and after.inbound is None and after.extraction is None
    assert after.status == request.status and after.association_id == request.association_id and after.erased
    assert "Léa" not in str(after.to_record()) and "cpe@college.fr" not in str(after.to_record())
    assert [(e.type, e.actor) for e in change.events] == [("erased", "admin@reseau.example.org")]
    with pytest.raises(InvalidTransition):
        after.erase("admin@reseau.example.org", LATER)


def test_a_scrubbed_event_keeps_ids_and_coded_reasons_only():
    reply = {
        "at": AT.iso,
        "seq": 3,
        "type": "reply_received",
        "actor": "email",
        "detail": {"from": "lea@example.net", "excerpt": "Léa", "raw_key": "k", "subject": "Léa"},
    }
    assert scrub_event(reply) == {**reply, "detail": {}}
    declined = {
        "at": AT.iso,
        "seq": 4,
        "type": "declined",
        "actor": "asso-a",
        "detail": {"reason": "complet", "comment": "Léa est trop loin"},
    }
    assert scrub_event(declined)["detail"] == {"reason": "complet"}
    assigned = {
        "at": AT.iso,
        "seq": 5,
        "type": "assigned",
        "actor": OPERATOR,
        "detail": {"association": "asso-b", "previous": None, "reason": "la maman de Léa a appelé", "mode": "manual"},
    }
    assert scrub_event(assigned)["detail"] == {"association": "asso-b", "previous": None, "mode": "manual"}


@pytest.mark.parametrize(
    "age, band", [(6, "6-10"), (10, "6-10"), (11, "11-14"), (18, "15-18"), (19, "19-25"), (30, "26-30"), (31, "autre")]
)
def test_age_bands(age, band):
    assert age_band(age) == band
