"""The console's sign-in, clicked through in Chromium (docs/contract.md §10), and an
admin ending every session."""

from __future__ import annotations

from tests.browser.browsing import assert_accessible, assert_no_sideways_scroll, sign_in


def test_an_operator_signs_in_with_the_link_from_the_outbox_and_out_again(desktop_page, web):
    page = desktop_page
    page.goto(f"{web.base}/console")
    assert page.url.endswith("/console/connexion"), "no session: the sign-in page"
    assert_accessible(page, "console sign-in page")
    sign_in(page, web)
    assert page.get_by_text("operatrice@reseau.example.org").first.is_visible()
    assert_accessible(page, "console after sign-in")
    assert_no_sideways_scroll(page, "console after sign-in")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{web.base}/console/connexion")
    page.goto(f"{web.base}/console")
    assert page.url.endswith("/console/connexion"), "signed out: the session is gone"


def test_an_admin_ends_every_session_with_one_button_and_signs_in_again(desktop_page, web):
    page = desktop_page
    sign_in(page, web, "admin@reseau.example.org")
    page.get_by_role("link", name="Sessions").click()
    page.wait_for_url(f"{web.base}/console/sessions")
    assert_accessible(page, "console sessions page")
    assert_no_sideways_scroll(page, "console sessions page")
    page.get_by_role("button", name="Déconnecter toutes les sessions").click()
    page.wait_for_url(f"{web.base}/console/connexion?sessions=fermees")
    assert "Toutes les sessions de la console sont fermées, la vôtre aussi." in page.get_by_role("status").inner_text()
    assert_accessible(page, "console sign-in page after every session ended")
    page.goto(f"{web.base}/console")
    assert page.url.endswith("/console/connexion"), "the admin's own session ended too"
    sign_in(page, web, "admin@reseau.example.org")
    assert page.get_by_text("admin@reseau.example.org").first.is_visible()
