"""Volunteer mentors over the HTTP door, in process (chalice's test client, in-memory
stores): the form, the API with Idempotency-Key and its 422s, the admin read, and the
association's answer through the same signed link as requests'."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.builders import LINK, VOLUNTEER_DIRECTORY, form_of, post_form, post_json, volunteer
from tests.builders import body_text as text
from tests.integration.mail_stream import read_outbox

OURS = "http://127.0.0.1:8000"
ADMIN = {"Authorization": "Bearer test-admin-token"}
DIRECTORY = VOLUNTEER_DIRECTORY
SETTINGS = dict(public_base_url=OURS)


def mails_to(wired, address):
    return [m for m in read_outbox(wired) if m["To"] == address]


def test_the_form_page_is_french_and_asks_every_field_of_the_contract(http):
    r = http.get("/devenir-mentor")
    assert r.status_code == 200
    page = text(r)
    assert 'lang="fr"' in page and "<h1>Devenir mentor</h1>" in page
    for name in (
        "first_name",
        "last_name",
        "email",
        "phone",
        "age",
        "postal_code",
        "city",
        "occupation",
        "modes",
        "hours_per_month",
        "youth_ages",
        "needs",
        "sector",
        "message",
        "commitment",
        "consent",
        "submission_id",
        "website",
    ):
        assert f'name="{name}"' in page, name
    assert "casier" not in page.lower()  # associations run the honour checks themselves


def test_the_home_page_links_to_the_mentor_form(http):
    assert 'href="/devenir-mentor"' in text(http.get("/"))


def test_a_valid_form_is_routed_and_answered_303_to_its_thank_you_page(http, wired):
    r = post_form(http, "/devenir-mentor", form_of(volunteer(), submission_id="sid-1"))
    assert r.status_code == 303
    location = r.headers["Location"]
    assert location.startswith("/devenir-mentor/merci?ref=")
    ref = parse_qs(urlsplit(location).query)["ref"][0]
    assert re.fullmatch(r"[A-Z0-9-]{6,24}", ref)
    assert ref in text(http.get(location))
    again = post_form(http, "/devenir-mentor", form_of(volunteer(), submission_id="sid-1"))
    assert parse_qs(urlsplit(again.headers["Location"]).query)["ref"][0] == ref  # posted twice: one sign-up
    stored = json.loads(http.get(f"/api/v1/mentors/{ref}", headers=ADMIN).body)
    assert stored["channel"] == "form" and stored["status"] == "routed"
    # Roubaix (59512) is listed by lille-mentors: commune 8 + one shared need 4.
    assert stored["association"]["id"] == "lille-mentors"
    assert stored["routing"]["policy"] == "mentor-v1"
    assert stored["routing"]["excluded"]["recruits_mentors"] == ["youth-only"]
    assert stored["modes"] == ["presentiel"] and stored["youth_ages"] == ["15-18"] and stored["hours_per_month"] == 4
    assert [e["type"] for e in stored["events"]] == ["received", "routed"]
    ack = mails_to(wired, "paul.durand@example.net")
    assert len(ack) == 1 and ref in ack[0]["Subject"]


def test_an_invalid_form_comes_back_with_one_message_per_field_and_the_values_kept(http, wired):
    fields = form_of(volunteer(age="16", hours_per_month="60", modes=[], email="pas-une-adresse"))
    del fields["commitment"]
    r = post_form(http, "/devenir-mentor", fields)
    assert r.status_code == 422
    page = text(r)
    assert "Le formulaire contient 5 erreurs" in page
    for anchor in ("#email", "#age", "#modes", "#hours_per_month", "#commitment"):
        assert f'href="{anchor}"' in page
    assert 'value="Durand"' in page  # kept as typed
    assert read_outbox(wired) == []


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(http, wired):
    r = post_form(http, "/devenir-mentor", {**form_of(volunteer()), "website": "http://spam.example"})
    assert r.status_code == 303
    ref = parse_qs(urlsplit(r.headers["Location"]).query)["ref"][0]
    assert http.get(f"/api/v1/mentors/{ref}", headers=ADMIN).status_code == 404
    assert read_outbox(wired) == []


def test_the_api_answers_201_and_the_same_key_replays_or_conflicts(http):
    key = {"Idempotency-Key": "partner-42"}
    first = post_json(http, "/api/v1/mentors", volunteer(), key)
    assert first.status_code == 201
    made = json.loads(first.body)
    assert set(made) == {"id", "reference", "status", "association"}
    assert made["status"] == "routed" and made["association"] == {
        "id": "lille-mentors",
        "name": "Association lille-mentors",
    }
    replay = post_json(http, "/api/v1/mentors", volunteer(), key)
    assert replay.status_code == 201 and json.loads(replay.body) == made
    other = post_json(http, "/api/v1/mentors", volunteer(age=43), key)
    assert other.status_code == 409
    # A request with the same key is another door: it is not answered by the sign-up.
    from tests.builders import youth

    assert json.loads(post_json(http, "/api/v1/requests", youth(), key).body)["reference"].startswith("MNT-")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"age": 17}, "age"),
        ({"age": "42"}, "age"),
        ({"hours_per_month": 0}, "hours_per_month"),
        ({"hours_per_month": 41}, "hours_per_month"),
        ({"modes": []}, "modes"),
        ({"modes": ["en_ligne"]}, "modes"),
        ({"youth_ages": ["5-10"]}, "youth_ages"),
        ({"needs": []}, "needs"),
        ({"occupation": "chomeur"}, "occupation"),
        ({"commitment": False}, "commitment"),
        ({"commitment": "on"}, "commitment"),
        ({"consent": None}, "consent"),
        ({"email": None}, "email"),
        ({"phone": "12345"}, "phone"),
        ({"sector": "x" * 101}, "sector"),
        ({"postal_code": "00000"}, "postal_code"),
    ],
)
def test_the_api_refuses_each_broken_rule_with_422_naming_the_field(http, change, field):
    r = post_json(http, "/api/v1/mentors", volunteer(**change))
    assert r.status_code == 422
    assert [e["field"] for e in json.loads(r.body)["errors"]] == [field]


def test_the_api_refuses_what_is_not_json_with_400(http):
    r = http.post("/api/v1/mentors", body=b"first_name=Paul", headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_the_admin_read_needs_the_token(http):
    made = json.loads(post_json(http, "/api/v1/mentors", volunteer()).body)
    assert http.get(f"/api/v1/mentors/{made['id']}").status_code == 401
    assert json.loads(http.get(f"/api/v1/mentors/{made['id']}", headers=ADMIN).body)["reference"] == made["reference"]
    assert http.get("/api/v1/mentors/BEN-2222-2222", headers=ADMIN).status_code == 404


def answer_token(wired, association_id):
    mails = mails_to(wired, f"{association_id}@asso.example.org")
    assert mails
    return LINK.search(sorted(mails, key=lambda m: m["Date"])[-1].get_body(("plain",)).get_content()).group(1)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_the_associations_mail_and_page_show_the_profile_never_the_contact_until_it_accepts(http, wired):
    made = json.loads(post_json(http, "/api/v1/mentors", volunteer()).body)
    association_mail = mails_to(wired, "lille-mentors@asso.example.org")
    assert len(association_mail) == 1 and made["reference"] in association_mail[0]["Subject"]
    body = (
        association_mail[0].get_body(("plain",)).get_content() + association_mail[0].get_body(("html",)).get_content()
    )
    assert "42 ans" in body and "Roubaix" in body and "Informatique" in body and "4 heures par mois" in body
    for secret in ("paul.durand@example.net", "06 98 76 54 32", "0698765432", "Durand"):
        assert secret not in body
    token = answer_token(wired, "lille-mentors")
    page = http.get(f"/reponse/{token}")
    assert page.status_code == 200
    assert "Candidature de mentor bénévole" in text(page) and "paul.durand@example.net" not in text(page)
    assert post_form(http, f"/reponse/{token}", {"decision": "accept"}).status_code == 403  # no anti-forgery field
    accepted = post_form(http, f"/reponse/{token}", {"decision": "accept", "csrf": csrf_of(text(page))})
    assert accepted.status_code == 200
    assert "paul.durand@example.net" in text(accepted) and "06 98 76 54 32" in text(accepted)
    told = [m for m in mails_to(wired, "paul.durand@example.net") if "Association lille-mentors" in m["Subject"]]
    assert len(told) == 1 and made["reference"] in told[0]["Subject"]
    assert "va vous appeler" in told[0].get_body(("plain",)).get_content()
    stored = json.loads(http.get(f"/api/v1/mentors/{made['reference']}", headers=ADMIN).body)
    assert stored["status"] == "accepted"
    # Acting once: a second click changes nothing and sends nothing.
    again = post_form(
        http, f"/reponse/{token}", {"decision": "decline", "reason": "complet", "csrf": csrf_of(text(page))}
    )
    assert again.status_code == 200
    assert json.loads(http.get(f"/api/v1/mentors/{made['id']}", headers=ADMIN).body)["status"] == "accepted"


def test_a_decline_routes_to_the_next_candidate_then_to_triage(http, wired):
    made = json.loads(post_json(http, "/api/v1/mentors", volunteer()).body)
    first = answer_token(wired, "lille-mentors")
    page = text(http.get(f"/reponse/{first}"))
    refused = post_form(http, f"/reponse/{first}", {"decision": "decline", "csrf": csrf_of(page)})
    assert refused.status_code == 422  # a reason is required
    post_form(http, f"/reponse/{first}", {"decision": "decline", "reason": "complet", "csrf": csrf_of(page)})
    stored = json.loads(http.get(f"/api/v1/mentors/{made['id']}", headers=ADMIN).body)
    assert stored["status"] == "routed" and stored["association"]["id"] == "nord-mentors"
    assert stored["declined"] == ["lille-mentors"]
    second = answer_token(wired, "nord-mentors")
    page = text(http.get(f"/reponse/{second}"))
    post_form(http, f"/reponse/{second}", {"decision": "decline", "reason": "profil", "csrf": csrf_of(page)})
    stored = json.loads(http.get(f"/api/v1/mentors/{made['id']}", headers=ADMIN).body)
    assert stored["status"] == "needs_triage" and stored["triage_reason"] == "every candidate declined this sign-up"
    assert [e["type"] for e in stored["events"]] == [
        "received",
        "routed",
        "declined",
        "routed",
        "declined",
        "needs_triage",
    ]
    # The first link now shows what happened, and acts no more.
    assert "a refusé ce profil" in text(http.get(f"/reponse/{first}"))


def test_a_request_link_still_opens_its_request_page(http, wired):
    from tests.builders import youth

    post_json(http, "/api/v1/requests", youth(need="scolaire"))
    token = answer_token(wired, "lille-mentors")
    page = text(http.get(f"/reponse/{token}"))
    assert "Demande de mentorat" in page and "Candidature de mentor" not in page
