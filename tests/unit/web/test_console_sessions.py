"""Who can keep an operator out of the console, and what ends a session, in process
(chalice's test client and the console's door, in-memory stores, RATE_LIMIT's default):

- a hundred sign-in requests for an operator's address from one IP leave the operator,
  asking from another, their link; over the per-IP limit a French 429 page, the same
  whatever the address;
- signing out, removing an operator from the list and an admin's "Déconnecter toutes
  les sessions" each refuse a copied cookie at its next request;
- the value the sign-in link's page shows, for any text as a link, is no session's
  anti-forgery field."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import urlencode

from tests.builders import ADMIN_EMAIL, FORM, OPERATOR, association, mails_to, title_of
from tests.builders import shown as text

STRANGER_IP = "203.0.113.7"
OPERATOR_IP = "198.51.100.4"
SIGNED_OUT = "mentorat_console=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict"


# The sign-in door's stack, with RATE_LIMIT as shipped: 20 posts an IP in 10 minutes.
DIRECTORY = [association("nord-asso", needs=["scolaire"])]
OPERATORS = f"{OPERATOR},{ADMIN_EMAIL}:admin"


def csrf_of(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text(page)).group(1)


def ask_link(wired, address: str, ip: str):
    """POST /console/connexion from `ip`, through the console's door."""
    from chalicelib.web.console import ConsoleDoor

    door = ConsoleDoor(settings=wired.settings, auth=wired.console_auth)
    request = SimpleNamespace(
        raw_body=urlencode({"email": address}).encode(), headers={}, context={"identity": {"sourceIp": ip}}
    )
    return door.sign_in_post(request)


def sign_in(http, wired, address: str = OPERATOR) -> tuple[dict[str, str], str]:
    """(Cookie header, the console's form field) as a browser gets them: the link asked
    for, read from the outbox, its button pressed."""
    before = set(mails_to(wired, address))
    assert ask_link(wired, address, OPERATOR_IP).status_code == 200
    # The new mail, whatever the outbox's order (mails of one second come in any order).
    (mail,) = set(mails_to(wired, address)) - before
    token = mail.split("/console/lien/")[1].split()[0]
    pressed = http.post(
        f"/console/lien/{token}",
        body=urlencode({"csrf": csrf_of(http.get(f"/console/lien/{token}"))}).encode(),
        headers=FORM,
    )
    assert pressed.status_code == 303
    cookie = {"Cookie": pressed.headers["Set-Cookie"].split(";")[0]}
    return cookie, csrf_of(http.get("/console/demandes", headers=cookie))


def opens_the_console(http, cookie) -> bool:
    r = http.get("/console/demandes", headers=cookie)
    if r.status_code == 303:
        assert r.headers["Location"] == "/console/connexion"
        return False
    assert r.status_code == 200
    return True


# -- nobody can use up an operator's links -------------------------------------------------


def test_a_hundred_requests_from_one_ip_leave_the_operator_their_link_from_another(http, wired, settings):
    answers = [ask_link(wired, OPERATOR, STRANGER_IP) for _ in range(100)]
    assert [r.status_code for r in answers] == [200] * settings.rate_limit_count + [429] * (
        100 - settings.rate_limit_count
    )
    unknown = ask_link(wired, "inconnu@example.net", OPERATOR_IP)
    assert {text(r) for r in answers[: settings.rate_limit_count]} == {text(unknown)}, "the page never tells"
    before = mails_to(wired, OPERATOR)
    cookie, _ = sign_in(http, wired)  # the operator, from their own connection
    assert opens_the_console(http, cookie)
    assert len(mails_to(wired, OPERATOR)) == len(before) + 1


def test_over_the_per_ip_limit_a_french_429_page_the_same_for_any_address(wired, settings):
    for i in range(settings.rate_limit_count):
        assert ask_link(wired, f"inconnu{i}@example.net", STRANGER_IP).status_code == 200
    operator, unknown = ask_link(wired, OPERATOR, STRANGER_IP), ask_link(wired, "inconnu@example.net", STRANGER_IP)
    assert operator.status_code == unknown.status_code == 429
    assert text(operator) == text(unknown)
    assert title_of(operator) == "Erreur : Trop de demandes – Réseau Mentorat"
    assert "Trop de demandes ont été envoyées depuis cette connexion. Réessayez dans quelques minutes." in text(
        operator
    )
    assert operator.headers["Retry-After"] == str(settings.rate_limit_seconds)
    assert mails_to(wired, OPERATOR) == []


# -- what ends a session -----------------------------------------------------------------------


