"""The console's door in process (chalice's test client, in-memory stores): the sign-in
page, the link asked by mail, the link's button, the session cookie it sets, signing out,
and the guard's refusals (no session, forged form, operator on an admin action, bodies
too long or malformed), each with its status, headers and French words."""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from tests.builders import (
    ADMIN_EMAIL,
    DESK,
    FORM,
    OPERATOR,
    association,
    in_process_settings,
    mails_to,
    make_memory_services,
    signed_in,
    title_of,
    youth,
)
from tests.builders import shown as text

CROSS_SITE = {"Sec-Fetch-Site": "cross-site", "Origin": "https://ailleurs.example.com"}
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}
SESSION_COOKIE_ATTRIBUTES = "Path=/console; Max-Age=43200; HttpOnly; SameSite=Strict"
SETTINGS = dict(rate_limit_count=1000)
DIRECTORY = [association("nord-asso", needs=["scolaire"])]
OPERATORS = f"{OPERATOR},{ADMIN_EMAIL}:admin"


def link_token(services, address: str = OPERATOR) -> str:
    services.console_auth.request_link(address, client=DESK)
    return mails_to(services, address)[-1].split("/console/lien/")[1].split()[0]


def press_link(http, services, token: str, csrf=None, headers=None):
    csrf = services.links.sign_in_csrf(token) if csrf is None else csrf
    return http.post(
        f"/console/lien/{token}", body=urlencode({"csrf": csrf}).encode(), headers={**FORM, **(headers or {})}
    )


# -- the sign-in page -------------------------------------------------------------------


def test_the_sign_in_page_asks_for_an_address(http, wired):
    r = http.get("/console/connexion")
    assert r.status_code == 200
    assert title_of(r) == "Connexion à la console – Réseau Mentorat"
    page = text(r)
    assert "<h1>Console du réseau : connexion</h1>" in page
    assert 'action="/console/connexion"' in page and 'name="email"' in page
    assert "un lien de connexion vient de lui être envoyé" not in page
    assert "Se déconnecter" not in page, "no session, no navigation"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_the_sign_in_page_sends_a_signed_in_operator_to_the_console(http, wired):
    cookie, _ = signed_in(wired, OPERATOR)
    r = http.get("/console/connexion", headers=cookie)
    assert r.status_code == 303
    assert r.headers["Location"] == "/console"
    assert r.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in r.headers
    assert r.body in (b"", "")


def test_asking_a_link_mails_it_to_an_operator_and_answers_the_same_to_anyone(http, wired):
    asked = http.post(
        "/console/connexion", body=urlencode({"email": OPERATOR}).encode(), headers={**FORM, **SAME_ORIGIN}
    )
    assert asked.status_code == 200
    assert title_of(asked) == "Connexion à la console – Réseau Mentorat"
    assert (
        "Si cette adresse est celle d'un membre de l'équipe du réseau, un lien de connexion vient de lui être envoyé."
        in text(asked)
    )
    [mail] = mails_to(wired, OPERATOR)
    assert "/console/lien/" in mail

    stranger = http.post("/console/connexion", body=urlencode({"email": "inconnu@example.net"}).encode(), headers=FORM)
    assert stranger.status_code == 200
    assert text(stranger) == text(asked), "the page tells nobody who the operators are"
    assert mails_to(wired, "inconnu@example.net") == []


def test_a_sign_in_post_without_an_address_mails_nothing(http, wired):
    r = http.post("/console/connexion", body=urlencode({"courriel": OPERATOR}).encode(), headers=FORM)
    assert r.status_code == 200
    assert mails_to(wired, OPERATOR) == []


def test_a_sign_in_post_from_another_site_is_refused(http, wired):
    r = http.post("/console/connexion", body=urlencode({"email": OPERATOR}).encode(), headers={**FORM, **CROSS_SITE})
    assert r.status_code == 403
    page = text(r)
    assert title_of(r) == "Erreur : Envoi refusé – Réseau Mentorat"
    assert "<h1>Envoi refusé</h1>" in page
    assert '<p class="lead">Ouvrez la page de connexion sur notre site.</p>' in page
    assert '<a href="/console/connexion">Revenir à la page précédente</a>' in page
    assert mails_to(wired, OPERATOR) == []


# -- the link's page and its button ------------------------------------------------------


def test_the_link_page_shows_a_button_and_changes_nothing(http, wired):
    token = link_token(wired)
    r = http.get(f"/console/lien/{token}")
    assert r.status_code == 200
    assert title_of(r) == "Connexion à la console – Réseau Mentorat"
    page = text(r)
    assert f'<form method="post" action="/console/lien/{token}">' in page
    assert f'<input type="hidden" name="csrf" value="{wired.links.sign_in_csrf(token)}">' in page
    assert "Se connecter" in page and "Se déconnecter" not in page
    assert r.headers["X-Frame-Options"] == "DENY"
    assert press_link(http, wired, token).status_code == 303, "opening the page did not use the link"


