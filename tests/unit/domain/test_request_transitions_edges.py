"""The Request's transitions in the details a person notices (issue 14: mutation survivors).

What an operator reads in the timeline (each event's actor and detail), what the
association receives (the mail of which attempt), which places are taken and released,
when a transition is refused, and what an erasure keeps. Public behaviour only: a
`Change`'s before and after states, events, mails and load moves.
"""

from __future__ import annotations

import pytest

from chalicelib.domain.erasure import age_band, scrub_event
from chalicelib.domain.models import Association
from chalicelib.domain.request import CLOSE_REASONS, InvalidTransition, LoadChange, Moment, Request
from chalicelib.domain.vocabulary import Status
from tests.builders import association
from tests.builders import AT, LATER, A, B, decide, new_request, routed

OPERATOR = "operatrice@reseau.example.org"
ADMIN = "admin@reseau.example.org"
SMALL = Association.model_validate(association("asso-small", capacity=3, name="Petite association"))


def in_triage() -> Request:
    request = new_request(age=40)  # nobody covers 40: triage
    after = request.first_routing(*decide(request), AT).after
    assert after.status is Status.NEEDS_TRIAGE and after.triage_reason
    return after


def reminded() -> Request:
    request = routed().remind(5, A, AT).after
    assert request.reminded_at == AT.epoch
    return request


# -- assign ------------------------------------------------------------------------------


def test_an_assignment_counts_against_the_associations_capacity_unless_overridden():
    assert in_triage().assign(SMALL, OPERATOR, "", LATER).load == (LoadChange("asso-small", 1, 3),)
    overridden = in_triage().assign(SMALL, OPERATOR, "", LATER, override_capacity=True)
    assert overridden.load == (LoadChange("asso-small", 1, None),)


def test_an_assignment_names_the_new_association_and_clears_triage_and_reminder():
    change = in_triage().assign(SMALL, OPERATOR, "", LATER)
    after = change.after
    assert after.association_name == "Petite association"
    assert after.to_record()["association"] == {"id": "asso-small", "name": "Petite association"}
    assert after.triage_reason is None and after.updated_at == LATER.iso and after.assigned_at == LATER.epoch
    again = reminded().assign(SMALL, OPERATOR, "", LATER).after
    assert again.reminded_at is None  # the new association gets its own reminder in time


def test_a_reassignment_mails_the_new_association_with_the_new_attempts_link():
    request = routed()
    change = request.assign(SMALL, OPERATOR, "", LATER)
    assert change.after.attempt == request.attempt + 1 == 2
    assert [(m.kind, m.association.id, m.attempt) for m in change.mails] == [
        ("association_new_request", "asso-small", 2)
    ]
    assert change.before == request


@pytest.mark.parametrize("finish", ["accept", "close"])
def test_an_accepted_or_closed_request_cannot_be_assigned(finish):
    request = routed()
    done = request.accept(A, LATER).after if finish == "accept" else request.close(OPERATOR, "other", LATER).after
    with pytest.raises(InvalidTransition):
        done.assign(SMALL, OPERATOR, "", LATER)


# -- the association lets it go: silence, bounce -----------------------------------------


def test_silence_moving_it_on_is_written_as_the_systems_with_who_let_it_go():
    request = routed()
    change = request.reroute_for_silence(*decide(request, declined=request.excluding("asso-a")), LATER)
    rerouted = change.events[0]
    assert (rerouted.type, rerouted.actor) == ("rerouted", "system")
    assert rerouted.detail == {"association": "asso-a", "reason": "no answer"}
    assert change.after.association_id == "asso-b" and change.after.declined == ("asso-a",)
    assert change.load == (LoadChange("asso-a", -1), LoadChange("asso-b", 1, None))
    assert [(m.association.id, m.attempt) for m in change.mails] == [("asso-b", 2)]


def test_a_bounce_is_written_as_the_mails_with_the_address_and_its_reason():
    request = routed()
    decision, chosen = decide(request, declined=request.excluding("asso-a"))
    change = request.bounce("asso-a@asso.example.org", "mailbox full", decision, chosen, LATER)
    bounced = change.events[0]
    assert (bounced.type, bounced.actor) == ("bounced", "mail")
    assert bounced.detail == {"association": "asso-a", "address": "asso-a@asso.example.org", "reason": "mailbox full"}
    assert [e.type for e in change.events] == ["bounced", "routed"]
    assert change.after.association_id == "asso-b" and change.after.declined == ("asso-a",)
    assert change.load == (LoadChange("asso-a", -1), LoadChange("asso-b", 1, None))


