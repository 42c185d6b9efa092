"""More of what the console's pages show, in process: the session cookie read among the
browser's other cookies, the queue's titles, tabs and export link, the export notices,
the notices left by an action (directory saved or flag cleared, version restored, mail
deleted), the directory's order and load, and console addresses that do not exist."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import urlencode

import pytest

from tests.builders import association, signed_in, title_of, youth
from tests.builders import shown as text
from tests.unicode_inputs import CRAFTED_CURSORS

OPERATOR = "operatrice@reseau.example.org"
SETTINGS = dict(rate_limit_count=1000)
DIRECTORY = [
    association("zeta-asso", name="Zêta", needs=["scolaire"], capacity=3),
    association("alpha-asso", name="alpha", needs=["scolaire"]),
]
OPERATORS = OPERATOR


@pytest.fixture
def session(wired):
    return signed_in(wired, OPERATOR)


def current_section(r) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', text(r))


def submit(http, **overrides) -> str:
    r = http.post(
        "/api/v1/requests",
        body=json.dumps(youth(**overrides)).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201
    return json.loads(r.body)["reference"]


# -- the session cookie among others ---------------------------------------------------------


def test_the_session_cookie_is_found_among_the_browsers_other_cookies(http, session):
    value = session[0]["Cookie"].split("=", 1)[1]
    headers = {"Cookie": f'theme=sombre; broken="a b; a,b=c; mentorat_console=; mentorat_console={value}; after=1'}
    r = http.get("/console/demandes", headers=headers)
    assert r.status_code == 200 and OPERATOR in text(r)


@pytest.mark.parametrize(
    "cookie", ["", "theme=sombre", "mentorat_console=", "xmentorat_console=abc", "mentorat_console=forged.value.here"]
)
def test_without_a_genuine_session_cookie_the_console_asks_to_sign_in(http, wired, cookie):
    r = http.get("/console/demandes", headers={"Cookie": cookie} if cookie else {})
    assert r.status_code == 303
    assert r.headers["Location"] == "/console/connexion"
    assert r.headers["Cache-Control"] == "no-store"


def test_a_console_address_that_does_not_exist(http, session):
    anonymous = http.get("/console/nulle-part")
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == "/console/connexion"
    r = http.get("/console/nulle-part", headers=session[0])
    assert r.status_code == 404
    assert title_of(r) == "Erreur : page introuvable – Réseau Mentorat"
    unknown_action = http.post(
        "/console/demandes/MNT-X/danser",
        body=b"",
        headers={**session[0], "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unknown_action.status_code == 404


# -- the queue ----------------------------------------------------------------------------------


def test_the_queue_is_titled_by_its_tab_and_exports_its_filtered_view(http, session):
    submit(http)
    first = http.get("/console/demandes", headers=session[0])
    assert first.status_code == 200
    assert title_of(first) == "Demandes : À trier – Réseau Mentorat"
    assert "<h1>Demandes</h1>" in text(first)
    assert "/console/demandes" in current_section(first)
    waiting = http.get("/console/demandes?onglet=en-attente&besoin=scolaire", headers=session[0])
    assert title_of(waiting) == "Demandes : En attente – Réseau Mentorat"
    page = text(waiting)
    assert '<a href="/console/export/demandes?onglet=en-attente&besoin=scolaire">Exporter en CSV</a>' in page
    assert '<a href="/console/demandes?onglet=toutes&besoin=scolaire">Toutes (1)</a>' in page
    assert "Page suivante" not in page and "Première page" not in page


@pytest.mark.parametrize("path", ["/console/demandes", "/console/benevoles"])
@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_a_cursor_that_is_not_ours_gets_a_page_saying_so_with_the_way_back(http, session, path, cursor):
    submit(http)
    r = http.get(
        f"{path}?" + urlencode({"onglet": "en-attente", "besoin": "scolaire", "page": cursor}), headers=session[0]
    )
    assert r.status_code == 400
    assert title_of(r) == "Erreur : Lien de page invalide – Réseau Mentorat"
    page = text(r)
    assert "Ce lien ne mène à aucune page de cette liste : il a sans doute été modifié ou coupé." in page
    assert f'<a href="{path}?onglet=en-attente&besoin=scolaire">Revenir à la première page</a>' in page


def test_the_volunteers_queue_has_its_own_words_and_no_export(http, session):
    r = http.get("/console/benevoles", headers=session[0])
    assert r.status_code == 200
    page = text(r)
    assert "<h1>Bénévoles</h1>" in page
    assert title_of(r) == "Bénévoles : À trier – Réseau Mentorat"
    assert "/console/benevoles" in current_section(r)
    assert "Exporter en CSV" not in page


def test_an_unknown_done_word_leaves_no_notice(http, session):
    ref = submit(http)
    r = http.get(f"/console/demandes/{ref}?fait=bravo", headers=session[0])
    assert r.status_code == 200
    assert "notice--success" not in text(r)


# -- exports' notices -----------------------------------------------------------------------------


def test_the_queue_export_notice_names_what_the_file_holds(http, session):
    r = http.get("/console/export/demandes?onglet=en-attente&besoin=scolaire", headers=session[0])
    assert r.status_code == 200
    assert title_of(r) == "Exporter en CSV – Réseau Mentorat"
    page = text(r)
    assert (
        "Le fichier contiendra la liste des demandes telle qu'elle est filtrée. Il décrit des demandes de jeunes"
        in page
    )
    assert '<form method="post" action="/console/export/demandes?onglet=en-attente&besoin=scolaire">' in page
    assert '<a href="/console/demandes?onglet=en-attente&besoin=scolaire">Annuler</a>' in page
    assert current_section(r) == ["/console/demandes"]


def test_the_statistics_export_notice_keeps_the_period(http, session):
    r = http.get("/console/export/statistiques?periode=52", headers=session[0])
    assert r.status_code == 200
    page = text(r)
    assert "Le fichier contiendra les statistiques de la période. Il ne contient que des nombres" in page
    assert '<form method="post" action="/console/export/statistiques?periode=52">' in page
    assert '<a href="/console/statistiques?periode=52">Annuler</a>' in page
    assert current_section(r) == ["/console/statistiques"]
    default = text(http.get("/console/export/statistiques?periode=5", headers=session[0]))
    assert '<form method="post" action="/console/export/statistiques?periode=12">' in default


def test_the_volunteers_statistics_page(http, session, wired):
    r = http.get("/console/statistiques/benevoles", headers=session[0])
    assert r.status_code == 200
    assert title_of(r) == "Statistiques des bénévoles – Réseau Mentorat"
    assert "Exporter en CSV" not in text(r)


# -- notices ----------------------------------------------------------------------------------------


def test_the_quarantine_says_a_mail_was_deleted(http, session):
    r = http.get("/console/quarantaine?fait=supprime", headers=session[0])
    assert r.status_code == 200
    assert title_of(r) == "Quarantaine – Réseau Mentorat"
    assert "<p>Le message a été supprimé.</p>" in text(r)
    assert current_section(r) == ["/console/quarantaine"]
    assert "Le message a été supprimé." not in text(http.get("/console/quarantaine", headers=session[0]))


def test_the_directory_list_is_in_name_order_with_its_notices(http, session):
    page = text(http.get("/console/annuaire?enregistre=2", headers=session[0]))
    assert "<p>Modification enregistrée : c'est la version 2 de l'annuaire.</p>" in page
    assert page.index('href="/console/annuaire/alpha-asso"') < page.index('href="/console/annuaire/zeta-asso"')
    assert "0 / 3" in page and "0 / sans limite" in page
    assert "Modification enregistrée" not in text(http.get("/console/annuaire?enregistre=deux", headers=session[0]))
    cleared = text(http.get("/console/annuaire?signalement=efface", headers=session[0]))
    assert "<p>Le signalement est effacé.</p>" in cleared
    assert "Le signalement est effacé." not in text(http.get("/console/annuaire?signalement=oui", headers=session[0]))


def test_the_versions_page_says_which_version_was_restored(http, session):
    page = text(http.get("/console/annuaire/versions?restauree=1", headers=session[0]))
    assert "La version 1 est restaurée : c'est maintenant la version 1." in page
    assert "<h2>Version 1 (en vigueur)</h2>" in page
    assert "est restaurée" not in text(http.get("/console/annuaire/versions?restauree=un", headers=session[0]))


def test_the_versions_page_pages_twenty_at_a_time(http, session, wired):
    from chalicelib.domain.operators import Role
    from chalicelib.services.directory import validate_entries

    current, _ = wired.directory.directory()
    for n in range(2, 23):
        wired.directory.save(
            validate_entries([{**a.model_dump(mode="json"), "capacity": n} for a in current]),
            OPERATOR,
            role=Role.OPERATOR,
        )
    first = text(http.get("/console/annuaire/versions", headers=session[0]))
    assert re.findall(r"<h2>Version (\d+)", first) == [str(n) for n in range(22, 2, -1)]
    assert '<a href="/console/annuaire/versions?avant=3">Versions plus anciennes</a>' in first
    older = text(http.get("/console/annuaire/versions?avant=3", headers=session[0]))
    assert re.findall(r"<h2>Version (\d+)", older) == ["2", "1"]
    assert "Versions plus anciennes" not in older
    assert "(en vigueur)" not in older, "the version in force is 22, not on this page"
    assert 'action="/console/annuaire/versions/2/restaurer"' in older
    assert 'action="/console/annuaire/versions/1/restaurer"' in older


def test_a_new_associations_form_starts_active_for_ages_6_to_25(http, session):
    page = text(http.get("/console/annuaire/nouvelle", headers=session[0]))
    tags = {name: tag for tag in re.findall(r"<input[^>]*>", page) for name in re.findall(r'name="([^"]+)"', tag)}
    assert re.search(r'value="6"', tags["age_min"]) and re.search(r'value="25"', tags["age_max"])
    assert " checked" in tags["active"]
    assert re.search(r'value=""', tags["id"]) and re.search(r'value=""', tags["capacity"])
