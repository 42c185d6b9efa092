"""The console's "Bénévoles" tab, clicked through in Chromium (docs/volunteers.md): sign in, open
"Bénévoles", its tabs with their counts, a sign-up's page (profile, routing explanation,
timeline, no contact detail), then the volunteers' statistics; an admin erases a sign-up
from its page; axe-core on each page."""

from __future__ import annotations

import re
import uuid

from tests.browser.browsing import MENTOR_DIRECTORY, assert_accessible, assert_no_sideways_scroll, sign_in
from tests.builders import volunteer

DIRECTORY = MENTOR_DIRECTORY  # the recruiting association, put on file by conftest.py's `directory`


def sign_up(web, **overrides) -> str:
    r = web.post_json("/api/v1/mentors", volunteer(**overrides), {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status == 201, r.text
    return r.json()["reference"]


def test_an_operator_opens_the_volunteers_tab_and_a_sign_up(desktop_page, web):
    page = desktop_page
    routed = sign_up(web, email=f"v-{uuid.uuid4().hex[:8]}@example.net")
    triaged = sign_up(web, postal_code="20000", city="Ajaccio", email=f"v-{uuid.uuid4().hex[:8]}@example.net")

    sign_in(page, web)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Bénévoles").click()
    page.wait_for_url(re.compile(r"/console/benevoles$"))
    assert page.get_by_role("heading", level=1, name="Bénévoles").is_visible()
    for tab in ("À trier", "En attente", "Acceptées", "Closes", "Toutes"):
        assert page.get_by_role("link", name=re.compile(rf"^{tab} \(\d+\)$")).is_visible(), tab
    assert page.get_by_role("link", name=routed).count() == 0, "a routed sign-up is not in À trier"
    assert page.get_by_role("link", name=triaged).is_visible()
    assert_accessible(page, "volunteers' queue")
    assert_no_sideways_scroll(page, "volunteers' queue")

    page.get_by_role("link", name=re.compile(r"^En attente \(\d+\)$")).click()
    page.get_by_role("link", name=routed).click()
    page.wait_for_url(re.compile(f"/console/benevoles/{routed}$"))
    assert page.get_by_role("heading", name=f"Candidature {routed}").is_visible()
    assert page.get_by_role("heading", name="Le profil").is_visible()
    assert page.get_by_text("Mentorat Roubaix").first.is_visible()
    assert page.get_by_role("heading", name="Explication du routage").is_visible()
    assert page.get_by_role("heading", name="Historique").is_visible()
    assert page.get_by_text("Candidature reçue").is_visible()
    assert page.get_by_text("Durand").count() == 0 and page.get_by_text("06 98 76 54 32").count() == 0, (
        "no contact detail"
    )
    assert_accessible(page, "a sign-up's page")
    assert_no_sideways_scroll(page, "a sign-up's page")

    page.goto(f"{web.base}/console/statistiques")
    page.get_by_role("link", name="Candidatures de bénévoles").click()
    page.wait_for_url(re.compile(r"/console/statistiques/benevoles$"))
    assert page.get_by_role("heading", level=1, name="Statistiques des bénévoles").is_visible()
    assert page.get_by_role("table").first.is_visible()
    assert_accessible(page, "volunteers' statistics")


def test_an_admin_erases_a_sign_up_from_its_page(desktop_page, web):
    page = desktop_page
    email = f"v-{uuid.uuid4().hex[:8]}@example.net"
    reference = sign_up(web, email=email)
    sign_in(page, web, "admin@reseau.example.org")
    page.goto(f"{web.base}/console/benevoles/{reference}")
    assert page.get_by_text("Informatique").first.is_visible()  # the sector, before
    page.get_by_role("button", name="Effacer les données personnelles").click()
    page.wait_for_url(re.compile(f"/console/benevoles/{reference}\\?fait=effacee$"))
    assert (
        page.get_by_role("status").get_by_text("Les données personnelles de la candidature sont effacées.").is_visible()
    )
    assert page.get_by_text("Les données personnelles de cette candidature ont été effacées.").is_visible()
    assert page.get_by_text("Informatique").count() == 0 and page.get_by_text(email).count() == 0
    assert page.get_by_role("button", name="Effacer les données personnelles").count() == 0  # nothing left to erase
    assert_accessible(page, "an erased sign-up's page")
