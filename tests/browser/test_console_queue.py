"""The console's queue and request page, clicked through in Chromium (docs/contract.md §10):
sign in with the link from the outbox, open "À trier", pick a request, "Attribuer" it
(the association's mail goes out), close another request; axe-core on each page."""

from __future__ import annotations

import re
import uuid

from local.setup import seed_entries
from tests.browser.browsing import assert_accessible, assert_no_sideways_scroll, sign_in, text_of, wait_for_mails
from tests.builders import youth

OPERATOR = "operatrice@reseau.example.org"
# The seed directory (afev-idf among them), put on file for this module by conftest.py's
# `directory`: another module's directory may be on file before, whatever the order.
DIRECTORY = seed_entries()


def submit(web, **overrides) -> str:
    r = web.post_json("/api/v1/requests", youth(**overrides), {"Idempotency-Key": uuid.uuid4().hex})
    assert r.status == 201, r.text
    return r.json()["reference"]


def state(web, reference: str) -> dict:
    return web.admin("GET", f"/api/v1/requests/{reference}").json()


def test_an_operator_assigns_a_triaged_request_and_closes_another(desktop_page, web):
    page = desktop_page
    triaged = submit(web, postal_code="20000", city="Ajaccio", first_name="Paolu")
    waiting = submit(web)
    assert state(web, triaged)["status"] == "needs_triage" and state(web, waiting)["status"] == "routed"

    sign_in(page, web)
    page.get_by_role("link", name=re.compile(r"^À trier \(\d+\)$")).click()
    assert "onglet=a-trier" in page.url
    assert page.get_by_role("link", name=re.compile(r"^En attente \(\d+\)$")).is_visible()
    assert page.get_by_role("link", name=re.compile(r"^Toutes \(\d+\)$")).is_visible()
    assert page.get_by_role("link", name=waiting).count() == 0, "a routed request is not in À trier"
    assert_accessible(page, "console queue")
    assert_no_sideways_scroll(page, "console queue")

    page.get_by_role("link", name=triaged).click()
    page.wait_for_url(re.compile(f"/console/demandes/{triaged}$"))
    assert page.get_by_text("Paolu").first.is_visible(), "the contact details are on the page"
    assert page.get_by_role("heading", name="Explication du routage").is_visible()
    assert page.get_by_role("heading", name="Historique").is_visible()
    assert_accessible(page, "console request page")

    page.get_by_label("Association").select_option("afev-idf")
    page.get_by_label("Motif").first.fill("Suivi à distance possible")
    page.get_by_role("button", name="Attribuer").click()
    page.get_by_role("status").wait_for()
    assert "attribuée" in page.get_by_role("status").inner_text()
    assert_accessible(page, "console request page after an action")
    afev_idf = next(a for a in seed_entries() if a["id"] == "afev-idf")["emails"][0]
    mail = wait_for_mails(web, lambda m: triaged in m["Subject"] and str(m["To"]) == afev_idf)[0]
    assert "/reponse/" in text_of(mail)
    after = state(web, triaged)
    assert after["status"] == "routed" and after["association"]["id"] == "afev-idf"
    assert [e["actor"] for e in after["events"] if e["type"] == "assigned"] == [OPERATOR]

    page.goto(f"{web.base}/console/demandes?onglet=en-attente")
    page.get_by_role("link", name=waiting).click()
    page.wait_for_url(re.compile(f"/console/demandes/{waiting}$"))
    close_form = page.locator("form", has=page.get_by_role("button", name="Clore"))
    close_form.get_by_label("Motif").select_option(label="Doublon")
    page.get_by_role("button", name="Clore").click()
    page.get_by_role("status").wait_for()
    assert "close" in page.get_by_role("status").inner_text()
    closed = state(web, waiting)
    assert closed["status"] == "closed"
    assert [e["actor"] for e in closed["events"] if e["type"] == "closed"] == [OPERATOR]

    page.get_by_role("link", name="Retour aux demandes").click()
    page.get_by_role("link", name=re.compile(r"^Closes \(\d+\)$")).click()
    assert page.get_by_role("link", name=waiting).is_visible()
    assert_accessible(page, "console queue, closed tab")
