"""Claims of the README and docs/ about behaviour, each shown over HTTP on the served stack: the headers of
the pages people land on, the partner token's exemption from the per-IP limit, the access
log without query strings, load counters kept across a directory replacement, and an
expired answer link answered 410."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.builders import association, youth
from tests.e2e.clients import form_fields, reference_from
from tests.e2e.stack import ADMIN

PARTNER = "https://partenaire.example.org"
PARTNER_TOKEN = "partner-token-e2e"
SECRET_KEY = "e2e-secret"  # the stack's (tests/e2e/stack.py), to mint links of a chosen age


@pytest.fixture(scope="module")
def claims_stack(start):
    return start("claims", RATE_LIMIT="2/600", PARTNER_TOKENS=f"other-token,{PARTNER_TOKEN}", PARTNER_ORIGINS=PARTNER)


def pages_people_land_on(stack):
    made = stack.post_form("/demande", form_fields(), {"Authorization": f"Bearer {ADMIN}"})
    assert made.status == 303
    ref = reference_from(made.headers["location"])
    return [
        "/",
        "/demande",
        "/orienter",
        f"/demande/merci?ref={ref}",
        "/mentions-legales",
        "/donnees-personnelles",
        "/accessibilite",
        "/no-such-page",
        "/reponse/not-a-token",
    ]


def test_every_page_forbids_framing_but_by_partners_caching_and_leaking_its_url(claims_stack):
    for path in pages_people_land_on(claims_stack):
        r = claims_stack.call("GET", path)
        assert r.headers["content-type"].startswith("text/html"), path
        csp = [d.strip() for d in r.headers["content-security-policy"].split(";")]
        assert f"frame-ancestors {PARTNER}" in csp, (path, csp)
        assert "default-src 'none'" in csp and not any("script-src" in d for d in csp), path
        assert r.headers["cache-control"] == "no-store", path
        assert r.headers["referrer-policy"] == "same-origin", path
        assert r.headers["x-content-type-options"] == "nosniff", path


def test_the_api_is_not_cached_either(claims_stack):
    r = claims_stack.admin("GET", "/api/v1/requests?limit=1")
    assert r.status == 200 and r.headers["cache-control"] == "no-store"


def test_a_partner_token_is_not_subject_to_the_per_ip_limit_and_no_other_token_is(claims_stack):
    partner = {"Authorization": f"Bearer {PARTNER_TOKEN}"}
    statuses = [claims_stack.post_json("/api/v1/requests", youth(), partner).status for _ in range(4)]
    assert statuses == [201] * 4
    wrong = {"Authorization": "Bearer not-a-partner"}
    anonymous = [claims_stack.post_json("/api/v1/requests", youth(), wrong).status for _ in range(3)]
    assert anonymous == [201, 201, 429]  # a wrong token counts as anonymous
    assert claims_stack.post_json("/api/v1/requests", youth(), partner).status == 201  # still exempt
    assert claims_stack.post_json("/api/v1/requests", youth(), {"Authorization": f"Bearer {ADMIN}"}).status == 201


def test_the_access_log_keeps_the_path_and_drops_the_query_string(claims_stack):
    marker = "QUERYMARKER7Q4X"
    claims_stack.call("GET", f"/demande/merci?ref=MNT-{marker}")
    claims_stack.admin("GET", f"/api/v1/requests?cursor={marker}")
    time.sleep(0.2)  # the log line is written after the answer
    log = claims_stack.log_path.read_text(errors="replace")
    assert "GET /demande/merci 200" in log  # the line is there...
    assert marker not in log  # ...without what followed the "?"


def test_load_counters_are_kept_when_the_directory_is_replaced(claims_stack):
    admin = {"Authorization": f"Bearer {ADMIN}"}
    directory = [association("full-soon", capacity=1, needs=["orientation"])]
    assert claims_stack.admin("PUT", "/api/v1/admin/associations", {"associations": directory}).status == 200
    first = claims_stack.post_json("/api/v1/requests", youth(need="orientation"), admin).json()
    assert first["association"]["id"] == "full-soon"

    assert claims_stack.admin("PUT", "/api/v1/admin/associations", {"associations": directory}).status == 200
    second = claims_stack.post_json("/api/v1/requests", youth(need="orientation"), admin).json()
    assert second["status"] == "needs_triage" and second["association"] is None
    reason = claims_stack.admin("GET", f"/api/v1/requests/{second['id']}").json()["triage_reason"]
    assert "capacity" in reason


def _links(days_ago: float):
    from chalicelib.adapters.clock import SettableClock
    from chalicelib.adapters.links import SignedLinks
    from chalicelib.config import Settings

    past = datetime.fromtimestamp(time.time() - days_ago * 86400, tz=UTC)
    return SignedLinks(Settings(secret_key=SECRET_KEY), SettableClock(past))


def _token_signed(days_ago: float, request_id: str, association_id: str) -> str:
    from chalicelib.services.ports import Assignment

    return _links(days_ago).answer_token(Assignment(request_id, association_id, 1))


def test_an_answer_link_opens_for_30_days_then_answers_410(claims_stack):
    admin = {"Authorization": f"Bearer {ADMIN}"}
    directory = [association("answers-here", needs=["insertion_pro"])]
    assert claims_stack.admin("PUT", "/api/v1/admin/associations", {"associations": directory}).status == 200
    made = claims_stack.post_json(
        "/api/v1/requests", youth(need="insertion_pro", age=19, situation="recherche_emploi"), admin
    )
    request_id = made.json()["id"]
    assert made.json()["association"]["id"] == "answers-here"

    fresh = claims_stack.call("GET", f"/reponse/{_token_signed(30 - 1 / 24, request_id, 'answers-here')}")
    assert fresh.status == 200 and "Accepter" in fresh.text
    stale = claims_stack.call("GET", f"/reponse/{_token_signed(30 + 1 / 24, request_id, 'answers-here')}")
    assert stale.status == 410 and "expiré" in stale.text
    old = _token_signed(31, request_id, "answers-here")
    posted = claims_stack.post_form(f"/reponse/{old}", {"decision": "accept", "csrf": _links(0).csrf_for(old)})
    assert posted.status == 410
    assert claims_stack.admin("GET", f"/api/v1/requests/{request_id}").json()["status"] == "routed"


# -- README "Decisions where the contract is silent", docs/privacy-and-abuse.md -------------


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=ten", "limit=2.5", "status=lost"])
def test_a_list_with_an_unusable_limit_or_an_unknown_status_is_422(claims_stack, query):
    r = claims_stack.admin("GET", f"/api/v1/requests?{query}")
    assert r.status == 422 and r.json()["errors"], query


def test_list_limits_at_both_ends_are_taken(claims_stack):
    assert claims_stack.admin("GET", "/api/v1/requests?limit=1").status == 200
    assert claims_stack.admin("GET", "/api/v1/requests?limit=200").status == 200


def test_a_cursor_we_did_not_give_names_no_page(claims_stack):
    assert claims_stack.admin("GET", "/api/v1/requests?cursor=not-a-cursor").status == 404


def test_duplicate_ids_in_a_directory_put_are_refused_and_change_nothing(claims_stack):
    before = claims_stack.admin("GET", "/api/v1/admin/associations").json()["associations"]
    twice = [association("twin"), association("twin", name="Other twin")]
    r = claims_stack.admin("PUT", "/api/v1/admin/associations", {"associations": twice})
    assert r.status == 422 and any(e.get("id") == "twin" for e in r.json()["errors"])
    assert claims_stack.admin("GET", "/api/v1/admin/associations").json()["associations"] == before


def test_a_method_no_route_has_gets_405_with_allow(claims_stack):
    r = claims_stack.call("TRACE", "/demande")
    assert r.status == 405 and "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


def test_a_blank_structure_type_on_the_referent_form_is_stored_as_autre(claims_stack):
    from tests.e2e.clients import referent_fields

    r = claims_stack.post_form("/orienter", referent_fields(structure_type=""), {"Authorization": f"Bearer {ADMIN}"})
    assert r.status == 303
    stored = claims_stack.admin("GET", f"/api/v1/requests/{reference_from(r.headers['location'])}").json()
    assert stored["referent"]["structure_type"] == "autre"
