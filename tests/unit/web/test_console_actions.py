"""The console's request actions and statistics pages in process, as the operator sees
them: where each action leads and the notice it leaves, a refusal shown on the request's
page, the missing request's page, the period and section of the statistics page, the
CSV file's headers, the quarantine's answers; and the statistics' charts from a report."""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from tests.builders import association, signed_in, title_of, youth
from tests.builders import shown as text

OPERATOR = "operatrice@reseau.example.org"
ADMIN_EMAIL = "admin@reseau.example.org"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SETTINGS = dict(rate_limit_count=1000, keep_raw_mail=True)
DIRECTORY = [
    association("nord-asso", name="Nord", needs=["scolaire"], capacity=5),
    association("autre-asso", name="Autre", needs=["scolaire"], capacity=5),
]
OPERATORS = f"{OPERATOR},{ADMIN_EMAIL}:admin"


@pytest.fixture
def session(wired):
    return signed_in(wired, OPERATOR)


def submit(http, **overrides) -> str:
    r = http.post(
        "/api/v1/requests",
        body=json.dumps(youth(**overrides)).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201
    return json.loads(r.body)["reference"]


def act(http, session, path, **fields):
    body = urlencode({"csrf": session[1], **fields}).encode()
    return http.post(path, body=body, headers={**session[0], **FORM})


# -- request actions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, fields, done, notice",
    [
        ("router", {"confirmer": "on"}, "routee", "La demande a été routée à nouveau."),
        ("clore", {"motif": "duplicate"}, "close", "La demande est close."),
        ("renvoyer", {}, "renvoye", "L'e-mail a été renvoyé à l'association."),
        (
            "attribuer",
            {"association": "autre-asso", "motif": "plus proche"},
            "attribuee",
            "La demande est attribuée : l'association va recevoir l'e-mail.",
        ),
    ],
)
def test_each_action_leads_back_to_the_request_with_its_notice(http, session, action, fields, done, notice):
    ref = submit(http)
    r = act(http, session, f"/console/demandes/{ref}/{action}", **fields)
    assert r.status_code == 303
    assert r.headers["Location"] == f"/console/demandes/{ref}?fait={done}"
    page = http.get(r.headers["Location"], headers=session[0])
    assert page.status_code == 200
    assert title_of(page) == f"Demande {ref} – Réseau Mentorat"
    assert f'<div class="notice notice--success" role="status" tabindex="-1" autofocus><p>{notice}</p></div>' in text(
        page
    )
    assert '<a href="/console/demandes" aria-current="page">Demandes</a>' in text(page)


def test_a_refused_action_is_shown_on_the_requests_page(http, session):
    ref = submit(http)
    r = act(http, session, f"/console/demandes/{ref}/clore", motif="pas-un-motif")
    assert r.status_code in (400, 409, 422)
    assert "Location" not in r.headers
    page = text(r)
    assert title_of(r) == f"Demande {ref} – Réseau Mentorat"
    assert re.search(r'<div class="error-summary" role="alert"[^>]*>.*?<p>[^<]+</p>', page, re.S)


def test_an_assignment_that_contention_keeps_refusing_asks_to_come_back_later(http, session, wired, monkeypatch):
    from chalicelib.services.ports import Refusal, Rejected

    ref = submit(http)

    def always_contended(change):
        raise Rejected(Refusal.CAPACITY)

    monkeypatch.setattr(wired.stores.requests, "commit_change", always_contended)
    r = act(http, session, f"/console/demandes/{ref}/attribuer", association="autre-asso", motif="plus proche")
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "30"
    assert "L'association est très sollicitée en ce moment : réessayez." in text(r)
    assert title_of(r) == f"Demande {ref} – Réseau Mentorat"


def test_a_request_that_does_not_exist_has_its_own_page(http, session):
    r = http.get("/console/demandes/MNT-ZZZZ-9999", headers=session[0])
    assert r.status_code == 404
    assert title_of(r) == "Demande introuvable – Réseau Mentorat"
    page = text(r)
    assert "<h1>Demande introuvable</h1>" in page
    assert "Aucune demande ne porte la référence « MNT-ZZZZ-9999 »" in page
    assert '<a href="/console/demandes" aria-current="page">Demandes</a>' in page
    acted = act(http, session, "/console/demandes/MNT-ZZZZ-9999/renvoyer")
    assert acted.status_code == 404 and "<h1>Demande introuvable</h1>" in text(acted)


# -- statistics ------------------------------------------------------------------------------------


def test_the_statistics_page_takes_the_period_asked_for(http, session):
    r = http.get("/console/statistiques?periode=52", headers=session[0])
    assert r.status_code == 200
    assert title_of(r) == "Statistiques – Réseau Mentorat"
    page = text(r)
    assert '<option value="52" selected>' in page and '<option value="12" selected>' not in page
    assert 'href="/console/export/statistiques?periode=52"' in page
    assert '<a href="/console/statistiques" aria-current="page">Statistiques</a>' in page
    assert '<form method="get" action="/console/statistiques" class="stats-period">' in page
    assert '<title id="chart-weekly-title">Demandes reçues par semaine et par canal</title>' in page
    assert '<title id="chart-associations-title">Taux d\'acceptation par association</title>' in page
    assert '<title id="chart-declines-title">Refus par motif</title>' in page


