"""The JSON API as a client reads it (docs/contract.md §4): each status with its exact error
body and headers, the health check, the admin reads' refusals and bounds, the outbox list,
the directory's refusals; and the headers of pages and static files."""

from __future__ import annotations

import json
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from tests.builders import association, in_process_settings, make_memory_services, served, youth
from tests.unicode_inputs import CRAFTED_CURSORS

OURS = "http://127.0.0.1:8000"
ADMIN = {"Authorization": "Bearer test-admin-token"}
JSON = {"Content-Type": "application/json"}
API_HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
DIRECTORY = [association("first-asso"), association("lille-mentors", recruits_mentors=True)]
SETTINGS = dict(public_base_url=OURS)


def body(r):
    return json.loads(r.body)


def errors(field: str, message: str) -> dict:
    return {"errors": [{"field": field, "message": message}]}


def assert_api(r, status: int, expected: dict):
    assert r.status_code == status
    assert body(r) == expected
    for name, value in API_HEADERS.items():
        assert r.headers[name] == value


def post_json(http, path, data, headers=None):
    return http.post(path, body=json.dumps(data).encode(), headers={**JSON, **(headers or {})})


# -- health ------------------------------------------------------------------------------


def test_health_says_ok_when_storage_answers(http, wired):
    assert_api(http.get("/health"), 200, {"status": "ok"})


def test_health_says_unavailable_503_when_storage_does_not(http, wired, monkeypatch):
    monkeypatch.setattr(wired, "healthy", lambda: False)
    assert_api(http.get("/health"), 503, {"status": "unavailable"})


# -- submissions -------------------------------------------------------------------------


def test_a_cross_site_submission_is_refused_403(http, wired):
    r = post_json(http, "/api/v1/requests", youth(), {"Origin": "https://evil.example.com"})
    assert_api(r, 403, errors("Origin", "cross-site submissions only from partner origins"))
    r = post_json(http, "/api/v1/mentors", {}, {"Origin": "https://evil.example.com"})
    assert_api(r, 403, errors("Origin", "cross-site submissions only from partner origins"))


def test_a_body_that_is_not_an_object_or_too_long_is_refused(http, wired):
    assert_api(post_json(http, "/api/v1/requests", [youth()]), 400, errors("body", "a JSON object is expected"))
    assert_api(
        post_json(http, "/api/v1/requests", youth(message="x" * (65 * 1024))),
        413,
        errors("body", "body larger than 64 KiB"),
    )
    r = http.post("/api/v1/requests", body=b"{not json", headers=JSON)
    assert_api(r, 400, errors("body", "body is not JSON"))


def test_the_api_takes_numbers_as_numbers_where_the_form_takes_text(http, wired):
    r = post_json(http, "/api/v1/requests", youth(age="15"))
    assert_api(r, 422, errors("age", "Indiquez un nombre entier."))


def test_a_key_reused_with_another_body_is_a_409(http, wired):
    assert post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": "k"}).status_code == 201
    r = post_json(http, "/api/v1/requests", youth(age=16), {"Idempotency-Key": "k"})
    assert_api(r, 409, errors("Idempotency-Key", "key already used with another body"))


# -- the admin token -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/requests",
        "/api/v1/requests/MNT-2222-2222",
        "/api/v1/admin/associations",
        "/api/v1/admin/quarantine",
        "/api/v1/admin/outbox",
        "/api/v1/mentors/BEN-2222-2222",
    ],
)
def test_every_admin_read_without_the_token_is_a_401_asking_for_a_bearer(http, wired, path):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic test-admin-token"}):
        r = http.get(path, headers=headers)
        assert_api(r, 401, errors("Authorization", "admin token required"))
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_request_or_sign_up_is_a_404_naming_the_id(http, wired):
    assert_api(http.get("/api/v1/requests/MNT-2222-2222", headers=ADMIN), 404, errors("id", "no such request"))
    assert_api(http.get("/api/v1/mentors/BEN-2222-2222", headers=ADMIN), 404, errors("id", "no such sign-up"))


