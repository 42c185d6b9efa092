"""The console's door over HTTP: sign-in by emailed link, session cookie, guard (docs/contract.md §10)."""

from __future__ import annotations

from tests.e2e.clients import OPERATOR, ask_and_read_link, ask_link, csrf_of, sign_in, sign_in_mails


def test_the_sign_in_page_has_the_contract_words(stack):
    page = stack.call("GET", "/console/connexion")
    assert page.status == 200
    assert "Adresse e-mail" in page.text and "Recevoir un lien de connexion" in page.text


def test_the_page_answers_the_same_for_any_address(stack):
    known = ask_link(stack, OPERATOR)
    unknown = ask_link(stack, "inconnu@example.org")
    assert known.status == unknown.status == 200
    assert known.text == unknown.text
    assert sign_in_mails(stack, OPERATOR) and not sign_in_mails(stack, "inconnu@example.org")


def test_a_link_signs_in_once_and_the_cookie_is_locked_down(stack):
    path = ask_and_read_link(stack)
    opened = stack.call("GET", path)
    assert opened.status == 200 and "Se connecter" in opened.text  # GET consumed nothing
    done = stack.post_form(path, {"csrf": csrf_of(opened.text)})
    assert done.status == 303
    cookie = done.headers["set-cookie"]
    assert (
        "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie and "Max-Age=43200" in cookie
    )
    console = stack.call("GET", "/console", headers={"Cookie": cookie.split(";")[0]})
    assert console.status == 200 and OPERATOR in console.text
    again = stack.post_form(path, {"csrf": csrf_of(opened.text)})
    assert again.status == 410 and "déjà servi" in again.text


def test_without_a_session_the_console_leads_to_the_sign_in_page(stack):
    for path in ["/console", "/console/demandes", "/console/annuaire", "/console/statistiques"]:
        r = stack.call("GET", path)
        assert r.status in (303, 401, 403) and "/console/connexion" in (r.headers.get("location", "") + r.text), path
    forged = stack.call("GET", "/console", headers={"Cookie": "mentorat_console=eyJlIjoiYSJ9.forged"})
    assert forged.status == 303 and forged.headers["location"] == "/console/connexion"


def test_a_tampered_link_and_a_post_without_the_form_field_are_refused(stack):
    path = ask_and_read_link(stack)
    assert stack.post_form(path + "x", {"csrf": "x"}).status in (400, 403)
    assert stack.post_form(path, {}).status == 403


def test_signing_out_needs_the_session_form_field_and_ends_the_session(stack):
    cookie = sign_in(stack)
    assert stack.post_form("/console/deconnexion", {}, {"Cookie": cookie}).status == 403
    home = stack.call("GET", "/console", headers={"Cookie": cookie})
    out = stack.post_form("/console/deconnexion", {"csrf": csrf_of(home.text)}, {"Cookie": cookie})
    assert out.status == 303 and out.headers["location"] == "/console/connexion"
    assert "Max-Age=0" in out.headers["set-cookie"]


def test_an_unknown_console_address_is_a_404_once_signed_in(stack):
    cookie = sign_in(stack)
    assert stack.call("GET", "/console/nulle-part", headers={"Cookie": cookie}).status == 404
