"""A sign-up as operators read it (services/mentors.py): its expiry, found with stray
spaces, its reference and timeline after acceptance."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor_submission import parse_mentor_submission
from tests.builders import ANSWER_URL as LINK
from tests.builders import association, make_memory_services
from tests.builders import retired_volunteer as volunteer

DIRECTORY = [association("first", recruits_mentors=True)]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def sign_up(s, **overrides):
    return s.mentors.sign_up(parse_mentor_submission(volunteer(**overrides), json=True), "form")


def test_a_sign_up_is_read_with_its_expiry_and_channel(s, settings, clock):
    made = sign_up(s)
    view = s.mentor_queries.get(f"  {made.reference} ")
    assert view["id"] == made.id and view["channel"] == "form"
    assert view["expires_at"] == clock.now().epoch + settings.mentor_retention_days * 86400
    assert view["association"] == {"id": "first", "name": "Association first"} and view["declined"] == []
    assert view["first_name"] == "Paul" and view["needs"] == ["scolaire", "orientation"]


def test_an_accepted_sign_up_is_kept_retention_days_from_the_acceptance(s, settings, clock):
    made = sign_up(s)
    (link,) = [
        LINK.search(m["text"]).group(1)
        for m in map(s.stores.outbox.mail_state, made.mail_ids)
        if m["kind"] == "mentor_association_new_signup"
    ]
    clock.advance(days=3)
    s.mentors.accept(link)
    view = s.mentor_queries.get(made.id)
    assert view["status"] == "accepted"
    assert view["expires_at"] == clock.now().epoch + settings.retention_days * 86400
