"""The console's directory pages in process, what the operator reads: titles, the
navigation, the "Simuler" page's coverage scope and triage reasons in French, the times
of versions, the flag-cleared and restore answers, and each association's territory."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.builders import association, signed_in, title_of, youth
from tests.builders import shown as text

OPERATOR = "operatrice@reseau.example.org"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECTORY = [association("first-asso", name="Première", needs=["scolaire"], capacity=5)]
FIELDS = [
    ("name", "Première"),
    ("emails", "first-asso@asso.example.org"),
    ("active", "on"),
    ("departements", "59"),
    ("age_min", "6"),
    ("age_max", "30"),
    ("needs[]", "scolaire"),
    ("first_need", "scolaire"),
    ("capacity", "5"),
]
SETTINGS = dict(rate_limit_count=100)
OPERATORS = OPERATOR


@pytest.fixture
def session(wired):
    return signed_in(wired, OPERATOR)


def get(http, session, path):
    return http.get(path, headers=session[0])


def post(http, session, path, fields):
    body = urlencode([*fields, ("csrf", session[1])]).encode()
    return http.post(path, body=body, headers={**session[0], **FORM})


def routed_request(wired):
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission
    from chalicelib.domain.vocabulary import Channel

    s = parse_submission(youth(need="scolaire"), json=True)
    return wired.intake.accept(NewRequest.from_submission(s, Channel.API), None, None)


def with_value(fields, name, value):
    return [(k, v) for k, v in fields if k != name] + ([(name, value)] if value is not None else [])


# -- pages, titles, navigation ------------------------------------------------------------


def test_the_list_is_a_console_page_of_the_directory_section(http, session):
    r = get(http, session, "/console/annuaire")
    assert r.status_code == 200
    assert title_of(r) == "Annuaire – Réseau Mentorat"
    page = text(r)
    assert '<a href="/console/annuaire" aria-current="page">Annuaire</a>' in page
    assert "Se déconnecter" in page and OPERATOR in page


def test_the_forms_are_titled_by_the_association_or_as_new(http, session, wired):
    edit = get(http, session, "/console/annuaire/first-asso")
    assert edit.status_code == 200
    assert title_of(edit) == "Modifier : Première – Réseau Mentorat"
    assert 'action="/console/annuaire/first-asso"' in text(edit)
    assert '<a href="/console/annuaire" aria-current="page">Annuaire</a>' in text(edit)
    days = wired.settings.simulation_days
    assert f"« Simuler » montre l'effet du changement sur les demandes des {days} derniers jours" in text(edit)
    new = get(http, session, "/console/annuaire/nouvelle")
    assert new.status_code == 200
    assert title_of(new) == "Nouvelle association – Réseau Mentorat"
    assert 'action="/console/annuaire/nouvelle"' in text(new)


def test_an_unknown_association_is_not_found(http, session, wired):
    assert get(http, session, "/console/annuaire/absente").status_code == 404
    r = post(http, session, "/console/annuaire/absente", [*FIELDS, ("action", "enregistrer")])
    assert r.status_code == 404
    assert len(wired.directory.versions(10)) == 1


def test_a_refused_form_keeps_the_title_of_its_association(http, session):
    r = post(http, session, "/console/annuaire/first-asso", [*with_value(FIELDS, "name", ""), ("action", "simuler")])
    assert r.status_code == 422
    assert title_of(r) == "Modifier : Première – Réseau Mentorat"
    assert "indiquez le nom de l'association" in text(r)


# -- "Simuler" ---------------------------------------------------------------------------------


def test_simuler_looks_for_gaps_where_requests_came_from_unless_asked_for_all(http, session, wired):
    routed_request(wired)
    fields = with_value(FIELDS, "capacity", "3")
    here = post(http, session, "/console/annuaire/first-asso", [*fields, ("action", "simuler")])
    assert here.status_code == 200
    page = text(here)
    assert "Départements examinés : ceux d'où viennent les demandes de la période." in page
    assert 'name="couverture" value="tous">' in page, "the box stays unchecked"
    everywhere = post(
        http, session, "/console/annuaire/first-asso", [*fields, ("couverture", "tous"), ("action", "simuler")]
    )
    page = text(everywhere)
    assert everywhere.status_code == 200
    assert "Départements examinés : tous les départements." in page
    assert 'name="couverture" value="tous" checked>' in page, "the box stays checked"
    other = post(http, session, "/console/annuaire/first-asso", [*fields, ("couverture", "oui"), ("action", "simuler")])
    assert "Départements examinés : ceux d'où viennent les demandes de la période." in text(other)
    assert wired.directory.entry("first-asso").capacity == 5, "Simuler writes nothing"


def test_simuler_gives_triage_reasons_in_french(http, session, wired):
    ref = routed_request(wired).reference
    inactive = with_value(FIELDS, "active", None)
    r = post(http, session, "/console/annuaire/first-asso", [*inactive, ("action", "simuler")])
    assert r.status_code == 200
    page = text(r)
    assert "<tr><td>aucune association active dans l'annuaire</td><td>1</td></tr>" in page
    assert f"<li>{ref} : Première → à trier (aucune association active dans l'annuaire)</li>" in page


# -- versions, flags, restore ----------------------------------------------------------------


def test_versions_are_dated_in_paris_time(http, session, wired):
    r = get(http, session, "/console/annuaire/versions")
    assert r.status_code == 200
    assert title_of(r) == "Versions de l'annuaire – Réseau Mentorat"
    saved = post(
        http, session, "/console/annuaire/first-asso", [*with_value(FIELDS, "capacity", "4"), ("action", "enregistrer")]
    )
    assert saved.status_code == 303
    page = text(get(http, session, "/console/annuaire/versions"))
    assert f"Le 24/11/2026 à 10:00, par {OPERATOR}" in page


def test_clearing_a_flag_returns_to_the_flags_with_a_notice(http, session, wired):
    wired.stores.mail_log.flag_address(
        "first-asso", "first-asso@asso.example.org", "2026-11-24T08:00:00.000000Z", "5.1.1"
    )
    listed = text(get(http, session, "/console/annuaire"))
    assert "24/11/2026 à 09:00" in listed
    r = post(
        http,
        session,
        "/console/annuaire/signalements/effacer",
        [("association", "first-asso"), ("address", "first-asso@asso.example.org")],
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/console/annuaire?signalement=efface#signalements"
    assert wired.directory.address_flags() == []


def test_a_version_the_rules_now_refuse_is_not_restored(http, session, wired, monkeypatch):
    from chalicelib.services import directory
    from chalicelib.services.directory import InvalidDirectory

    def refuse(entries):
        raise InvalidDirectory([{"field": "associations[0].emails", "message": "now refused"}])

    monkeypatch.setattr(directory, "validate_entries", refuse)
    r = post(http, session, "/console/annuaire/versions/1/restaurer", [])
    assert r.status_code == 422
    assert title_of(r) == "Erreur : Version non restaurable – Réseau Mentorat"
    page = text(r)
    assert (
        '<p class="lead">La version 1 ne respecte plus les règles de l\'annuaire : elle ne peut pas être restaurée.</p>'
    ) in page
    assert '<a href="/console/annuaire/versions">Revenir aux versions</a>' in page
    assert len(wired.directory.versions(10)) == 1


@pytest.mark.parametrize("number", ["99", "un"])
def test_restoring_a_version_that_does_not_exist_is_not_found(http, session, wired, number):
    r = post(http, session, f"/console/annuaire/versions/{number}/restaurer", [])
    assert r.status_code == 404
    assert len(wired.directory.versions(10)) == 1


# -- French of the list: territories and triage reasons ---------------------------------------


def summary(**territory):
    from chalicelib.services.directory import validate_entries
    from chalicelib.web.console_directory import territory_summary

    (a,) = validate_entries([association("a", **territory)])
    return territory_summary(a)


def test_each_territory_is_summed_up_in_french():
    assert summary() == "départements : 59"
    assert summary(national=True, departements=[]) == "national"
    assert summary(departements=[], regions=["32", "11"]) == "régions : Hauts-de-France, Île-de-France"
    assert summary(national=True, regions=["32"], departements=["59", "62"], communes=["59350", "59512", "59009"]) == (
        "national ; régions : Hauts-de-France ; départements : 59, 62 ; communes : 59350, 59512, 59009"
    )
    assert summary(departements=[], communes=["59350", "59512", "59009", "59599"]) == "4 communes"
    assert summary(departements=[], communes=["59350"]) == "communes : 59350"


def test_a_territory_with_nothing_is_summed_up_as_none():
    from types import SimpleNamespace

    from chalicelib.web.console_directory import territory_summary

    empty = SimpleNamespace(territory=SimpleNamespace(national=False, regions=[], departements=[], communes=[]))
    assert territory_summary(empty) == "aucun"


@pytest.mark.parametrize(
    "reason, french",
    [
        ("no association covers département 59", "aucune association ne couvre le département 59"),
        ("no association covers commune 59350", "aucune association ne couvre la commune 59350"),
        (
            "no association in the territory takes this age",
            "hors tranche d'âge : aucune association du territoire ne prend cet âge",
        ),
        (
            "no association in the territory takes situation emploi",
            "aucune association du territoire ne prend la situation emploi",
        ),
        (
            "no association in the territory offers need scolaire",
            "aucune association du territoire ne propose le besoin scolaire",
        ),
        ("all candidates at capacity", "toutes les associations possibles sont à pleine capacité"),
        ("every candidate declined this request", "toutes les associations possibles l'ont refusée"),
        ("no association takes these publics", "aucune association ne prend ces publics"),
        ("no active association in the directory", "aucune association active dans l'annuaire"),
        ("no usable postal code", "pas de code postal utilisable"),
        ("no need given", "besoin non indiqué"),
        ("no age given", "âge non indiqué"),
        ("no association covers département ", "no association covers département "),
        ("something new", "something new"),
        ("no need given, really", "no need given, really"),
        (None, ""),
        (
            "all candidates at capacity; national associations: every candidate declined this request",
            "toutes les associations possibles sont à pleine capacité ; associations nationales : "
            "toutes les associations possibles l'ont refusée",
        ),
    ],
)
def test_triage_reasons_read_in_french(reason, french):
    from chalicelib.web.console_directory import french_reason

    assert french_reason(reason) == french


def test_a_save_refused_at_the_last_moment_shows_the_form_again(http, session, wired, monkeypatch):
    from chalicelib.services.directory import InvalidDirectory

    def taken(entry, author, new, role):
        raise InvalidDirectory([{"field": "id", "id": "first-asso", "message": "id already in use"}])

    monkeypatch.setattr(wired.directory, "save_entry", taken)
    r = post(
        http, session, "/console/annuaire/first-asso", [*with_value(FIELDS, "capacity", "4"), ("action", "enregistrer")]
    )
    assert r.status_code == 422
    assert title_of(r) == "Modifier : Première – Réseau Mentorat"
    assert "une association a déjà cet identifiant" in text(r)
    assert 'name="capacity"' in text(r) and 'value="4"' in text(r)


def test_the_list_shows_each_associations_territory(http, session):
    page = text(get(http, session, "/console/annuaire"))
    assert "<td>départements : 59</td>" in page


def test_undecodable_bytes_in_the_form_are_read_not_fatal(http, session, wired):
    fields = urlencode([*with_value(FIELDS, "name", "Première"), ("action", "simuler"), ("csrf", session[1])]).encode()
    body = fields + b"&needs[]=%FF&needs[]=\xff"
    r = http.post("/console/annuaire/first-asso", body=body, headers={**session[0], **FORM})
    assert r.status_code == 200
    assert title_of(r) == "Modifier : Première – Réseau Mentorat"
