"""The console's sign-in, clicked through in Chromium (contract section 10)."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, assert_no_sideways_scroll, sign_in


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
