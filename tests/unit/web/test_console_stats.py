"""The console's statistics, CSV exports and quarantine through app.py's routes, in
process, on the in-memory stores: the guard on every page and action, the figures the
page shows after real intakes and answers, the CSV files, the quarantine's actions."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import urlencode

import pytest

from tests.builders import association, signed_in, youth

OPERATOR = "operatrice@reseau.example.org"
DIRECTORY = [
    association("first-asso", name="Première; et fils", needs=["scolaire"]),
    association("second-asso", name="Seconde", needs=["orientation"]),
]
SETTINGS = dict(keep_raw_mail=True, rate_limit_count=100, intake_addresses=("urgent@reseau.example.org",))
OPERATORS = OPERATOR


@pytest.fixture
def session(wired):
    return signed_in(wired, OPERATOR)


def shown(r) -> str:
    return html.unescape(r.body.decode("utf-8"))


def post(http, session, path, fields=None, csrf=True):
    data = dict(fields or {})
    if csrf:
        data["csrf"] = session[1]
    return http.post(
        path, body=urlencode(data).encode(), headers={**session[0], "Content-Type": "application/x-www-form-urlencoded"}
    )


def submit(wired, **overrides):
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission
    from chalicelib.domain.vocabulary import Channel

    s = parse_submission(youth(**overrides), json=True)
    return wired.intake.accept(NewRequest.from_submission(s, Channel.FORM), None, None)


def answer_token(wired, result):
    from chalicelib.services.ports import Assignment

    url = wired.links.answer_url(Assignment(result.id, result.association["id"], 1))
    return url.rsplit("/", 1)[1]


# -- the guard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/console/statistiques",
        "/console/export/demandes",
        "/console/export/statistiques",
        "/console/quarantaine",
        "/console/quarantaine/abc",
    ],
)
def test_every_page_needs_a_session(http, path):
    r = http.get(path)
    assert r.status_code == 303 and r.headers["Location"] == "/console/connexion"


@pytest.mark.parametrize(
    "path", ["/console/export/demandes", "/console/export/statistiques", "/console/quarantaine/abc/supprimer"]
)
def test_every_action_needs_a_session_and_its_csrf_field(http, session, path):
    anonymous = http.post(path, body=b"csrf=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/console/connexion"
    forged = post(http, session, path, {"csrf": "not-the-session-one"}, csrf=False)
    assert forged.status_code == 403 and "attachment" not in forged.headers.get("Content-Disposition", "")


# -- statistics -------------------------------------------------------------------------


def test_the_page_shows_what_happened_with_a_chart_and_its_table(http, session, wired, clock):
    accepted = submit(wired, need="scolaire")
    declined = submit(wired, need="scolaire")
    submit(wired, postal_code="75001", city="Paris")  # no association there: triage
    clock.advance(hours=5)
    wired.answers.accept(answer_token(wired, accepted))
    wired.answers.decline(answer_token(wired, declined), "complet", "")

    r = http.get("/console/statistiques?periode=4", headers=session[0])
    page = shown(r)
    assert r.status_code == 200
    assert "3 demandes reçues" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in page
    assert "<caption>Demandes reçues par semaine (lundi) et par canal</caption>" in page
    # 2 routed at once out of 3; 1 accepted out of 2 answers; the association's row.
    assert re.search(r"Orientées dès la réception</th><td>67 %</td><td>2 sur 3</td>", page)
    assert re.search(r"Acceptées par l'association</th><td>50 %</td><td>1 sur 2 ", page)
    assert re.search(
        r"Première; et fils</th><td>2</td><td>1</td><td>1</td><td>0</td><td>50 %</td><td>[0-9,]+ h</td>", page
    )
    assert re.search(r"Plus de place</th><td>1</td>", page)
    assert "style=" not in r.body.decode() and "<script" not in r.body.decode()


def test_an_unknown_period_falls_back_to_twelve_weeks(http, session):
    page = shown(http.get("/console/statistiques?periode=7", headers=session[0]))
    assert '<option value="12" selected>' in page


# -- exports ----------------------------------------------------------------------------


def test_the_queue_export_is_a_notice_then_a_csv_file_of_the_filtered_view(http, session, wired):
    routed = submit(wired, need="scolaire")
    triaged = submit(wired, postal_code="75001", city="Paris")
    notice = http.get("/console/export/demandes?onglet=en-attente&besoin=scolaire", headers=session[0])
    page = shown(notice)
    assert notice.status_code == 200 and "Données personnelles" in page
    assert 'action="/console/export/demandes?onglet=en-attente&besoin=scolaire"' in page

    r = post(http, session, "/console/export/demandes?onglet=en-attente&besoin=scolaire")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"].startswith('attachment; filename="demandes-en-attente-')
    assert r.body.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Référence" and len(rows) == 2
    assert rows[1][0] == routed.reference and rows[1][4] == "Première; et fils"
    assert triaged.reference not in r.body.decode()

    everything = post(http, session, "/console/export/demandes?onglet=toutes")
    assert {routed.reference, triaged.reference} <= set(
        everything.body.decode().split(";")
        + [row[0] for row in csv.reader(io.StringIO(everything.body.decode("utf-8-sig")), delimiter=";")]
    )

    stats = shown(http.get("/console/statistiques", headers=session[0]))
    assert re.search(rf"<td>{OPERATOR}</td><td>Demandes</td><td>1</td>", stats), "the export is recorded"


def test_the_statistics_export_holds_the_page_tables(http, session, wired):
    submit(wired, need="scolaire")
    r = post(http, session, "/console/export/statistiques?periode=4")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tableau", "Ligne", "Colonne", "Valeur"]
    assert ["Taux", "Demandes reçues", "Nombre", "1"] in rows
    assert ["Associations", "Première; et fils", "Orientées", "1"] in rows


# -- quarantine -------------------------------------------------------------------------


BROKEN = (
    b"From: Someone <someone@example.net>\r\nTo: urgent@reseau.example.org\r\nSubject: =?utf-8?b?QWlkZQ==?=\r\n"
    b'Content-Type: text/html; charset=utf-8\r\n\r\n<p onclick="x()">Bonjour <script>alert(1)</script></p>\r\n'
)


def quarantine(wired, raw=BROKEN, reason="no usable sender address", sender="someone@example.net"):
    key = wired.mail_intake.raw_store.put(raw)
    now = wired.clock.now()
    wired.stores.mail_log.quarantine(
        now.iso, {"reason": reason, "raw_key": key, "envelope_sender": sender}, now.epoch + 86400
    )
    return key


def test_quarantine_lists_and_reads_a_mail_as_text_never_as_html(http, session, wired):
    quarantine(wired)
    listing = shown(http.get("/console/quarantaine", headers=session[0]))
    link = re.search(r'href="(/console/quarantaine/[A-Za-z0-9_-]+)"', listing).group(1)
    assert "no usable sender address" in listing
    r = http.get(link, headers=session[0])
    body = r.body.decode()
    assert r.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>" not in body
    assert "someone@example.net" in html.unescape(body) and "Subject" in body


def test_reprocess_makes_a_request_past_the_sender_limit_and_delete_removes_mail_and_item(http, session, wired):
    good = (
        b"From: Prof <prof@college.example.fr>\r\nTo: urgent@reseau.example.org\r\nSubject: Demande de tutorat\r\n"
        b"Message-ID: <q1@college.example.fr>\r\n\r\nBonjour, un eleve de 15 ans a Roubaix (59100) au college "
        b"cherche du soutien scolaire.\r\n"
    )
    quarantine(wired, good, reason="sender over daily limit")
    link = re.search(
        r'href="/console/quarantaine/([A-Za-z0-9_-]+)"', shown(http.get("/console/quarantaine", headers=session[0]))
    ).group(1)
    refused = post(http, session, f"/console/quarantaine/{link}/retraiter", csrf=False)
    assert refused.status_code == 403
    done = post(http, session, f"/console/quarantaine/{link}/retraiter")
    assert done.status_code == 303 and "retraite-request" in done.headers["Location"]
    assert wired.stores.mail_log.list_quarantine(wired.clock.now().epoch, 10) == []
    feed, _ = wired.stores.requests.page(wired.clock.now().epoch, None, None, 10, None)
    assert [r.channel for r in feed] == ["email"]

    raw_key = quarantine(wired)
    link = re.search(
        r'href="/console/quarantaine/([A-Za-z0-9_-]+)"', shown(http.get("/console/quarantaine", headers=session[0]))
    ).group(1)
    gone = post(http, session, f"/console/quarantaine/{link}/supprimer")
    assert gone.status_code == 303
    assert wired.stores.mail_log.list_quarantine(wired.clock.now().epoch, 10) == []
    with pytest.raises(FileNotFoundError):
        wired.mail_intake.raw_store.get(raw_key)
    assert http.get(f"/console/quarantaine/{link}", headers=session[0]).status_code == 404
