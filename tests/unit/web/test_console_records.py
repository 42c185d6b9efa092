"""Remaining answers of the console, in process: bodies refused before the guard, the
erased request's notice, a missing volunteer's page, a quarantined mail's page and its
reprocessing, and the figures each statistics chart draws."""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode

from tests.builders import association, make_memory_services, served, signed_in, title_of, youth
from tests.builders import shown as text

OPERATOR = "operatrice@reseau.example.org"
ADMIN_EMAIL = "admin@reseau.example.org"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
INTAKE = "urgent@reseau.example.org"
GOOD_MAIL = (
    b"From: Prof <prof@college.example.fr>\r\nTo: urgent@reseau.example.org\r\nSubject: Demande de tutorat\r\n"
    b"Message-ID: <q1@college.example.fr>\r\n\r\nBonjour, un eleve de 15 ans a Roubaix (59100) au college "
    b"cherche du soutien scolaire.\r\n"
)
SETTINGS = dict(rate_limit_count=1000, keep_raw_mail=True, intake_addresses=(INTAKE,))
DIRECTORY = [association("nord-asso", name="Nord", needs=["scolaire"])]
OPERATORS = f"{OPERATOR},{ADMIN_EMAIL}:admin"


def submit(http) -> str:
    r = http.post(
        "/api/v1/requests",
        body=json.dumps(youth()).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201
    return json.loads(r.body)["reference"]


def test_an_oversized_console_post_is_refused_before_anything_else(http, wired):
    from chalicelib.web.parsing import MAX_FORM_BYTES

    ref = submit(http)
    cookie, csrf = signed_in(wired, OPERATOR)
    body = urlencode({"csrf": csrf, "motif": "duplicate"}).encode() + b"&pad=" + b"x" * MAX_FORM_BYTES
    r = http.post(f"/console/demandes/{ref}/clore", body=body, headers={**cookie, **FORM})
    assert r.status_code == 413
    assert title_of(r) == "Erreur : Envoi trop long – Réseau Mentorat"
    status = json.loads(http.get(f"/api/v1/requests/{ref}", headers={"Authorization": "Bearer test-admin-token"}).body)
    assert status["status"] != "closed"
    link = http.post("/console/lien/abc", body=body, headers=FORM)
    assert link.status_code == 413 and "Set-Cookie" not in link.headers


def test_an_erased_request_says_so(http, wired):
    ref = submit(http)
    cookie, csrf = signed_in(wired, ADMIN_EMAIL)
    r = http.post(
        f"/console/demandes/{ref}/effacer", body=urlencode({"csrf": csrf}).encode(), headers={**cookie, **FORM}
    )
    assert r.headers["Location"] == f"/console/demandes/{ref}?fait=effacee"
    page = text(http.get(r.headers["Location"], headers=cookie))
    assert "<p>Les données personnelles de la demande sont effacées.</p>" in page


def test_a_volunteer_sign_up_that_does_not_exist(http, wired):
    cookie, _ = signed_in(wired, OPERATOR)
    r = http.get("/console/benevoles/BEN-ZZZZ-0000", headers=cookie)
    assert r.status_code == 404
    assert title_of(r) == "Candidature introuvable – Réseau Mentorat"
    page = text(r)
    assert "<h1>Candidature introuvable</h1>" in page
    assert "Aucune candidature ne porte la référence « BEN-ZZZZ-0000 »" in page
    assert '<p><a href="/console/benevoles">Retour aux candidatures</a></p>' in page
    assert '<a href="/console/benevoles" aria-current="page">Bénévoles</a>' in page


def test_a_quarantined_mail_is_shown_then_reprocessed_into_a_request(http, wired):
    cookie, csrf = signed_in(wired, OPERATOR)
    key = wired.mail_intake.raw_store.put(GOOD_MAIL)
    now = wired.clock.now()
    wired.stores.mail_log.quarantine(
        now.iso,
        {"reason": "sender over daily limit", "raw_key": key, "envelope_sender": "prof@college.example.fr"},
        now.epoch + 86400,
    )
    listing = text(http.get("/console/quarantaine", headers=cookie))
    link = re.search(r'href="/console/quarantaine/([A-Za-z0-9_-]+)"', listing).group(1)
    shown = http.get(f"/console/quarantaine/{link}", headers=cookie)
    assert shown.status_code == 200
    assert title_of(shown) == "Message en quarantaine – Réseau Mentorat"
    assert '<a href="/console/quarantaine" aria-current="page">Quarantaine</a>' in text(shown)
    assert http.get("/console/quarantaine/inconnu", headers=cookie).status_code == 404
    r = http.post(
        f"/console/quarantaine/{link}/retraiter", body=urlencode({"csrf": csrf}).encode(), headers={**cookie, **FORM}
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/console/quarantaine?fait=retraite-request"
    assert "<p>Le message a été traité à nouveau : il est devenu une demande.</p>" in text(
        http.get(r.headers["Location"], headers=cookie)
    )


# -- the figures each chart draws --------------------------------------------------------------


def bars(markup) -> list[tuple[str, str]]:
    """(width, fill) of each drawn bar (the white background left out)."""
    return [
        (w, f)
        for w, f in re.findall(
            r'<rect x="[^"]+" y="[^"]+" width="([^"]+)" height="[^"]+" fill="([^"]+)"/>', str(markup)
        )
        if f != "#ffffff"
    ]


def test_each_chart_draws_the_reports_figures():
    from chalicelib.web import svg_charts
    from chalicelib.web.console_stats import charts_of

    report = SimpleNamespace(
        weeks=["2026-11-02", "2026-11-09"],
        channels=["form", "fax"],
        weekly={"2026-11-02": {"form": 2, "fax": 2}},
        received=4,
        first_day="02/11/2026",
        last_day="15/11/2026",
        routed_rate=0.75,
        triage_rate=0.25,
        acceptance_rate=0.5,
        associations=[SimpleNamespace(name="Nord", acceptance=0.5), SimpleNamespace(name="Sud", acceptance=None)],
        declines={"complet": 2, "inconnu": 1},
    )
    charts = charts_of(report, {"form": "Formulaire jeune"}, "candidatures")
    weekly = str(charts.weekly)
    assert '<title id="chart-weekly-title">Candidatures reçues par semaine et par canal</title>' in weekly
    assert "4 candidatures reçues du 02/11/2026" in weekly
    assert re.findall(r"<text [^>]*>([^<]*)</text>", weekly)[-2:] == ["Formulaire jeune", "fax"]
    # week one: 2 + 2 on an axis topped at 4; week two: nothing.
    assert [
        (h, f)
        for h, f in re.findall(r'height="([^"]+)" fill="(#[0-9a-f]+)"/>', weekly)
        if f in svg_charts.PALETTE and h not in ("12",)
    ] == [("107.0", svg_charts.PALETTE[0]), ("107.0", svg_charts.PALETTE[1])]
    rates = str(charts.rates)
    assert (
        '<desc id="chart-rates-desc">Orientées dès la réception : 75 %; Envoyées au tri : 25 %; '
        "Acceptées par l&apos;association : 50 %</desc>"
    ).replace("&apos;", "'") in rates
    assert bars(rates) == [
        ("240.0", svg_charts.PALETTE[0]),
        ("80.0", svg_charts.PALETTE[0]),
        ("160.0", svg_charts.PALETTE[0]),
    ]
    acceptance = str(charts.acceptance)
    assert '<desc id="chart-associations-desc">Nord : 50 %; Sud : —</desc>' in acceptance
    assert bars(acceptance) == [("160.0", svg_charts.PALETTE[2]), ("0.0", svg_charts.PALETTE[2])]
    declines = str(charts.declines)
    assert '<desc id="chart-declines-desc">Plus de place : 2; inconnu : 1</desc>' in declines
    assert bars(declines) == [("320.0", svg_charts.PALETTE[1]), ("160.0", svg_charts.PALETTE[1])]
    assert re.findall(r"<text [^>]*>([^<]*)</text>", declines) == ["Plus de place", "2", "inconnu", "1"]


def test_a_volunteer_sign_up_page_is_in_the_volunteers_section(http, settings, clock):
    from chalicelib.domain.operators import parse_operators
    from tests.builders import volunteer

    s = make_memory_services(
        settings, clock, directory=[association("nord-asso", recruits_mentors=True, needs=["scolaire"])]
    )
    s.stores.console.replace_operators(parse_operators(OPERATOR))
    with served(s):
        r = http.post(
            "/api/v1/mentors",
            body=json.dumps(volunteer()).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 201
        reference = json.loads(r.body)["reference"]
        cookie, _ = signed_in(s, OPERATOR)
        page = http.get(f"/console/benevoles/{reference}", headers=cookie)
    assert page.status_code == 200
    assert title_of(page) == f"Candidature {reference} – Réseau Mentorat"
    assert '<a href="/console/benevoles" aria-current="page">Bénévoles</a>' in text(page)


def test_the_requests_queue_speaks_of_requests(http, wired):
    cookie, _ = signed_in(wired, OPERATOR)
    page = text(http.get("/console/demandes?onglet=toutes", headers=cookie))
    assert 'aria-label="Statut des demandes"' in page
    assert "Aucune demande dans cet onglet." in page
