"""The Request entity: each transition's new state, events, mails and load moves."""

from __future__ import annotations

import pytest

from chalicelib.domain.request import InvalidTransition, LoadChange, Request
from chalicelib.domain.vocabulary import Status
from tests.builders import A, AT, B, LATER, decide, new_request, routed


def test_a_new_request_is_received_then_routed_with_the_association_mailed():
    request = new_request()
    change = request.first_routing(*decide(request), AT)
    assert change.after.status is Status.ROUTED and change.after.association_id == "asso-a"
    assert change.after.attempt == 1 and change.after.assigned_at == AT.epoch
    assert [e.type for e in change.events] == ["received", "routed"]
    assert [(m.kind, m.association.id, m.attempt) for m in change.mails] == [("association_new_request", "asso-a", 1)]
    assert change.load == (LoadChange("asso-a", 1, None),)


def test_a_request_nobody_covers_goes_to_triage_with_the_reason():
    request = new_request(age=40)
    change = request.first_routing(*decide(request), AT)
    assert change.after.status is Status.NEEDS_TRIAGE and change.after.association_id is None
    assert change.after.triage_reason and change.events[-1].detail == {"reason": change.after.triage_reason}
    assert change.mails == () and change.load == ()


def test_accepting_releases_the_place_and_tells_the_requester():
    request = routed()
    change = request.accept(A, LATER)
    assert change.after.status is Status.ACCEPTED and change.after.accepted_at == LATER.iso
    assert [(m.kind, m.association.id) for m in change.mails] == [("requester_accepted", "asso-a")]
    assert change.load == (LoadChange("asso-a", -1),)
    assert change.before.status is Status.ROUTED  # what storage checks it still is


def test_declining_routes_to_the_next_one_and_never_back():
    request = routed()
    decision, chosen = decide(request, declined=request.excluding("asso-a"))
    change = request.decline("complet", "", decision, chosen, LATER)
    assert change.after.association_id == "asso-b" and change.after.attempt == 2
    assert change.after.declined == ("asso-a",)
    assert [e.type for e in change.events] == ["declined", "routed"]
    assert change.load == (LoadChange("asso-a", -1), LoadChange("asso-b", 1, None))
    assert request.answer_state("asso-a", 1) == "open"
    assert change.after.answer_state("asso-a", 1) == "declined"
    assert change.after.answer_state("asso-b", 2) == "open"


def test_when_everyone_declined_the_request_waits_in_triage():
    request = routed()
    decision, chosen = decide(request, directory=(A,), declined=request.excluding("asso-a"))
    change = request.decline("profil", "", decision, chosen, LATER)
    assert change.after.status is Status.NEEDS_TRIAGE and change.after.association_id is None
    assert change.load == (LoadChange("asso-a", -1),)


def test_a_reminder_is_noted_and_mailed_once_rerouting_clears_it():
    request = routed()
    reminded = request.remind(5, A, LATER)
    assert reminded.after.reminded_at == LATER.epoch and reminded.mails[0].kind == "association_reminder"
    decision, chosen = decide(reminded.after, declined=reminded.after.excluding("asso-a"))
    onward = reminded.after.reroute_for_silence(decision, chosen, LATER)
    assert onward.after.reminded_at is None and onward.events[0].type == "rerouted"


@pytest.mark.parametrize("act", ["accept", "remind"])
def test_only_a_routed_request_can_be_answered(act):
    request = new_request()
    with pytest.raises(InvalidTransition):
        request.accept(A, AT) if act == "accept" else request.remind(1, A, AT)


def test_the_record_round_trips_and_keeps_keys_it_does_not_know():
    record = {**routed().to_record(), "future_key": {"x": 1}}
    assert Request.from_record(record).to_record() == record


def test_an_operator_assigns_by_hand_and_the_assignment_is_sticky():
    request = new_request(age=40)
    triaged = request.first_routing(*decide(request), AT).after
    change = triaged.assign(B, "operatrice@reseau.example.org", "Connue de l'association", LATER)
    assert change.after.status is Status.ROUTED and change.after.association_id == "asso-b" and change.after.manual
    assert change.events[0].type == "assigned" and change.events[0].actor == "operatrice@reseau.example.org"
    assert change.events[0].detail == {
        "association": "asso-b",
        "previous": None,
        "reason": "Connue de l'association",
        "mode": "manual",
    }
    assert [(m.kind, m.association.id) for m in change.mails] == [("association_new_request", "asso-b")]
    assert change.load == (LoadChange("asso-b", 1, None),)


def test_reassigning_a_routed_request_releases_the_previous_association():
    change = routed().assign(B, "op@reseau.example.org", "", LATER)
    assert change.load == (LoadChange("asso-a", -1), LoadChange("asso-b", 1, None))
    assert change.events[0].detail["previous"] == "asso-a" and change.after.attempt == 2


def test_closing_records_the_reason_and_frees_the_place():
    change = routed().close("op@reseau.example.org", "duplicate", LATER)
    assert change.after.status is Status.CLOSED and change.after.closed_reason == "duplicate"
    assert change.load == (LoadChange("asso-a", -1),)
    with pytest.raises(InvalidTransition):
        change.after.close("op@reseau.example.org", "other", LATER)
    with pytest.raises(InvalidTransition):
        routed().close("op@reseau.example.org", "because", LATER)
