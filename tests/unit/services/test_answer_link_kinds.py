"""A request's link and a sign-up's link open only their own kind of record
(services/answering.py, mentors.py): the same signed format, never crossed."""

from __future__ import annotations

import re

import pytest

from chalicelib.adapters.links import InvalidLink
from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.vocabulary import Channel
from tests.builders import association, make_memory_services, request_of, youth
from tests.builders import retired_volunteer as volunteer

LINK = re.compile(r"/reponse/([A-Za-z0-9_.\-]+)")


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=[association("asso-a", recruits_mentors=True)])


def link(s, mail_ids, kind):
    (found,) = [LINK.search(m["text"]).group(1) for m in map(s.stores.outbox.mail_state, mail_ids) if m["kind"] == kind]
    return found


def test_a_requests_link_does_not_open_a_sign_up_and_the_reverse(s):
    request = s.submit(request_of(youth(), Channel.FORM))
    signup = s.mentors.sign_up(parse_mentor_submission(volunteer(), json=True), "api")
    request_link = link(s, request.mail_ids, "association_new_request")
    signup_link = link(s, signup.mail_ids, "mentor_association_new_signup")
    assert s.answers.view(request_link).state == "open" and s.mentors.view(signup_link).state == "open"
    with pytest.raises(InvalidLink):
        s.mentors.view(request_link)
    with pytest.raises(InvalidLink):
        s.mentors.accept(request_link)
    assert s.requests.get(request.reference)["status"] == "routed"
    view = s.mentors.view(signup_link)
    assert view.record["reference"] == signup.reference and view.association.id == "asso-a"