def test_an_unknown_status_is_refused_with_the_known_ones(http, wired):
    r = http.get("/api/v1/requests?status=lost", headers=ADMIN)
    assert_api(r, 422, errors("status", "one of ['needs_triage', 'routed', 'accepted', 'closed']"))


@pytest.mark.parametrize(
    "limit, ok",
    [
        ("1", True),
        ("200", True),
        ("50", True),
        ("0", False),
        ("201", False),
        ("abc", False),
        ("-1", False),
        ("1000000", False),
        ("²", False),
        ("١٥", False),
        ("１５", False),
        ("1" * 5000, False),
    ],
)
def test_a_page_holds_1_to_200_items(http, wired, limit, ok):
    r = http.get("/api/v1/requests?" + urlencode({"limit": limit}), headers=ADMIN)
    if ok:
        assert_api(r, 200, {"items": [], "next": None})
    else:
        assert_api(r, 422, errors("limit", "a whole number from 1 to 200"))


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_a_cursor_we_did_not_give_names_no_page(http, wired, cursor):
    r = http.get("/api/v1/requests?" + urlencode({"cursor": cursor}), headers=ADMIN)
    assert_api(r, 404, errors("cursor", "no such page: use the `next` value of a page"))


@pytest.mark.parametrize("association", ["²", "Nord Asso", "x" * 3000, "a\r\nb", "-a"])
def test_the_association_filter_takes_an_association_id(http, wired, association):
    r = http.get("/api/v1/requests?" + urlencode({"association": association}), headers=ADMIN)
    assert_api(r, 422, errors("association", "an association id (lower case letters, digits and hyphens)"))


def test_the_outbox_lists_only_failed_mails(http, wired):
    assert_api(http.get("/api/v1/admin/outbox", headers=ADMIN), 200, {"items": []})
    assert_api(http.get("/api/v1/admin/outbox?state=failed", headers=ADMIN), 200, {"items": []})
    for state in ("FAILED", "pending", ""):
        r = http.get(f"/api/v1/admin/outbox?state={state}", headers=ADMIN)
        assert_api(r, 422, errors("state", "only 'failed' is listed"))


@pytest.mark.parametrize("payload", [{}, {"association": []}, [], ["associations"], "associations"])
def test_a_directory_without_its_list_is_refused_and_nothing_changes(http, wired, payload):
    r = http.put("/api/v1/admin/associations", body=json.dumps(payload).encode(), headers={**ADMIN, **JSON})
    assert_api(r, 422, errors("associations", "missing"))
    listed = body(http.get("/api/v1/admin/associations", headers=ADMIN))["associations"]
    assert sorted(a["id"] for a in listed) == ["first-asso", "lille-mentors"]


# -- pages' and static files' headers --------------------------------------------------------------


def page_headers(partners: str, frame: str) -> dict[str, str]:
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'self'; img-src 'self'; "
            f"form-action 'self'{partners}; frame-ancestors {frame}; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def headers_of(r) -> dict[str, str]:
    return {k: v for k, v in r.headers.items() if k.lower() not in {"content-length"}}


def test_a_page_without_partners_may_be_framed_by_nobody(http, wired):
    r = http.get("/demande")
    assert r.status_code == 200
    assert headers_of(r) == page_headers("", "'none'") | {"X-Frame-Options": "DENY"}


def test_a_page_with_partners_names_them_and_https_adds_hsts(tmp_path, clock):
    from chalice.test import Client

    from app import app

    settings = in_process_settings(
        tmp_path,
        public_base_url="https://mentorat.example.fr",
        partner_origins=("https://a.example.org", "https://b.example.org"),
    )
    with served(make_memory_services(settings, clock, directory=DIRECTORY)), Client(app) as client:
        r = client.http.get("/demande")
        console = client.http.get("/console/connexion")
    partners = " https://a.example.org https://b.example.org"
    hsts = {"Strict-Transport-Security": "max-age=31536000"}
    assert headers_of(r) == page_headers(partners, partners.strip()) | hsts
    # The console is framed by nobody, partners or not.
    assert console.status_code == 200
    assert headers_of(console) == page_headers(partners, "'none'") | hsts | {"X-Frame-Options": "DENY"}


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/static/site.css", "text/css; charset=utf-8"),
        ("/static/favicon.svg", "image/svg+xml"),
        ("/favicon.ico", "image/svg+xml"),
    ],
)
def test_static_files_are_cached_an_hour_and_run_nothing(http, wired, path, kind):
    r = http.get(path)
    assert r.status_code == 200 and len(r.body) > 0
    assert headers_of(r) == {
        "Content-Type": kind,
        "Cache-Control": "public, max-age=3600",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; style-src 'self'",
    }


