"""The console's locks over real HTTP, on the stack `make run` serves (docs/contract.md §10):
no page or action without a session, sign-in links that serve once and for 15 minutes,
no POST without the session's form field, admin-only erasure, and a sign-in page that
answers the same for any address."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import youth
from tests.e2e.clients import ADMIN_EMAIL, OPERATOR, ask_link, csrf_of, sign_in_mails, state
from tests.e2e.clients import SIGN_IN_LINK as LINK
from tests.e2e.stack import Stack

ACTIONS = ["attribuer", "router", "clore", "renvoyer", "effacer"]


def new_link(stack: Stack, address: str) -> str:
    """The path of the link mailed by this very ask (not an older one of the same second)."""
    before = {m["Message-ID"] for m in sign_in_mails(stack, address)}
    assert ask_link(stack, address).status == 200
    (mail,) = [m for m in sign_in_mails(stack, address) if m["Message-ID"] not in before]
    return LINK.search(mail.get_body(("plain",)).get_content()).group(1)


def sign_in(stack: Stack, address: str = OPERATOR) -> str:
    """The session cookie, as a browser would keep it."""
    path = new_link(stack, address)
    done = stack.post_form(path, {"csrf": csrf_of(stack.call("GET", path).text)})
    assert done.status == 303 and done.headers["location"] == "/console"
    return done.headers["set-cookie"].split(";")[0]


def submit(stack: Stack, **overrides) -> str:
    r = stack.post_json("/api/v1/requests", youth(**overrides), {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status == 201, r.text
    return r.json()["reference"]


def leads_to_sign_in(r) -> bool:
    return r.status in (303, 401, 403) and "/console/connexion" in (r.headers.get("location", "") + r.text)


@pytest.fixture(scope="module")
def reference(stack):
    return submit(stack)


def test_no_console_page_without_a_session(stack, reference):
    pages = [
        "/console",
        "/console/demandes",
        "/console/demandes?onglet=toutes",
        "/console/demandes?onglet=closes&besoin=scolaire",
        f"/console/demandes/{reference}",
        "/console/demandes/MNT-AAAA-AAAA",
        "/console/annuaire",
        "/console/statistiques",
        "/console/quarantaine",
        "/console/export/demandes",
        "/console/sessions",
    ]
    for path in pages:
        for cookie in ({}, {"Cookie": "mentorat_console=eyJlIjoiYSJ9.forged"}):
            r = stack.call("GET", path, headers=cookie)
            assert leads_to_sign_in(r), (path, r.status)
            assert "lea.martin@example.net" not in r.text


def test_no_console_action_without_a_session(stack, reference):
    for action in ACTIONS:
        r = stack.post_form(
            f"/console/demandes/{reference}/{action}", {"motif": "duplicate", "association": "x", "csrf": "x"}
        )
        assert leads_to_sign_in(r), (action, r.status)
    after = state(stack, reference)
    assert after["status"] == "routed" and after["email"] == "lea.martin@example.net"
    assert not [e for e in after["events"] if e["type"] in {"assigned", "closed", "rerouted", "mail_resent", "erased"}]


def test_a_post_without_the_session_form_field_is_refused_and_changes_nothing(stack, reference):
    cookie = sign_in(stack)
    for action in ACTIONS:
        for csrf in (None, "forged"):
            fields = {"motif": "duplicate"} if csrf is None else {"motif": "duplicate", "csrf": csrf}
            r = stack.post_form(f"/console/demandes/{reference}/{action}", fields, {"Cookie": cookie})
            assert r.status == 403, (action, csrf, r.status)
    assert state(stack, reference)["status"] == "routed"


def test_a_form_field_of_another_session_is_refused(stack, reference):
    mine, theirs = sign_in(stack), sign_in(stack, ADMIN_EMAIL)
    their_field = csrf_of(stack.call("GET", "/console/demandes", headers={"Cookie": theirs}).text)
    r = stack.post_form(
        f"/console/demandes/{reference}/clore", {"motif": "duplicate", "csrf": their_field}, {"Cookie": mine}
    )
    assert r.status == 403 and state(stack, reference)["status"] == "routed"


def test_an_operator_cannot_erase_and_an_admin_can(stack):
    ref = submit(stack)
    cookie = sign_in(stack)
    page = stack.call("GET", f"/console/demandes/{ref}", headers={"Cookie": cookie})
    assert page.status == 200 and "Effacer les données personnelles" not in page.text
    refused = stack.post_form(f"/console/demandes/{ref}/effacer", {"csrf": csrf_of(page.text)}, {"Cookie": cookie})
    assert refused.status == 403 and "réservée aux administrateurs" in refused.text
    assert state(stack, ref)["email"] == "lea.martin@example.net"
    admin = sign_in(stack, ADMIN_EMAIL)
    admin_page = stack.call("GET", f"/console/demandes/{ref}", headers={"Cookie": admin})
    assert "Effacer les données personnelles" in admin_page.text
    done = stack.post_form(f"/console/demandes/{ref}/effacer", {"csrf": csrf_of(admin_page.text)}, {"Cookie": admin})
    assert done.status == 303
    erased = state(stack, ref)
    assert "email" not in erased and "lea.martin" not in str(erased)
    assert [e["actor"] for e in erased["events"] if e["type"] == "erased"] == [ADMIN_EMAIL]


def test_an_operator_action_names_the_operator_in_the_api_events(stack):
    ref = submit(stack)
    cookie = sign_in(stack)
    page = stack.call("GET", f"/console/demandes/{ref}", headers={"Cookie": cookie})
    r = stack.post_form(
        f"/console/demandes/{ref}/clore", {"csrf": csrf_of(page.text), "motif": "unreachable"}, {"Cookie": cookie}
    )
    assert r.status == 303 and r.headers["location"] == f"/console/demandes/{ref}?fait=close"
    after = state(stack, ref)
    assert after["status"] == "closed"
    closed = [e for e in after["events"] if e["type"] == "closed"]
    assert closed[0]["actor"] == OPERATOR and closed[0]["detail"]["reason"] == "unreachable"
    assert [e["actor"] for e in after["events"] if e["type"] == "viewed"] == [OPERATOR]


def test_a_used_sign_in_link_is_refused(stack):
    path = new_link(stack, OPERATOR)
    form = {"csrf": csrf_of(stack.call("GET", path).text)}
    assert stack.post_form(path, form).status == 303
    again = stack.post_form(path, form)
    assert again.status == 410 and "déjà servi" in again.text and "set-cookie" not in again.headers


def test_an_expired_sign_in_link_is_refused(stack):
    from chalicelib.adapters.clock import SettableClock
    from chalicelib.adapters.links import SignedLinks
    from chalicelib.config import Settings

    settings = Settings(stage="local", secret_key="e2e-secret", public_base_url=f"http://127.0.0.1:{stack.port}")
    sixteen_minutes_ago = SettableClock(datetime.now(UTC) - timedelta(minutes=16))
    url = SignedLinks(settings, sixteen_minutes_ago).sign_in_url(OPERATOR, "some-nonce")
    path = url.split(f":{stack.port}", 1)[1]
    opened = stack.call("GET", path)
    r = stack.post_form(path, {"csrf": csrf_of(opened.text)})
    assert r.status == 410 and "expiré" in r.text and "set-cookie" not in r.headers
    # Control: the same forgery signed now is genuine (the nonce, never issued, is refused
    # as used): what refused the first one is its age.
    fresh = SignedLinks(settings, SettableClock(datetime.now(UTC))).sign_in_url(OPERATOR, "some-nonce")
    fresh_path = fresh.split(f":{stack.port}", 1)[1]
    refused = stack.post_form(fresh_path, {"csrf": csrf_of(stack.call("GET", fresh_path).text)})
    assert refused.status == 410 and "déjà servi" in refused.text


def test_the_sign_in_page_answers_the_same_for_any_address(stack):
    answers = [
        ask_link(stack, address)
        for address in (OPERATOR, "personne@example.org", ADMIN_EMAIL.upper(), "pas-une-adresse")
    ]
    assert {a.status for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert not sign_in_mails(stack, "personne@example.org")
