"""What an erasure leaves of a request or a volunteer's sign-up (domain/routed_record.py,
domain/erasure.py): the same stub for both kinds, reasons that no longer spell out an age
or a commune, and an erased record that no association is ever given again."""

from __future__ import annotations

import pytest

from chalicelib.domain.erasure import ERASED_TRIAGE_REASON, erased_reason, scrub_event
from chalicelib.domain.mentor import MentorSignup
from chalicelib.domain.mentor_routing import route_mentor
from chalicelib.domain.models import Association
from chalicelib.domain.request import InvalidTransition, LoadChange
from chalicelib.domain.vocabulary import Status
from tests.builders import AT, LATER, association, decide, new_request, routed

ADMIN = "admin@reseau.example.org"
MENTORS = (
    Association.model_validate(association("asso-m", recruits_mentors=True)),
    Association.model_validate(association("asso-n", recruits_mentors=True)),
)
VOLUNTEER = {
    "first_name": "Gwenaëlle",
    "last_name": "Kerbrat",
    "email": "gwen.kerbrat@example.net",
    "phone": "0631415926",
    "age": 47,
    "postal_code": "59100",
    "city": "Roubaix",
    "occupation": "actif",
    "modes": ["presentiel", "distance"],
    "hours_per_month": 4,
    "youth_ages": ["15-18"],
    "needs": ["orientation"],
    "sector": "Ébénisterie",
    "message": "Je restaure des orgues.",
    "commitment": True,
    "consent": True,
}


def signup(**fields) -> MentorSignup:
    return MentorSignup.from_record(
        {
            "id": "s1",
            "reference": "BEN-TEST-0001",
            "channel": "api",
            "status": "needs_triage",
            "created_at": AT.iso,
            "expires_at": AT.epoch + 86400,
            "fields": {**VOLUNTEER, **fields},
            "place": {
                "postal_code": "59100",
                "commune_code": "59512",
                "commune_name": "Roubaix",
                "departement": "59",
                "region": "32",
            },
        }
    )


def routed_signup() -> MentorSignup:
    s = signup()
    decision = route_mentor(s.routing_query(), MENTORS, {})
    return s.first_routing(decision, MENTORS[0], AT).after


def test_a_sign_up_erased_keeps_what_statistics_and_the_queue_read_and_nothing_that_names_anyone():
    before = routed_signup()
    change = before.erase(ADMIN, LATER)
    after = change.after
    assert after.fields == {"needs": ["orientation"], "youth_ages": ["15-18"], "modes": ["presentiel", "distance"]}
    assert after.place == {"departement": "59", "region": "32"}
    assert after.erased and after.status is Status.ROUTED and after.association_id == "asso-m"
    stored = str(after.to_record())
    assert not any(
        word in stored
        for word in (
            "Gwenaëlle",
            "Kerbrat",
            "gwen.kerbrat",
            "0631415926",
            "47",
            "Roubaix",
            "Ébénisterie",
            "orgues",
            "59512",
        )
    )
    assert (
        [(e.type, e.actor) for e in change.events] == [("erased", ADMIN)] and change.mails == () and change.load == ()
    )
    assert MentorSignup.from_record(after.to_record()).erased
    with pytest.raises(InvalidTransition):
        after.erase(ADMIN, LATER)


def test_the_triage_reason_and_the_routing_explanation_lose_the_age_and_the_commune():
    # As stored before policy v1 stopped naming the age.
    request = new_request(age=29).first_routing(*decide(new_request(age=29)), AT).after
    old = {
        **request.to_record(),
        "triage_reason": "no association in the territory takes age 29",
        "routing": {**request.routing, "reason": "no association in the territory takes age 29"},
    }
    after = type(request).from_record(old).erase(ADMIN, LATER).after
    assert after.triage_reason == after.routing["reason"] == "no association in the territory takes this age"
    assert after.routing["excluded"] == request.routing["excluded"]  # associations, by rule: kept
    far_away = signup(postal_code="75019")
    mentor = far_away.first_routing(route_mentor(far_away.routing_query(), (), {}), None, AT).after
    far = {
        **mentor.to_record(),
        "triage_reason": "no association recruiting mentors covers commune 75119 (in person only)",
    }
    assert MentorSignup.from_record(far).erase(ADMIN, LATER).after.triage_reason == (
        "no association recruiting mentors covers this commune (in person only)"
    )