def test_the_link_button_opens_a_session_cookie_for_the_console(http, wired):
    token = link_token(wired)
    r = press_link(http, wired, token, headers=SAME_ORIGIN)
    assert r.status_code == 303
    assert r.headers["Location"] == "/console"
    assert r.headers["Cache-Control"] == "no-store"
    cookie = r.headers["Set-Cookie"]
    value = re.fullmatch(r"mentorat_console=([^;]+); " + re.escape(SESSION_COOKIE_ATTRIBUTES), cookie).group(1)
    session = wired.console_auth.session(value)
    assert session is not None and session.operator.email == OPERATOR
    # The cookie opens the console.
    home = http.get("/console/demandes", headers={"Cookie": f"mentorat_console={value}"})
    assert home.status_code == 200 and OPERATOR in text(home)


def test_the_session_cookie_is_secure_outside_the_local_stack(tmp_path, clock):
    from chalicelib.web.console import ConsoleDoor

    settings = in_process_settings(tmp_path, stage="prod", public_base_url="https://mentorat.example.org")
    s = make_memory_services(settings, clock, directory=[association("nord-asso", needs=["scolaire"])])
    from chalicelib.domain.operators import parse_operators

    s.stores.console.replace_operators(parse_operators(OPERATOR))
    token = link_token(s)
    door = ConsoleDoor(settings=settings, auth=s.console_auth)
    request = SimpleNamespace(raw_body=urlencode({"csrf": s.links.sign_in_csrf(token)}).encode(), headers={})
    r = door.link_post(token, request)
    assert r.status_code == 303
    assert r.headers["Set-Cookie"].endswith(f"; {SESSION_COOKIE_ATTRIBUTES}; Secure")


def test_a_used_link_is_gone_with_its_reason(http, wired):
    token = link_token(wired)
    assert press_link(http, wired, token).status_code == 303
    again = press_link(http, wired, token)
    assert again.status_code == 410
    assert title_of(again) == "Connexion à la console – Réseau Mentorat"
    page = text(again)
    assert "<h2>Ce lien de connexion a déjà servi.</h2>" in page
    assert "Set-Cookie" not in again.headers


def test_an_expired_link_is_gone_with_its_reason(http, wired):
    token = link_token(wired)
    wired.clock.advance(minutes=15, seconds=2)
    r = press_link(http, wired, token)
    assert r.status_code == 410
    assert "<h2>Ce lien de connexion a expiré (il vaut 15 minutes).</h2>" in text(r)
    assert title_of(r) == "Connexion à la console – Réseau Mentorat"


def test_a_tampered_link_is_refused_as_invalid(http, wired):
    token = link_token(wired)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    r = press_link(http, wired, forged)
    assert r.status_code == 400
    assert "<h2>Ce lien de connexion n'est pas valide.</h2>" in text(r)
    assert "Set-Cookie" not in r.headers


def test_a_link_whose_operator_left_the_list_is_invalid(http, wired):
    from chalicelib.domain.operators import parse_operators

    token = link_token(wired)
    wired.stores.console.replace_operators(parse_operators(ADMIN_EMAIL + ":admin"))
    r = press_link(http, wired, token)
    assert r.status_code == 400
    assert "<h2>Ce lien de connexion n'est pas valide.</h2>" in text(r)


@pytest.mark.parametrize("why", ["wrong field", "other site"])
def test_the_link_button_needs_its_field_and_our_site(http, wired, why):
    token = link_token(wired)
    if why == "wrong field":
        r = press_link(http, wired, token, csrf="forged", headers=SAME_ORIGIN)
    else:
        r = press_link(http, wired, token, headers=CROSS_SITE)
    assert r.status_code == 403
    assert title_of(r) == "Erreur : Envoi refusé – Réseau Mentorat"
    page = text(r)
    assert '<p class="lead">Rouvrez le lien reçu par e-mail.</p>' in page
    assert '<a href="/console/connexion">Revenir à la page précédente</a>' in page
    assert "Set-Cookie" not in r.headers
    assert press_link(http, wired, token).status_code == 303, "the refused press did not use the link"


def test_the_link_button_without_a_field_is_refused(http, wired):
    token = link_token(wired)
    r = http.post(f"/console/lien/{token}", body=b"", headers=FORM)
    assert r.status_code == 403


# -- signing out ---------------------------------------------------------------------------


