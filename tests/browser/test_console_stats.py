"""The console's statistics, CSV export and quarantine, clicked through in Chromium:
sign in, the statistics page (a chart and its table), download the queue's CSV and read
it as CSV; axe-core on the statistics, export notice and quarantine pages."""

from __future__ import annotations

import csv
import io

from tests.browser.browsing import assert_accessible, assert_no_sideways_scroll, sign_in
from tests.builders import youth


def test_statistics_page_then_the_queue_csv_downloaded_and_read(desktop_page, web):
    page = desktop_page
    made = web.post_json("/api/v1/requests", youth(need="scolaire"))
    assert made.status == 201
    sign_in(page, web)

    page.goto(f"{web.base}/console/statistiques")
    page.get_by_role("heading", name="Statistiques", level=1).wait_for()
    chart = page.get_by_role("img", name="Demandes reçues par semaine et par canal")
    assert chart.is_visible()
    table = page.get_by_role("table", name="Demandes reçues par semaine (lundi) et par canal")
    assert table.is_visible() and "API" in table.inner_text()  # the request above came through the API
    page.get_by_label("Période").select_option("4")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**/console/statistiques?periode=4")
    assert_accessible(page, "statistics page")
    assert_no_sideways_scroll(page, "statistics page")

    page.goto(f"{web.base}/console/export/demandes?onglet=toutes")
    page.get_by_role("heading", name="Exporter en CSV").wait_for()
    assert_accessible(page, "export notice")
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger le fichier CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    raw = open(download.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][0] == "Référence"
    assert made.json()["reference"] in [row[0] for row in rows[1:]]

    page.goto(f"{web.base}/console/quarantaine")
    page.get_by_role("heading", name="Quarantaine", level=1).wait_for()
    assert_accessible(page, "quarantine page")