@pytest.mark.parametrize(
    "path, title",
    [
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
        ("/accessibilite", "Accessibilité"),
    ],
)
def test_the_legal_pages_are_served_with_their_titles(http, wired, settings, path, title):
    r = http.get(path)
    assert r.status_code == 200
    assert f"<title>{title} – {settings.network_name}</title>" in r.body.decode()
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'self'; img-src 'self'")


# -- the per-IP key -------------------------------------------------------------------------


def request_from(ip=None, headers=None):
    context = {"identity": {"sourceIp": ip}} if ip else {}
    return SimpleNamespace(headers=headers or {}, context=context)


def test_each_address_counts_on_its_own_keyed_counter(settings):
    from chalicelib.web.security import client_key, rate_key

    one, other = rate_key(request_from("203.0.113.1"), settings), rate_key(request_from("203.0.113.2"), settings)
    assert one != other
    assert one == client_key("203.0.113.1", settings)
    assert rate_key(request_from(None), settings) == client_key("unknown", settings)
    assert rate_key(request_from("203.0.113.1", {"authorization": "Bearer test-admin-token"}), settings) is None


def test_the_counter_key_is_32_hex_characters_that_do_not_hold_the_address(settings):
    from chalicelib.web.security import client_key

    key = client_key("203.0.113.1", settings)
    assert len(key) == 32 and int(key, 16) >= 0 and "203" not in key


# -- the Idempotency-Key and the JSON text ---------------------------------------------------


def test_the_idempotency_key_is_read_trimmed_and_up_to_200_characters(http, wired):
    first = post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": "k-1"})
    again = post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": "  k-1 "})
    assert first.status_code == again.status_code == 201 and body(first) == body(again)
    long_key = "a" * 200
    one = post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": long_key + "x"})
    two = post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": long_key + "y"})
    assert body(one) == body(two)
    other = post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": "a" * 199})
    assert body(other)["id"] != body(one)["id"]
    blank = [post_json(http, "/api/v1/requests", youth(), {"Idempotency-Key": "   "}) for _ in range(2)]
    assert body(blank[0])["id"] != body(blank[1])["id"]


def test_french_messages_are_sent_as_text_not_escapes(http, wired):
    r = post_json(http, "/api/v1/requests", youth(age=40))
    assert r.status_code == 422
    raw = r.body.decode("utf-8")
    assert "L'âge doit être compris entre 13 et 30 ans." in raw and "\\u00e2" not in raw


def test_the_directory_read_names_its_entries_and_flags_and_the_quarantine_its_items(http, wired):
    r = http.get("/api/v1/admin/associations", headers=ADMIN)
    assert r.status_code == 200 and set(body(r)) == {"associations", "flags"}
    assert [a["id"] for a in body(r)["associations"]] == ["first-asso", "lille-mentors"]
    assert not body(r)["flags"]
    assert_api(http.get("/api/v1/admin/quarantine", headers=ADMIN), 200, {"items": []})


def test_a_directory_replaced_answers_its_count(http, wired):
    payload = {"associations": [association("only-one"), association("and-two")]}
    r = http.put("/api/v1/admin/associations", body=json.dumps(payload).encode(), headers={**ADMIN, **JSON})
    assert_api(r, 200, {"count": 2})
    broken = {"associations": [{"id": "Not Valid"}]}
    r = http.put("/api/v1/admin/associations", body=json.dumps(broken).encode(), headers={**ADMIN, **JSON})
    assert r.status_code == 422 and body(r)["errors"][0]["field"] == "associations[0].id"
    r = http.put("/api/v1/admin/associations", body=b"{not json", headers={**ADMIN, **JSON})
    assert_api(r, 400, errors("body", "body is not JSON"))