def test_signing_out_clears_the_cookie(http, wired):
    cookie, csrf = signed_in(wired, OPERATOR)
    r = http.post("/console/deconnexion", body=urlencode({"csrf": csrf}).encode(), headers={**cookie, **FORM})
    assert r.status_code == 303
    assert r.headers["Location"] == "/console/connexion"
    assert r.headers["Set-Cookie"] == "mentorat_console=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict"


def test_signing_out_needs_the_session_and_its_field(http, wired):
    cookie, _ = signed_in(wired, OPERATOR)
    forged = http.post("/console/deconnexion", body=urlencode({"csrf": "forged"}).encode(), headers={**cookie, **FORM})
    assert forged.status_code == 403 and "Set-Cookie" not in forged.headers
    anonymous = http.post("/console/deconnexion", body=b"csrf=x", headers=FORM)
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/console/connexion"
    assert "Set-Cookie" not in anonymous.headers


# -- the guard -------------------------------------------------------------------------------


def submit_request(http) -> str:
    r = http.post(
        "/api/v1/requests",
        body=json.dumps(youth()).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201
    return json.loads(r.body)["reference"]


def test_a_forged_console_form_is_refused_with_a_way_back(http, wired):
    ref = submit_request(http)
    cookie, _ = signed_in(wired, OPERATOR)
    r = http.post(
        f"/console/demandes/{ref}/clore",
        body=urlencode({"csrf": "forged", "motif": "doublon"}).encode(),
        headers={**cookie, **FORM},
    )
    assert r.status_code == 403
    assert title_of(r) == "Erreur : Action refusée – Réseau Mentorat"
    page = text(r)
    assert (
        '<p class="lead">Cette action doit être envoyée depuis une page de la console. '
        "Rechargez la page et recommencez.</p>"
    ) in page
    assert '<a href="/console">Revenir à la console</a>' in page


def test_a_console_form_from_another_site_is_refused_even_with_its_field(http, wired):
    ref = submit_request(http)
    cookie, csrf = signed_in(wired, OPERATOR)
    r = http.post(
        f"/console/demandes/{ref}/clore",
        body=urlencode({"csrf": csrf, "motif": "doublon"}).encode(),
        headers={**cookie, **FORM, **CROSS_SITE},
    )
    assert r.status_code == 403
    assert "<h1>Action refusée</h1>" in text(r)


def test_an_operator_cannot_erase_a_request_an_admin_can(http, wired):
    ref = submit_request(http)
    cookie, csrf = signed_in(wired, OPERATOR)
    r = http.post(
        f"/console/demandes/{ref}/effacer", body=urlencode({"csrf": csrf}).encode(), headers={**cookie, **FORM}
    )
    assert r.status_code == 403
    assert title_of(r) == "Erreur : Action réservée – Réseau Mentorat"
    page = text(r)
    assert '<p class="lead">Cette action est réservée aux administrateurs du réseau.</p>' in page
    assert '<a href="/console">Revenir à la console</a>' in page
    cookie, csrf = signed_in(wired, ADMIN_EMAIL)
    erased = http.post(
        f"/console/demandes/{ref}/effacer", body=urlencode({"csrf": csrf}).encode(), headers={**cookie, **FORM}
    )
    assert erased.status_code == 303
    assert erased.headers["Location"] == f"/console/demandes/{ref}?fait=effacee"


def test_a_console_form_at_the_size_limit_is_read_and_one_byte_more_is_refused(http, wired):
    from chalicelib.web.parsing import MAX_FORM_BYTES

    start = urlencode({"email": OPERATOR}).encode() + b"&pad="
    body = start + b"x" * (MAX_FORM_BYTES - len(start))
    assert len(body) == MAX_FORM_BYTES
    read = http.post("/console/connexion", body=body, headers=FORM)
    assert read.status_code == 200 and len(mails_to(wired, OPERATOR)) == 1
    refused = http.post("/console/connexion", body=body + b"x", headers=FORM)
    assert refused.status_code == 413
    assert title_of(refused) == "Erreur : Envoi trop long – Réseau Mentorat"
    assert '<p class="lead">Le formulaire envoyé est trop long.</p>' in text(refused)
    assert len(mails_to(wired, OPERATOR)) == 1


def test_a_console_form_with_too_many_fields_is_refused_in_french(http, wired):
    body = "&".join(f"f{i}=x" for i in range(150)).encode()
    r = http.post("/console/connexion", body=body, headers=FORM)
    assert r.status_code == 400
    assert title_of(r) == "Erreur : Formulaire refusé – Réseau Mentorat"
    assert "Le formulaire envoyé contient trop de champs : il ne vient pas de notre site." in text(r)
