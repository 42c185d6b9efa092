"""The Request entity: each transition's new state, events, mails and load moves."""

from __future__ import annotations

import pytest

from chalicelib.domain.erasure import age_band, scrub_event
from chalicelib.domain.models import Association
from chalicelib.domain.paris_time import french_date, french_long_date
from chalicelib.domain.request import CLOSE_REASONS, InvalidTransition, LoadChange, Moment, Request
from chalicelib.domain.vocabulary import Status
from tests.builders import AT, LATER, A, B, association, decide, new_request, routed


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


# -- The Request's transitions in the details a person notices. What
# an operator reads in the timeline (each event's actor and detail), what the association receives
# (the mail of which attempt), which places are taken and released, when a transition is refused,
# and what an erasure keeps. Public behaviour only: a `Change`'s before and after states, events,
# mails and load moves.


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


# -- The Request's console transitions (docs/console.md): an operator's re-routing, a mail sent again, and
# an admin's erasure with its scrubbed timeline.


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


# -- What the association's page says about its deadline: a rule of the Request, shown as a French
# date. Pure.


ASSIGNED = 1_796_083_200  # 2026-12-01T00:00:00Z


def request(**record) -> Request:
    return Request.from_record(
        {
            "id": "r1",
            "reference": "MNT-ABCD-EFGH",
            "channel": "form",
            "status": "routed",
            "created_at": "2026-11-30T23:30:00.000000Z",
            "expires_at": ASSIGNED + 86400 * 365,
            "fields": {"age": 16},
            **record,
        }
    )


def test_silence_sends_it_on_reroute_days_after_it_was_routed_here():
    assert request(assigned_at=ASSIGNED).answer_deadline(reroute_days=7) == ASSIGNED + 7 * 86400


def test_no_deadline_when_no_association_holds_it():
    assert request(status="needs_triage").answer_deadline(reroute_days=7) is None


def test_the_deadline_reads_as_a_day_in_france():
    assert french_long_date(ASSIGNED + 7 * 86400) == "mardi 8 décembre 2026"
    # 23:30 UTC on 30 November is already 1 December in Paris, written "1er".
    assert french_long_date(ASSIGNED - 1800) == "mardi 1er décembre 2026"
    assert french_date("2026-11-30T23:30:00.000000Z") == "01/12/2026"
