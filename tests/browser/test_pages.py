"""Every page a person can land on: accessible (axe-core), and no sideways scroll on a phone."""

from __future__ import annotations

import pytest

from tests.browser.browsing import assert_accessible, assert_no_sideways_scroll

PAGES = {
    "/": "home",
    "/demande": "youth form",
    "/orienter": "referent form",
    "/demande/merci?ref=MNT-TEST-0001": "youth thanks page",
    "/orienter/merci?ref=MNT-TEST-0001": "referent thanks page",
    "/mentions-legales": "legal notice",
    "/donnees-personnelles": "personal data",
    "/accessibilite": "accessibility statement",
    "/cette-page-n-existe-pas": "not found page",
    "/reponse/not-a-real-link": "broken answer link",
}


@pytest.mark.parametrize("path", list(PAGES))
def test_the_page_is_accessible_and_fits_a_phone(page, web, path):
    response = page.goto(f"{web.base}{path}")
    assert response.headers["content-type"].startswith("text/html")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").count() == 1, "one main heading"
    assert_accessible(page, PAGES[path])
    assert_no_sideways_scroll(page, PAGES[path])


def test_the_home_page_leads_to_both_forms_and_the_footer_to_the_legal_pages(desktop_page, web):
    page = desktop_page
    page.goto(f"{web.base}/")
    page.get_by_role("link", name="Demander un mentor").first.click()
    page.wait_for_url(f"{web.base}/demande")
    page.goto(f"{web.base}/")
    page.get_by_role("link", name="Orienter un ou une jeune").first.click()
    page.wait_for_url(f"{web.base}/orienter")
    footer = page.get_by_role("contentinfo")
    for name, path in [
        ("Mentions légales", "/mentions-legales"),
        ("Données personnelles", "/donnees-personnelles"),
        ("Accessibilité", "/accessibilite"),
    ]:
        footer.get_by_role("link", name=name).click()
        page.wait_for_url(f"{web.base}{path}")
        assert page.get_by_role("heading", level=1).is_visible()
        footer = page.get_by_role("contentinfo")


def test_an_unknown_address_gets_a_french_page_with_a_way_back(desktop_page, web):
    response = desktop_page.goto(f"{web.base}/une/adresse/inconnue")
    assert response.status == 404
    assert "introuvable" in desktop_page.locator("h1").inner_text().lower()
    desktop_page.get_by_role("link", name="accueil").first.click()
    desktop_page.wait_for_url(f"{web.base}/")