def test_policy_v1_never_writes_the_age_into_a_reason():
    change = new_request(age=29).first_routing(
        *decide(
            new_request(age=29),
            directory=(Association.model_validate(association("young", ages={"min": 6, "max": 25})),),
        ),
        AT,
    )
    assert change.after.triage_reason == "no association in the territory takes this age"
    assert "29" not in str(change.after.routing) and "29" not in str(change.events[-1].detail)


@pytest.mark.parametrize(
    "reason, erased",
    [
        ("no association in the territory takes age 7", "no association in the territory takes this age"),
        ("no association covers commune 2A004", "no association covers this commune"),
        (
            "no association covers département 59; national associations: no association in the territory takes age 31",
            "no association covers département 59; national associations: no association in the territory takes this "
            "age",
        ),
        ("no association in the territory takes this age", "no association in the territory takes this age"),
        ("all candidates at capacity", "all candidates at capacity"),
        (None, None),
        ("", ""),
    ],
)
def test_a_reason_once_erased(reason, erased):
    assert erased_reason(reason) == erased
    assert erased_reason(erased) == erased  # scrubbing twice changes nothing


def test_a_triage_event_keeps_its_reason_without_the_age():
    event = {
        "at": AT.iso,
        "seq": 1,
        "type": "needs_triage",
        "actor": "routing",
        "detail": {"reason": "no association in the territory takes age 29"},
    }
    assert scrub_event(event)["detail"] == {"reason": "no association in the territory takes this age"}


def test_an_erased_record_let_go_by_its_association_goes_to_triage_never_to_another():
    for record, decision_of in (
        (routed(), lambda r: decide(r, declined=r.excluding("asso-a"))),
        (routed_signup(), lambda r: (route_mentor(r.routing_query(), MENTORS, {}, ("asso-m",)), MENTORS[1])),
    ):
        erased = record.erase(ADMIN, LATER).after
        decision, other = decision_of(record)
        assert other is not None  # routing would have found another association
        for change in (
            erased.decline("autre", "Elle s'appelle Léa", decision, other, LATER),
            erased.reroute_for_silence(decision, other, LATER),
            erased.bounce("x@asso.example.org", "Permanent", decision, other, LATER),
        ):
            assert change.after.status is Status.NEEDS_TRIAGE and change.after.association_id is None
            assert change.after.triage_reason == ERASED_TRIAGE_REASON and change.mails == ()
            assert change.load == (LoadChange(record.association_id, -1),)
            assert "Léa" not in str([e.detail for e in change.events])


def test_a_decline_of_a_record_not_erased_keeps_its_comment():
    record = routed()
    change = record.decline("autre", "Trop loin", *decide(record, declined=("asso-a",)), LATER)
    assert change.events[0].detail == {"reason": "autre", "comment": "Trop loin"}


def test_what_is_left_to_erase_in_a_record():
    request = new_request()
    assert request.erasable
    erased = routed().erase(ADMIN, LATER).after
    assert not erased.erasable
    reply = {
        "at": LATER.iso,
        "seq": 9,
        "type": "reply_received",
        "actor": "email",
        "detail": {"from": "lea@example.net", "excerpt": "Léa", "raw_key": "r2.eml"},
    }
    legacy = type(erased).from_record({**erased.to_record(), "events": [*erased.events, reply]})
    assert legacy.erasable  # an older version threaded a reply onto the stub
    assert legacy.raw_mail_keys() == ("r2.eml",)
    with_inbound = type(request).from_record(
        {**request.to_record(), "inbound": {"raw_key": "r1.eml"}, "events": [reply]}
    )
    assert with_inbound.raw_mail_keys() == ("r1.eml", "r2.eml")