def test_a_bounce_with_nobody_left_sends_it_to_triage_and_frees_the_place():
    request = routed()
    decision, chosen = decide(request, directory=(A,), declined=request.excluding("asso-a"))
    change = request.bounce("asso-a@asso.example.org", "Permanent", decision, chosen, LATER)
    assert change.after.status is Status.NEEDS_TRIAGE and change.after.association_id is None
    assert change.load == (LoadChange("asso-a", -1),) and change.mails == ()


@pytest.mark.parametrize("move", ["silence", "bounce"])
def test_only_a_routed_request_can_be_moved_on_for_silence_or_a_bounce(move):
    accepted = routed().accept(A, LATER).after
    decision, chosen = decide(accepted)
    with pytest.raises(InvalidTransition):
        if move == "silence":
            accepted.reroute_for_silence(decision, chosen, LATER)
        else:
            accepted.bounce("asso-a@asso.example.org", "Permanent", decision, chosen, LATER)


# -- routing again by an operator ----------------------------------------------------------


def test_routing_again_says_who_it_left_and_that_an_operator_asked():
    request = routed().assign(B, OPERATOR, "choix", LATER).after
    change = request.reroute_by_operator(OPERATOR, *decide(request, declined=request.declined), LATER)
    assert change.events[0].detail == {"association": "asso-b", "mode": "operator"}
    assert change.before == request  # what the commit is conditional on: the request as loaded
    from_triage = in_triage()
    change = from_triage.reroute_by_operator(OPERATOR, *decide(from_triage), LATER)
    assert change.events[0].detail == {"association": None, "mode": "operator"}


def test_routing_again_to_the_same_association_clears_its_reminder():
    request = reminded()
    change = request.reroute_by_operator(OPERATOR, *decide(request, declined=request.declined), LATER)
    assert change.after.association_id == "asso-a" and change.after.attempt == 2
    assert change.after.reminded_at is None  # the new routing gets its own reminder
    assert change.load == (LoadChange("asso-a", -1), LoadChange("asso-a", 1, None))


# -- a mail sent again ---------------------------------------------------------------------


def test_a_mail_sent_again_is_in_the_timeline_with_the_association():
    request = routed()
    change = request.resend_mail(OPERATOR, A, LATER)
    event = change.events[0]
    assert (event.type, event.actor, event.detail) == ("mail_resent", OPERATOR, {"association": "asso-a"})
    assert change.after.updated_at == LATER.iso and change.after.status is Status.ROUTED
    assert [(m.kind, m.association.id, m.attempt) for m in change.mails] == [("association_new_request", "asso-a", 1)]


def test_no_mail_is_sent_again_for_a_request_in_triage():
    with pytest.raises(InvalidTransition):
        in_triage().resend_mail(OPERATOR, A, LATER)


# -- close ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", sorted(CLOSE_REASONS))
def test_each_close_reason_is_recorded_in_the_request_and_its_timeline(reason):
    change = routed().close(OPERATOR, reason, LATER)
    assert change.after.status is Status.CLOSED and change.after.closed_reason == reason
    assert change.after.updated_at == LATER.iso
    assert [(e.type, e.actor, e.detail) for e in change.events] == [("closed", OPERATOR, {"reason": reason})]
    assert change.mails == ()


def test_the_close_reasons_are_the_four_of_the_console():
    assert set(CLOSE_REASONS) == {"duplicate", "unreachable", "out_of_scope", "other"}


@pytest.mark.parametrize("reason", ["", "because", "Duplicate", "doublon"])
def test_an_unknown_close_reason_is_refused(reason):
    with pytest.raises(InvalidTransition):
        routed().close(OPERATOR, reason, LATER)


def test_closing_releases_a_place_only_when_an_association_waited_on_it():
    assert in_triage().close(OPERATOR, "duplicate", LATER).load == ()
    accepted = routed().accept(A, LATER).after  # its place was released on acceptance
    change = accepted.close(OPERATOR, "other", LATER)
    assert change.after.status is Status.CLOSED and change.load == ()
    assert routed().close(OPERATOR, "unreachable", LATER).load == (LoadChange("asso-a", -1),)


def test_a_closed_request_cannot_be_closed_again_whatever_the_reason():
    closed = in_triage().close(OPERATOR, "duplicate", LATER).after
    for reason in CLOSE_REASONS:
        with pytest.raises(InvalidTransition):
            closed.close(OPERATOR, reason, LATER)


# -- erasure -------------------------------------------------------------------------------


