"""Silence on both edges, for requests and sign-ups alike (services/answering.py): the
reminder is due at reminder_days, not a second before; the next association at
reroute_days; a volunteer declined is routed onward; a second answer changes nothing."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.vocabulary import Channel
from tests.builders import association, make_memory_services, request_of, youth

LINK = re.compile(r"/reponse/([A-Za-z0-9_.\-]+)")
DIRECTORY = [
    association("asso-a", recruits_mentors=True, communes=["59512"]),
    association("asso-b", recruits_mentors=True),
]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def submit_request(s):
    return s.submit(request_of(youth(), Channel.FORM)), s.answers, s.requests.get


def submit_signup(s):
    from tests.builders import retired_volunteer as volunteer

    return s.mentors.sign_up(parse_mentor_submission(volunteer(), json=True), "api"), s.mentors, s.mentor_queries.get


@pytest.mark.parametrize("make", [submit_request, submit_signup], ids=["request", "signup"])
def test_the_reminder_comes_at_reminder_days_and_the_next_association_at_reroute_days(s, settings, clock, make):
    made, flow, get = make(s)
    first = made.association["id"]
    clock.advance(seconds=settings.reminder_days * 86400 - 1)
    assert flow.sweep_silence() == (0, 0)
    clock.advance(seconds=1)
    assert flow.sweep_silence() == (1, 0)
    assert flow.sweep_silence() == (0, 0)
    clock.advance(seconds=(settings.reroute_days - settings.reminder_days) * 86400 - 1)
    assert flow.sweep_silence() == (0, 0)
    clock.advance(seconds=1)
    assert flow.sweep_silence() == (0, 1)
    stored = get(made.reference)
    assert stored["association"]["id"] != first and stored["declined"] == [first]


def link_to(s, mail_ids, kinds=("association_new_request", "mentor_association_new_signup")):
    for mail_id in mail_ids:
        state = s.stores.outbox.mail_state(mail_id)
        if state["kind"] in kinds:
            return LINK.search(state["text"]).group(1)
    raise AssertionError("no association mail")


@pytest.mark.parametrize("make", [submit_request, submit_signup], ids=["request", "signup"])
def test_a_decline_routes_onward_with_the_reason_and_a_second_answer_changes_nothing(s, make):
    made, flow, get = make(s)
    token = link_to(s, made.mail_ids)
    view = flow.decline(token, "territoire", "  Hors de notre secteur.  ")
    assert (view.state, view.just_done) == ("declined", "declined")
    stored = get(made.reference)
    assert stored["declined"] == [made.association["id"]] and stored["status"] == "routed"
    declined = [e for e in stored["events"] if e["type"] == "declined"]
    assert len(declined) == 1 and declined[0]["detail"]["comment"] == "Hors de notre secteur."
    assert declined[0]["detail"]["reason"] == "territoire"
    assert flow.accept(token).state == "declined"  # too late: the page says what happened
    assert flow.decline(token, "complet", None).state == "declined"
    assert get(made.reference)["events"] == stored["events"]
