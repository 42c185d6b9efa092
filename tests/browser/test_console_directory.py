"""The console's directory clicked through in Chromium (docs/console.md): sign in, edit an
association's capacity, "Simuler" shows the effect, "Enregistrer", then restore the
previous version. axe-core on each directory page, a version's own page too."""

from __future__ import annotations

import re

from local.setup import seed_entries
from tests.browser.browsing import assert_accessible, assert_no_sideways_scroll, sign_in
from tests.builders import youth

# The seed directory, put on file for this module by conftest.py's `directory`: another
# module's directory may be on file before, whatever the order.
DIRECTORY = seed_entries()


def test_edit_simulate_save_then_restore_the_previous_version(desktop_page, web):
    page = desktop_page
    routed = web.admin("POST", "/api/v1/requests", youth(postal_code="59100", city="Roubaix")).json()
    target = routed["association"]
    assert target, "the seed directory routes a Roubaix request"
    before = {a["id"]: a for a in web.admin("GET", "/api/v1/admin/associations").json()["associations"]}

    sign_in(page, web)
    page.get_by_role("link", name="Annuaire").click()
    page.wait_for_url(f"{web.base}/console/annuaire")
    assert_accessible(page, "directory list")
    page.get_by_role("link", name=target["name"], exact=True).click()
    page.wait_for_url(f"{web.base}/console/annuaire/{target['id']}")
    assert_accessible(page, "directory edit form")

    page.get_by_label("Capacité").fill("0")
    page.get_by_role("button", name="Simuler").click()
    simulation = page.get_by_role("region", name="Simulation : l'effet de ce changement")
    simulation.wait_for()
    capacity = before[target["id"]]["capacity"]
    shown = capacity if capacity is not None else "sans limite"
    assert f"capacité : {shown} → 0" in simulation.inner_text()
    effects = page.get_by_role("table", name="Par association : demandes qui arriveraient et qui partiraient")
    row = effects.get_by_role("row").filter(has=page.get_by_role("rowheader", name=target["name"], exact=True))
    moving_in, moving_out = (int(c) for c in row.get_by_role("cell").all_inner_texts())
    assert moving_out >= 1 and moving_in == 0, "the request just routed there would leave"
    assert_accessible(page, "directory edit form with its simulation")
    assert_no_sideways_scroll(page, "simulation")
    current = web.admin("GET", "/api/v1/admin/associations").json()["associations"]
    assert {a["id"]: a for a in current}[target["id"]] == before[target["id"]], "Simuler saves nothing"

    assert page.get_by_label("Capacité").input_value() == "0", "the value typed is kept"
    page.get_by_role("button", name="Enregistrer").click()
    notice = page.get_by_role("status")
    saved = int(re.search(r"version (\d+)", notice.inner_text()).group(1))
    current = {a["id"]: a for a in web.admin("GET", "/api/v1/admin/associations").json()["associations"]}
    assert current[target["id"]]["capacity"] == 0

    page.get_by_role("link", name="Versions de l'annuaire").click()
    page.wait_for_url(f"{web.base}/console/annuaire/versions")
    assert_accessible(page, "directory versions")
    newest = page.locator(f"#version-{saved}")
    assert "operatrice@reseau.example.org" in newest.inner_text() and "→ 0" in newest.inner_text()
    page.get_by_role("button", name=f"Restaurer la version {saved - 1}").click()
    assert f"La version {saved - 1} est restaurée" in page.get_by_role("status").inner_text()
    after = {a["id"]: a for a in web.admin("GET", "/api/v1/admin/associations").json()["associations"]}
    assert after == before, "the directory is as it was before the edit"
    assert "Restauration de la version" in page.locator(f"#version-{saved + 1}").inner_text()


def test_the_directory_pages_fit_a_phone_and_a_desktop(page, web):
    sign_in(page, web)
    for path, what in (
        ("/console/annuaire", "directory list"),
        ("/console/annuaire/versions", "versions"),
        ("/console/annuaire/versions/1", "one version"),
        ("/console/annuaire/nouvelle", "new association form"),
    ):
        assert page.goto(f"{web.base}{path}").status == 200, path
        assert_accessible(page, f"{what} ({page.device})")
        assert_no_sideways_scroll(page, f"{what} ({page.device})")