def test_erasure_is_dated_and_its_event_holds_no_detail():
    change = routed().erase(ADMIN, LATER)
    assert change.after.updated_at == LATER.iso
    assert change.after.to_record()["erased_at"] == LATER.iso
    assert [(e.type, e.actor, e.detail) for e in change.events] == [("erased", ADMIN, {})]
    assert change.mails == () and change.load == ()


def test_erasing_a_request_without_place_referent_or_age_keeps_only_what_it_had():
    request = Request.from_record(
        {
            **new_request().to_record(),
            "channel": "email",
            "place": None,
            "referent": None,
            "fields": {
                "first_name": "Léa",
                "email": "lea@example.net",
                "age": None,
                "need": "scolaire",
                "situation": None,
                "message": "Bonjour, je suis Léa",
            },
            "inbound": {"raw_key": "inbound/x.eml", "from": "lea@example.net"},
            "extraction": {"first_name": {"value": "Léa", "words": "je suis Léa"}},
        }
    )
    after = request.erase(ADMIN, LATER).after
    assert after.fields == {"need": "scolaire"}
    assert after.place is None and after.referent is None and after.inbound is None and after.extraction is None
    assert after.channel == "email" and after.status is request.status and after.created_at == request.created_at
    assert "Léa" not in str(after.to_record()) and "lea@example.net" not in str(after.to_record())


def test_erasure_keeps_a_place_without_region_as_its_departement():
    request = Request.from_record(
        {**new_request().to_record(), "place": {"commune_code": "59512", "departement": "59"}}
    )
    assert request.erase(ADMIN, LATER).after.place == {"departement": "59"}


def test_an_erased_request_read_back_is_still_erased():
    after = routed().erase(ADMIN, LATER).after
    again = Request.from_record(after.to_record())
    assert again.erased and again.fields == after.fields
    with pytest.raises(InvalidTransition):
        again.erase(ADMIN, LATER)


# -- scrubbed timeline and age bands -------------------------------------------------------


@pytest.mark.parametrize("type_", ["closed", "declined", "needs_triage"])
def test_a_scrubbed_event_keeps_the_coded_reason_of_a_closing_a_decline_or_a_triage(type_):
    event = {"at": AT.iso, "seq": 2, "type": type_, "actor": "x", "detail": {"reason": "duplicate", "comment": "Léa"}}
    assert scrub_event(event) == {
        "at": AT.iso,
        "seq": 2,
        "type": type_,
        "actor": "x",
        "detail": {"reason": "duplicate"},
    }


@pytest.mark.parametrize("type_", ["rerouted", "bounced", "assigned", "mail_failed"])
def test_a_scrubbed_event_of_another_type_loses_its_reason(type_):
    event = {
        "at": AT.iso,
        "type": type_,
        "actor": "mail",
        "detail": {"association": "asso-a", "address": "lea@example.net", "reason": "Léa a déménagé"},
    }
    assert scrub_event(event)["detail"] == {"association": "asso-a"}


def test_a_scrubbed_event_without_detail_gets_an_empty_one():
    assert scrub_event({"at": AT.iso, "type": "received", "actor": "form"})["detail"] == {}
    assert scrub_event({"at": AT.iso, "type": "received", "actor": "form", "detail": None})["detail"] == {}
    assert (
        scrub_event({"at": AT.iso, "type": "declined", "actor": "asso-a", "detail": {"comment": "x"}})["detail"] == {}
    )


@pytest.mark.parametrize(
    "age, band",
    [
        (5, "autre"),
        (6, "6-10"),
        (10, "6-10"),
        (11, "11-14"),
        (14, "11-14"),
        (15, "15-18"),
        (18, "15-18"),
        (19, "19-25"),
        (25, "19-25"),
        (26, "26-30"),
        (30, "26-30"),
        (31, "autre"),
        (0, "autre"),
    ],
)
def test_each_age_band_at_both_edges(age, band):
    assert age_band(age) == band


# -- the stored record, reminders, acceptance, links (the full run on request.py) ----------


def test_every_field_of_a_finished_request_survives_the_stored_record():
    record = {
        **routed().to_record(),
        "status": "closed",
        "closed_reason": "unreachable",
        "accepted_at": LATER.iso,
        "updated_at": LATER.iso,
        "triage_reason": "no candidate",
        "extraction": {"age": {"value": 15, "words": "15 ans"}},
        "inbound": {"raw_key": "inbound/x.eml", "subject": "Demande"},
        "manual": True,
        "reminded_at": AT.epoch,
    }
    request = Request.from_record(record)
    assert (request.status, request.closed_reason, request.accepted_at) == (Status.CLOSED, "unreachable", LATER.iso)
    assert request.updated_at == LATER.iso and request.triage_reason == "no candidate" and request.manual
    assert request.extraction == record["extraction"] and request.inbound == record["inbound"]
    assert request.to_record() == record