def test_the_volunteers_statistics_page_counts_sign_ups(http, session):
    r = http.get("/console/statistiques/benevoles", headers=session[0])
    assert r.status_code == 200
    page = text(r)
    assert '<form method="get" action="/console/statistiques/benevoles" class="stats-period">' in page
    assert '<title id="chart-weekly-title">Candidatures reçues par semaine et par canal</title>' in page


def test_the_statistics_export_is_a_csv_attachment_never_stored(http, session):
    r = act(http, session, "/console/export/statistiques?periode=4")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="statistiques-4-semaines-[^"]+\.csv"', r.headers["Content-Disposition"])
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_the_quarantine_answers_unknown_mails_with_not_found(http, session):
    for action in ("retraiter", "supprimer"):
        r = act(http, session, f"/console/quarantaine/inconnu/{action}")
        assert r.status_code == 404, action
        assert title_of(r) == "Erreur : page introuvable – Réseau Mentorat"


def test_deleting_a_quarantined_mail_leads_back_to_the_quarantine(http, session, wired):
    key = wired.mail_intake.raw_store.put(b"From: x@example.net\r\nSubject: test\r\n\r\nBonjour\r\n")
    now = wired.clock.now()
    wired.stores.mail_log.quarantine(
        now.iso,
        {"reason": "no usable sender address", "raw_key": key, "envelope_sender": "x@example.net"},
        now.epoch + 86400,
    )
    listing = text(http.get("/console/quarantaine", headers=session[0]))
    link = re.search(r'href="/console/quarantaine/([A-Za-z0-9_-]+)"', listing).group(1)
    r = act(http, session, f"/console/quarantaine/{link}/supprimer")
    assert r.status_code == 303
    assert r.headers["Location"] == "/console/quarantaine?fait=supprime"


# -- the charts of a report ---------------------------------------------------------------------


def report(**overrides):
    base = dict(
        weeks=["2026-11-02", "2026-11-09"],
        channels=["form", "api"],
        weekly={"2026-11-02": {"form": 2, "api": 1}, "2026-11-09": {"form": 1}},
        received=4,
        first_day="02/11/2026",
        last_day="15/11/2026",
        routed_rate=0.75,
        triage_rate=0.25,
        acceptance_rate=None,
        associations=[],
        declines={},
    )
    base.update(overrides)
    return SimpleNamespace(**base)


def svg_texts(markup) -> list[str]:
    return re.findall(r"<text [^>]*>([^<]*)</text>", str(markup))


def test_the_charts_of_a_report_name_their_figures():
    from chalicelib.web.console_stats import charts_of

    charts = charts_of(report(), {"form": "Formulaire", "api": "API"}, "demandes")
    weekly = str(charts.weekly)
    assert '<title id="chart-weekly-title">Demandes reçues par semaine et par canal</title>' in weekly
    assert (
        '<desc id="chart-weekly-desc">4 demandes reçues du 02/11/2026 au 15/11/2026, par semaine et par canal.</desc>'
    ) in weekly
    assert svg_texts(weekly)[-4:] == ["02/11", "09/11", "Formulaire", "API"]
    rates = str(charts.rates)
    assert "<title id=\"chart-rates-title\">Taux d'orientation, de tri et d'acceptation</title>" in rates
    assert svg_texts(rates) == [
        "Orientées dès la réception",
        "75 %",
        "Envoyées au tri",
        "25 %",
        "Acceptées par l'association",
        "—",
    ]
    acceptance = str(charts.acceptance)
    assert '<desc id="chart-associations-desc">Aucune donnée</desc>' in acceptance
    assert svg_texts(acceptance) == ["Aucune donnée sur la période"]
    declines = str(charts.declines)
    assert '<desc id="chart-declines-desc">Aucun refus</desc>' in declines


def test_the_acceptance_chart_shows_the_first_fifteen_associations():
    from chalicelib.web.console_stats import charts_of

    associations = [SimpleNamespace(name=f"Asso {i:02d}", acceptance=i / 20) for i in range(16)]
    charts = charts_of(report(associations=associations, declines={"complet": 2}))
    acceptance = str(charts.acceptance)
    names = [t for t in svg_texts(acceptance) if t.startswith("Asso")]
    assert names == [f"Asso {i:02d}" for i in range(15)]
    assert "Asso 15" not in acceptance
    assert "Asso 00 : 0 %; Asso 01 : 5 %" in acceptance
    assert '<title id="chart-weekly-title">Demandes reçues par semaine et par canal</title>' in str(charts.weekly)
    declines = str(charts.declines)
    assert "2" in svg_texts(declines)


def test_an_assignment_keeps_the_operators_reason_in_the_timeline(http, session):
    ref = submit(http)
    r = act(
        http, session, f"/console/demandes/{ref}/attribuer", association="autre-asso", motif="plus proche du collège"
    )
    assert r.status_code == 303
    page = text(http.get(r.headers["Location"], headers=session[0]))
    assert "plus proche du collège" in page
    events = json.loads(http.get(f"/api/v1/requests/{ref}", headers={"Authorization": "Bearer test-admin-token"}).body)[
        "events"
    ]
    assert any("plus proche du collège" in json.dumps(e, ensure_ascii=False) for e in events)