def test_signing_out_refuses_a_copy_of_the_cookie_at_once(http, wired):
    cookie, csrf = sign_in(http, wired)
    copy = dict(cookie)
    out = http.post("/console/deconnexion", body=urlencode({"csrf": csrf}).encode(), headers={**cookie, **FORM})
    assert out.status_code == 303 and out.headers["Set-Cookie"] == SIGNED_OUT
    assert not opens_the_console(http, copy)
    again = http.post("/console/deconnexion", body=urlencode({"csrf": csrf}).encode(), headers={**copy, **FORM})
    assert again.status_code == 303 and again.headers["Location"] == "/console/connexion"


def test_removing_an_operator_ends_their_sessions_and_only_theirs(http, wired):
    from chalicelib.domain.operators import parse_operators

    theirs, admin = sign_in(http, wired)[0], sign_in(http, wired, ADMIN_EMAIL)[0]
    wired.stores.console.replace_operators(parse_operators(f"{ADMIN_EMAIL}:admin"))
    assert not opens_the_console(http, theirs)
    assert opens_the_console(http, admin)
    wired.stores.console.replace_operators(parse_operators(f"{OPERATOR},{ADMIN_EMAIL}:admin"))
    assert not opens_the_console(http, theirs), "put back on the list, they sign in again"


def test_without_a_session_the_sessions_page_and_its_button_lead_to_sign_in(http, wired):
    for r in (http.get("/console/sessions"), http.post("/console/sessions/fermer", body=b"csrf=x", headers=FORM)):
        assert r.status_code == 303 and r.headers["Location"] == "/console/connexion"
        assert "Set-Cookie" not in r.headers


def test_an_operator_sees_no_sessions_page_and_cannot_end_them(http, wired):
    cookie, csrf = sign_in(http, wired)
    assert '<a href="/console/sessions"' not in text(http.get("/console/demandes", headers=cookie))
    page = http.get("/console/sessions", headers=cookie)
    assert page.status_code == 403 and title_of(page) == "Erreur : Action réservée – Réseau Mentorat"
    admin = sign_in(http, wired, ADMIN_EMAIL)[0]
    refused = http.post("/console/sessions/fermer", body=urlencode({"csrf": csrf}).encode(), headers={**cookie, **FORM})
    assert refused.status_code == 403
    assert opens_the_console(http, cookie) and opens_the_console(http, admin)


def test_an_admin_ends_every_session_their_own_included(http, wired):
    operator = sign_in(http, wired)[0]
    admin, _ = sign_in(http, wired, ADMIN_EMAIL)
    home = text(http.get("/console/demandes", headers=admin))
    assert '<a href="/console/sessions">Sessions</a>' in home
    page = http.get("/console/sessions", headers=admin)
    assert page.status_code == 200 and title_of(page) == "Sessions de la console – Réseau Mentorat"
    assert '<a href="/console/sessions" aria-current="page">Sessions</a>' in text(page)
    assert '<form method="post" action="/console/sessions/fermer">' in text(page)
    assert "Déconnecter toutes les sessions</button>" in text(page)
    forged = http.post("/console/sessions/fermer", body=b"csrf=forged", headers={**admin, **FORM})
    assert forged.status_code == 403 and opens_the_console(http, operator)

    done = http.post(
        "/console/sessions/fermer", body=urlencode({"csrf": csrf_of(page)}).encode(), headers={**admin, **FORM}
    )
    assert done.status_code == 303
    assert done.headers["Location"] == "/console/connexion?sessions=fermees"
    assert done.headers["Set-Cookie"] == SIGNED_OUT
    assert not opens_the_console(http, operator) and not opens_the_console(http, admin)
    told = text(http.get(done.headers["Location"]))
    assert "Toutes les sessions de la console sont fermées, la vôtre aussi." in told
    assert "Toutes les sessions" not in text(http.get("/console/connexion"))
    assert opens_the_console(http, sign_in(http, wired, ADMIN_EMAIL)[0]), "a new sign-in opens a new session"


# -- what the sign-in link's page shows opens nothing ------------------------------------


def test_the_value_shown_on_a_link_page_is_no_session_s_form_field(http, wired):
    cookie, csrf = sign_in(http, wired)
    value = cookie["Cookie"].split("=", 1)[1]
    session_id = wired.links.read_session_cookie(value)
    for shown_for in (session_id, value):
        page = http.get(f"/console/lien/{shown_for}")  # anyone may open it, signed in or not
        assert page.status_code == 200
        assert csrf_of(page) != csrf
        r = http.post(
            "/console/deconnexion", body=urlencode({"csrf": csrf_of(page)}).encode(), headers={**cookie, **FORM}
        )
        assert r.status_code == 403 and "Set-Cookie" not in r.headers
    assert opens_the_console(http, cookie), "the refused posts ended nothing"