def test_a_record_never_updated_reads_as_updated_when_created():
    record = new_request().to_record()
    del record["updated_at"]
    assert Request.from_record(record).updated_at == AT.iso


def test_a_reminder_is_the_systems_and_mails_the_link_of_the_present_attempt():
    request = routed().assign(A, OPERATOR, "", AT).after  # attempt 2
    change = request.remind(5, A, LATER)
    assert [(e.type, e.actor, e.detail) for e in change.events] == [("reminded", "system", {"association": "asso-a"})]
    assert [(m.kind, m.association.id, m.attempt, m.days_waiting) for m in change.mails] == [
        ("association_reminder", "asso-a", 2, 5)
    ]
    assert change.after.updated_at == LATER.iso and change.after.reminded_at == LATER.epoch and change.load == ()


def test_an_acceptance_is_the_associations_and_dated():
    change = routed().accept(A, LATER)
    assert [(e.type, e.actor, e.detail) for e in change.events] == [("accepted", "asso-a", {})]
    assert change.after.updated_at == LATER.iso


def test_nobody_is_told_of_an_acceptance_when_the_request_left_no_address():
    request = Request.from_record(
        {**routed().to_record(), "fields": {**routed().fields, "email": None, "phone": "0612345678"}}
    )
    change = request.accept(A, LATER)
    assert change.after.status is Status.ACCEPTED and change.mails == ()


@pytest.mark.parametrize("move", ["decline", "silence", "bounce"])
def test_letting_it_go_is_conditional_on_the_request_as_loaded(move):
    request = reminded()
    decision, chosen = decide(request, declined=request.excluding("asso-a"))
    change = {
        "decline": lambda: request.decline("complet", "", decision, chosen, LATER),
        "silence": lambda: request.reroute_for_silence(decision, chosen, LATER),
        "bounce": lambda: request.bounce("asso-a@asso.example.org", "Permanent", decision, chosen, LATER),
    }[move]()
    assert change.before == request
    assert change.after.reminded_at is None and change.after.declined == ("asso-a",)


def test_an_old_link_shows_elsewhere_once_the_request_was_routed_again_even_to_the_same_association():
    request = routed()
    again = request.reroute_by_operator(OPERATOR, *decide(request, declined=request.declined), LATER).after
    assert again.association_id == "asso-a" and again.attempt == 2
    assert again.answer_state("asso-a", 1) == "elsewhere"
    assert again.answer_state("asso-a", 2) == "open"
    assert again.answer_state("asso-b", 2) == "elsewhere"  # never routed there


def test_the_present_link_of_a_closed_request_shows_elsewhere():
    closed = routed().close(OPERATOR, "duplicate", LATER).after
    assert closed.answer_state("asso-a", 1) == "elsewhere"
    accepted = routed().accept(A, LATER).after
    assert accepted.answer_state("asso-a", 1) == "accepted"


def test_the_received_event_names_the_door_and_routing_dates_the_request():
    request = new_request()
    change = request.first_routing(*decide(request), LATER)
    assert (change.events[0].type, change.events[0].actor, change.events[0].detail) == ("received", "form", {})
    assert change.after.updated_at == LATER.iso
    then = Moment(LATER.epoch + 3600, "2026-09-22T11:13:20.000000Z")
    onward = change.after.decline("complet", "", *decide(change.after, declined=("asso-a",)), then)
    assert onward.after.updated_at == then.iso


def test_a_request_routes_on_its_publics():
    serving = Association.model_validate(association("asso-qpv", publics=["qpv"], publics_required=["qpv"]))
    with_public = new_request(publics=["qpv"])
    assert with_public.first_routing(*decide(with_public, directory=(serving,)), AT).after.association_id == "asso-qpv"
    without = new_request()
    assert without.first_routing(*decide(without, directory=(serving,)), AT).after.status is Status.NEEDS_TRIAGE


def test_routing_is_written_as_routings_with_the_association_or_the_triage_reason():
    request = new_request()
    routed_step = request.first_routing(*decide(request), AT).events[-1]
    assert (routed_step.type, routed_step.actor, routed_step.detail) == ("routed", "routing", {"association": "asso-a"})
    nobody = new_request(age=40)
    change = nobody.first_routing(*decide(nobody), AT)
    step = change.events[-1]
    assert (step.type, step.actor, step.detail) == ("needs_triage", "routing", {"reason": change.after.triage_reason})
