"""Volunteer mentors over HTTP, on the stack `make run` serves (docs/contract.md §11): the
form, the API with Idempotency-Key and its 422s, the admin read, and the association's mail
and answer link through to the volunteer's mail."""

from __future__ import annotations

import email
import re
from email import policy
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.builders import association, form_of, volunteer

LINK = re.compile(r"/reponse/([A-Za-z0-9_.\-]+)")


@pytest.fixture(scope="module")
def recruiting(stack):
    """The seed directory, and two associations recruiting mentors in the Nord."""
    current = stack.admin("GET", "/api/v1/admin/associations").json()["associations"]
    current = [a for a in current if a["id"] not in {"mentors-roubaix", "mentors-nord"}]
    extra = [
        association("mentors-roubaix", recruits_mentors=True, mentor_capacity=10, communes=["59512"], departements=[]),
        association("mentors-nord", recruits_mentors=True),
    ]
    r = stack.admin("PUT", "/api/v1/admin/associations", {"associations": current + extra})
    assert r.status == 200, r.text
    return stack


def mails(stack) -> list:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in stack.settle_mails()]


def test_the_directory_keeps_the_two_mentor_fields(recruiting):
    entries = {a["id"]: a for a in recruiting.admin("GET", "/api/v1/admin/associations").json()["associations"]}
    assert (
        entries["mentors-roubaix"]["recruits_mentors"] is True and entries["mentors-roubaix"]["mentor_capacity"] == 10
    )
    assert entries["mentors-nord"]["mentor_capacity"] is None
    some_seed = next(a for i, a in entries.items() if not i.startswith("mentors-"))
    assert some_seed["recruits_mentors"] is False  # the default


def test_a_wrong_mentor_field_in_the_directory_is_refused_naming_it(recruiting):
    current = recruiting.admin("GET", "/api/v1/admin/associations").json()["associations"]
    broken = [dict(a, mentor_capacity=-1) if a["id"] == "mentors-nord" else a for a in current]
    r = recruiting.admin("PUT", "/api/v1/admin/associations", {"associations": broken})
    assert r.status == 422 and "mentor_capacity" in r.text


def test_the_form_signs_up_and_the_volunteer_gets_the_reference(recruiting):
    page = recruiting.call("GET", "/devenir-mentor")
    assert page.status == 200 and 'lang="fr"' in page.text
    r = recruiting.post_form(
        "/devenir-mentor", form_of(volunteer(email="form.volunteer@example.net"), submission_id="e2e-m1")
    )
    assert r.status == 303 and r.headers["location"].startswith("/devenir-mentor/merci?ref=")
    ref = parse_qs(urlsplit(r.headers["location"]).query)["ref"][0]
    assert ref in recruiting.call("GET", r.headers["location"]).text
    stored = recruiting.admin("GET", f"/api/v1/mentors/{ref}").json()
    assert (
        stored["status"] == "routed"
        and stored["association"]["id"] == "mentors-roubaix"
        and stored["channel"] == "form"
    )
    acks = [m for m in mails(recruiting) if m["To"] == "form.volunteer@example.net"]
    assert len(acks) == 1 and ref in acks[0]["Subject"] and acks[0]["Auto-Submitted"] == "auto-generated"


def test_the_api_with_an_idempotency_key_makes_one_sign_up(recruiting):
    key = {"Idempotency-Key": "e2e-mentor-1"}
    first = recruiting.post_json("/api/v1/mentors", volunteer(email="api.volunteer@example.net"), key)
    assert first.status == 201
    again = recruiting.post_json("/api/v1/mentors", volunteer(email="api.volunteer@example.net"), key)
    assert again.status == 201 and again.json() == first.json()
    assert recruiting.post_json("/api/v1/mentors", volunteer(email="other@example.net"), key).status == 409
    assert len([m for m in mails(recruiting) if m["To"] == "api.volunteer@example.net"]) == 1


@pytest.mark.parametrize(
    "change, field", [({"age": 16}, "age"), ({"modes": []}, "modes"), ({"commitment": False}, "commitment")]
)
def test_the_api_answers_422_naming_the_field(recruiting, change, field):
    r = recruiting.post_json("/api/v1/mentors", volunteer(**change))
    assert r.status == 422 and [e["field"] for e in r.json()["errors"]] == [field]


def test_the_admin_read_needs_the_token(recruiting):
    made = recruiting.post_json("/api/v1/mentors", volunteer()).json()
    assert recruiting.call("GET", f"/api/v1/mentors/{made['reference']}").status == 401


def test_accepting_shows_the_contact_and_tells_the_volunteer_who_will_call(recruiting):
    made = recruiting.post_json(
        "/api/v1/mentors", volunteer(email="accept.me@example.net", phone="07 11 22 33 44")
    ).json()
    to_association = [
        m
        for m in mails(recruiting)
        if made["reference"] in m["Subject"] and m["To"] == "mentors-roubaix@asso.example.org"
    ]
    assert len(to_association) == 1
    text = to_association[0].get_body(("plain",)).get_content()
    assert "accept.me@example.net" not in text and "07 11 22 33 44" not in text and "0711223344" not in text
    token = LINK.search(text).group(1)
    page = recruiting.call("GET", f"/reponse/{token}")
    assert page.status == 200 and "accept.me@example.net" not in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = recruiting.post_form(f"/reponse/{token}", {"decision": "accept", "csrf": csrf})
    assert done.status == 200 and "accept.me@example.net" in done.text
    told = [m for m in mails(recruiting) if m["To"] == "accept.me@example.net" and "mentors-roubaix" in m["Subject"]]
    assert len(told) == 1 and made["reference"] in told[0]["Subject"]
    assert recruiting.admin("GET", f"/api/v1/mentors/{made['id']}").json()["status"] == "accepted"
