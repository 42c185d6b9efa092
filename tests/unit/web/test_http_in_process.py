"""The HTTP door in process: app.py's routes through chalice's test client, on the
in-memory stores. The same behaviour the e2e suite shows over TCP, here fast enough to run
under every mutant of chalicelib/web (make mutation)."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.builders import YOUTH_DIRECTORY, association, youth
from tests.builders import body_text as text
from tests.builders import youth_form_with_id as form
from tests.integration.mail_stream import read_outbox

OURS = "http://127.0.0.1:8000"
PARTNER = "https://partenaire.example.org"
ADMIN = {"Authorization": "Bearer test-admin-token"}
LINK = re.compile(r"/reponse/([A-Za-z0-9_.\-]+)")
DIRECTORY = YOUTH_DIRECTORY
SETTINGS = dict(public_base_url=OURS, rate_limit_count=3, rate_limit_seconds=600, partner_origins=(PARTNER,))


def post_form(http, path, fields, headers=None):
    body = urlencode(fields, doseq=True).encode()
    return http.post(path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def post_json(http, path, data, headers=None):
    return http.post(
        path, body=json.dumps(data).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


def ref_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["ref"][0]


def stored_count(wired) -> int:
    return len(wired.requests.list(None, None, 200, None)[0])


# -- the youth form -----------------------------------------------------------------------


def test_the_form_page_is_french_with_its_security_headers(http):
    r = http.get("/demande")
    assert r.status_code == 200 and 'lang="fr"' in text(r) and 'name="submission_id"' in text(r)
    csp = [d.strip() for d in r.headers["Content-Security-Policy"].split(";")]
    assert f"frame-ancestors {PARTNER}" in csp and "default-src 'none'" in csp
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Referrer-Policy"] == "same-origin"


def test_a_valid_form_is_stored_and_answered_303_to_its_thank_you_page(http, wired):
    r = post_form(http, "/demande", form(), {"Origin": OURS, "Host": "127.0.0.1:8000"})
    assert r.status_code == 303
    location = r.headers["Location"]
    assert location.startswith("/demande/merci?ref=")
    stored = wired.requests.get(ref_of(location))
    assert stored["channel"] == "form" and stored["status"] == "routed"
    thanks = http.get(location)
    assert thanks.status_code == 200 and ref_of(location) in text(thanks)


@pytest.mark.parametrize(
    "headers, allowed",
    [
        ({"Sec-Fetch-Site": "same-origin", "Origin": OURS}, True),
        ({"Referer": f"{OURS}/demande"}, True),
        ({"Origin": "https://evil.example.com"}, False),
        ({"Referer": "https://evil.example.com/page"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example.com"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Origin": PARTNER}, True),
    ],
)
def test_who_may_post_the_form(http, wired, headers, allowed):
    r = post_form(http, "/demande", form(), headers)
    if allowed:
        assert r.status_code == 303 and stored_count(wired) == 1
    else:
        assert r.status_code == 403 and 'lang="fr"' in text(r) and stored_count(wired) == 0


def test_an_invalid_form_comes_back_with_the_values_and_a_message_per_field(http, wired):
    r = post_form(http, "/demande", form(first_name="", age=40))
    assert r.status_code in (400, 422)
    page = text(r)
    assert 'id="first_name-error"' in page and 'id="age-error"' in page
    assert 'value="Roubaix"' in page and stored_count(wired) == 0


def test_the_honeypot_looks_like_success_and_stores_nothing(http, wired):
    r = post_form(http, "/demande", form() | {"website": "http://spam.example"})
    assert r.status_code == 303 and "/demande/merci?ref=" in r.headers["Location"]
    assert stored_count(wired) == 0 and read_outbox(wired) == []


def test_the_same_submission_id_twice_makes_one_request(http, wired):
    first = post_form(http, "/demande", form(submission_id="sub-42"))
    again = post_form(http, "/demande", form(submission_id="sub-42"))
    assert first.headers["Location"] == again.headers["Location"] and stored_count(wired) == 1


def test_a_partners_return_to_is_followed_and_no_other(http):
    to_partner = post_form(http, "/demande", form() | {"return_to": f"{PARTNER}/merci?x=1"})
    assert to_partner.status_code == 303 and to_partner.headers["Location"].startswith(f"{PARTNER}/merci?x=1")
    assert "ref=" in to_partner.headers["Location"]
    elsewhere = post_form(http, "/demande", form() | {"return_to": "https://evil.example.com/merci"})
    assert elsewhere.headers["Location"].startswith("/demande/merci?ref=")


def test_the_per_ip_limit_answers_429_and_tokens_are_exempt(http, settings):
    statuses = [post_form(http, "/demande", form()).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    assert post_json(http, "/api/v1/requests", youth()).status_code == 429  # the API counts with the forms
    assert post_json(http, "/api/v1/requests", youth(), ADMIN).status_code == 201


def test_the_referent_form_stores_the_referent(http, wired):
    fields = form(email="", phone="", last_name="", age=11, situation="primaire") | {
        "referent_name": "Mme Dupont",
        "referent_email": "cpe@ac-lille.example.fr",
        "structure_name": "Collège",
        "structure_type": "etablissement_scolaire",
    }
    r = post_form(http, "/orienter", fields)
    assert r.status_code == 303 and r.headers["Location"].startswith("/orienter/merci?ref=")
    stored = wired.requests.get(ref_of(r.headers["Location"]))
    assert stored["channel"] == "referent_form" and stored["referent"]["email"] == "cpe@ac-lille.example.fr"


# -- the API ------------------------------------------------------------------------------


def test_the_api_stores_and_replays_by_idempotency_key(http, wired):
    r = post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": "k1"})
    assert r.status_code == 201
    answer = json.loads(r.body)
    assert set(answer) == {"id", "reference", "status", "association"} and answer["association"]["id"] == "first-asso"
    again = post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": "k1"})
    assert again.status_code == 201 and json.loads(again.body) == answer
    assert post_json(http, "/api/v1/requests", youth(age=16), {"Idempotency-Key": "k1"}).status_code == 409
    assert stored_count(wired) == 1


def test_the_api_refuses_bad_input_with_the_right_status(http, wired):
    invalid = post_json(http, "/api/v1/requests", youth(age=40, need="cuisine"))
    assert invalid.status_code == 422
    assert {"age", "need"} <= {e["field"] for e in json.loads(invalid.body)["errors"]}
    assert (
        http.post("/api/v1/requests", body=b"{not json", headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    assert post_json(http, "/api/v1/requests", youth(message="x" * (65 * 1024))).status_code == 413
    assert stored_count(wired) == 0


def test_admin_reads_need_the_token_and_filter_by_status(http):
    assert http.get("/api/v1/requests").status_code == 401
    assert http.get("/api/v1/requests", headers={"Authorization": "Bearer wrong"}).status_code == 401
    routed = json.loads(post_json(http, "/api/v1/requests", youth(), ADMIN).body)
    triage = json.loads(post_json(http, "/api/v1/requests", youth(postal_code="97600", city="Mamoudzou"), ADMIN).body)
    listed = json.loads(http.get("/api/v1/requests?status=routed", headers=ADMIN).body)
    assert [i["id"] for i in listed["items"]] == [routed["id"]] and listed["next"] is None
    listed = json.loads(http.get("/api/v1/requests?status=needs_triage", headers=ADMIN).body)
    assert [i["id"] for i in listed["items"]] == [triage["id"]]
    by_association = json.loads(http.get("/api/v1/requests?association=first-asso", headers=ADMIN).body)
    assert [i["id"] for i in by_association["items"]] == [routed["id"]]
    one = http.get(f"/api/v1/requests/{routed['reference']}", headers=ADMIN)
    assert one.status_code == 200 and json.loads(one.body)["id"] == routed["id"]
    assert http.get("/api/v1/requests/MNT-ZZZZ-ZZZZ", headers=ADMIN).status_code == 404
    assert http.get("/api/v1/requests?limit=0", headers=ADMIN).status_code == 422


def test_a_list_is_paginated_newest_first(http, clock):
    ids = []
    for _ in range(3):
        ids.append(json.loads(post_json(http, "/api/v1/requests", youth(), ADMIN).body)["id"])
        clock.advance(seconds=1)
    first = json.loads(http.get("/api/v1/requests?limit=2", headers=ADMIN).body)
    assert [i["id"] for i in first["items"]] == ids[::-1][:2] and first["next"]
    rest = json.loads(http.get(f"/api/v1/requests?limit=2&cursor={first['next']}", headers=ADMIN).body)
    assert [i["id"] for i in rest["items"]] == ids[:1]


def test_the_directory_is_replaced_all_or_nothing(http):
    broken = {"associations": DIRECTORY + [{"id": "Not Valid"}]}
    r = http.put(
        "/api/v1/admin/associations",
        body=json.dumps(broken).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    listed = json.loads(http.get("/api/v1/admin/associations", headers=ADMIN).body)["associations"]
    assert sorted(a["id"] for a in listed) == ["first-asso", "second-asso"]
    one = {"associations": [association("only-one")]}
    r = http.put(
        "/api/v1/admin/associations",
        body=json.dumps(one).encode(),
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert r.status_code == 200 and json.loads(r.body) == {"count": 1}


def test_an_unknown_page_is_a_french_404_leading_to_the_forms(http):
    # (Deeper unknown paths need API Gateway's greedy matching, which chalice's test
    # client lacks: tests/e2e/test_pages.py checks them on the served stack.)
    page = http.get("/nulle-part")
    assert page.status_code == 404 and 'lang="fr"' in text(page) and "/demande" in text(page)


# -- the association's answer ---------------------------------------------------------------


def answer_token(wired, association_id="first-asso") -> str:
    mails = [m for m in read_outbox(wired) if m["To"] == f"{association_id}@asso.example.org"]
    assert mails
    return LINK.search(sorted(mails, key=lambda m: m["Date"])[-1].get_body(("plain",)).get_content()).group(1)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_the_link_shows_the_request_without_contact_and_accepts_once(http, wired):
    made = json.loads(post_json(http, "/api/v1/requests", youth(), ADMIN).body)
    token = answer_token(wired)
    page = http.get(f"/reponse/{token}")
    assert page.status_code == 200 and "Accepter" in text(page) and "lea.martin@example.net" not in text(page)
    assert wired.requests.get(made["id"])["status"] == "routed"  # opening changes nothing
    assert post_form(http, f"/reponse/{token}", {"decision": "accept"}).status_code == 403  # no csrf
    accepted = post_form(http, f"/reponse/{token}", {"decision": "accept", "csrf": csrf_of(text(page))})
    assert accepted.status_code == 200 and "lea.martin@example.net" in text(accepted)
    assert wired.requests.get(made["id"])["status"] == "accepted"
    again = post_form(
        http, f"/reponse/{token}", {"decision": "decline", "reason": "complet", "csrf": csrf_of(text(page))}
    )
    assert again.status_code in (200, 409) and wired.requests.get(made["id"])["status"] == "accepted"


def test_a_decline_goes_to_the_next_association(http, wired):
    made = json.loads(post_json(http, "/api/v1/requests", youth(), ADMIN).body)
    token = answer_token(wired)
    page = http.get(f"/reponse/{token}")
    r = post_form(http, f"/reponse/{token}", {"decision": "decline", "reason": "complet", "csrf": csrf_of(text(page))})
    assert r.status_code == 200
    assert wired.requests.get(made["id"])["association"]["id"] == "second-asso"


def test_tampered_and_expired_links(http, wired, settings, clock):
    post_json(http, "/api/v1/requests", youth(), ADMIN)
    token = answer_token(wired)
    tampered = http.get(f"/reponse/{token[:-3]}{'AAA' if not token.endswith('AAA') else 'BBB'}")
    assert tampered.status_code == 400 and "Lien" in text(tampered)
    clock.advance(days=settings.link_max_age_days, seconds=1)
    expired = http.get(f"/reponse/{token}")
    assert expired.status_code == 410 and "expiré" in text(expired)


def test_a_cross_site_answer_is_refused(http, wired):
    made = json.loads(post_json(http, "/api/v1/requests", youth(), ADMIN).body)
    token = answer_token(wired)
    page = http.get(f"/reponse/{token}")
    r = post_form(
        http,
        f"/reponse/{token}",
        {"decision": "accept", "csrf": csrf_of(text(page))},
        {"Origin": "https://evil.example.com"},
    )
    assert r.status_code == 403 and wired.requests.get(made["id"])["status"] == "routed"
