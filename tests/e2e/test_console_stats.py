"""The console's statistics and exports over HTTP, on the served stack (DynamoDB Local):
the export refused without a session and without the session's form field; with both,
a `;` separated UTF-8 file with a header row holding "Référence"; the statistics page
counts what the stack received."""

from __future__ import annotations

import csv
import io

import pytest

from tests.builders import youth
from tests.e2e.clients import csrf_of, sign_in


@pytest.fixture(scope="module")
def cookie(stack):
    """One sign-in for the module: its helper picks the newest link by its Date header,
    which two links mailed in the same second share."""
    return sign_in(stack)


def test_the_queue_export_is_refused_without_a_session_and_without_the_form_field(stack, cookie):
    for path in ["/console/export/demandes?onglet=toutes", "/console/export/statistiques"]:
        anonymous = stack.post_form(path, {"csrf": "x"})
        assert anonymous.status == 303 and anonymous.headers["location"] == "/console/connexion", path
        assert "attachment" not in (anonymous.headers.get("content-disposition") or "")
        notice = stack.call("GET", path)
        assert notice.status == 303 and notice.headers["location"] == "/console/connexion"
    without = stack.post_form("/console/export/demandes?onglet=toutes", {}, {"Cookie": cookie})
    forged = stack.post_form("/console/export/demandes?onglet=toutes", {"csrf": "forged"}, {"Cookie": cookie})
    for refused in (without, forged):
        assert refused.status == 403 and "attachment" not in (refused.headers.get("content-disposition") or "")


def test_signed_in_the_notice_then_the_csv_of_the_queue_and_the_page_counts_it(stack, cookie):
    made = stack.post_json("/api/v1/requests", youth(need="orientation"))
    assert made.status == 201
    reference = made.json()["reference"]
    notice = stack.call("GET", "/console/export/demandes?onglet=toutes", headers={"Cookie": cookie})
    assert notice.status == 200 and "Exporter en CSV" in notice.text and "Données personnelles" in notice.text
    r = stack.post_form("/console/export/demandes?onglet=toutes", {"csrf": csrf_of(notice.text)}, {"Cookie": cookie})
    assert r.status == 200 and r.headers["content-disposition"].startswith("attachment;")
    assert r.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert "Référence" in rows[0]
    assert reference in [row[0] for row in rows[1:]]

    page = stack.call("GET", "/console/statistiques?periode=4", headers={"Cookie": cookie})
    assert page.status == 200 and 'role="img"' in page.text and "<table>" in page.text
    assert "<td>operatrice@reseau.example.org</td><td>Demandes</td>" in page.text, "the export is listed"
