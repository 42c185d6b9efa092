"""The console's directory through app.py's routes, in process, on the in-memory stores:
list, edit, "Simuler" (nothing written), "Enregistrer" (a version), versions and restore,
bounce flags cleared, and the guard on every page and action."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from tests.builders import association, shown, signed_in, youth
from tests.builders import body_text as text
from tests.unit.web.console_directory_forms import edit_fields, get, post, submit, with_value

OPERATOR = "operatrice@reseau.example.org"
ADMIN_OPERATOR = "admin@reseau.example.org"
ADMIN = {"Authorization": "Bearer test-admin-token", "Content-Type": "application/json"}
DIRECTORY = [
    association("first-asso", name="Première", needs=["scolaire"], capacity=5),
    association("second-asso", name="Seconde", needs=["scolaire"]),
]
SETTINGS = dict(rate_limit_count=100)
OPERATORS = f"{OPERATOR},{ADMIN_OPERATOR}:admin"


@pytest.fixture
def session(wired):
    """(cookie header, csrf) of a signed-in operator (not an admin)."""
    return signed_in(wired, OPERATOR)


@pytest.fixture
def admin_session(wired):
    """(cookie header, csrf) of a signed-in admin."""
    return signed_in(wired, ADMIN_OPERATOR)


def routed_request(wired, **overrides):
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission
    from chalicelib.domain.vocabulary import Channel

    s = parse_submission(youth(need="scolaire", **overrides), json=True)
    return wired.intake.accept(NewRequest.from_submission(s, Channel.API), None, None)


# -- the guard ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/console/annuaire", "/console/annuaire/first-asso", "/console/annuaire/nouvelle", "/console/annuaire/versions"],
)
def test_every_directory_page_needs_a_session(http, path):
    r = http.get(path)
    assert r.status_code == 303 and r.headers["Location"] == "/console/connexion"


def test_a_post_without_its_csrf_field_changes_nothing(http, session, wired):
    fields = with_value(edit_fields(http, session, "first-asso"), "capacity", "0")
    r = http.post(
        "/console/annuaire/first-asso",
        body=urlencode([*fields, ("action", "enregistrer")]).encode(),
        headers={**session[0], "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 403
    assert wired.directory.entry("first-asso").capacity == 5
    restore = post(http, session, "/console/annuaire/versions/1/restaurer", {}, csrf=False)
    assert restore.status_code == 403 and len(wired.directory.versions(10)) == 1


# -- list and edit --------------------------------------------------------------------


def test_the_list_shows_each_association_with_its_load_and_capacity(http, session, wired):
    routed_request(wired)
    page = text(get(http, session, "/console/annuaire"))
    assert "Première" in page and "Seconde" in page
    assert "1 / 5" in page and "0 / sans limite" in page
    assert 'href="/console/annuaire/first-asso"' in page


def test_simuler_shows_the_effect_and_writes_nothing_then_enregistrer_saves_a_version(http, session, wired):
    first = routed_request(wired)
    assert first.association["id"] == "first-asso"  # the tie goes to the smaller id
    fields = with_value(edit_fields(http, session, "first-asso"), "capacity", "0")

    simulated = submit(http, session, "/console/annuaire/first-asso", fields, "simuler")
    page = shown(simulated)
    assert simulated.status_code == 200
    assert "capacité : 5 → 0" in page
    assert re.search(r"<th scope=\"row\">Première</th><td>0</td><td>1</td>", page), "one request would leave Première"
    assert re.search(r"<th scope=\"row\">Seconde</th><td>1</td><td>0</td>", page), "...for Seconde"
    assert wired.directory.entry("first-asso").capacity == 5, "Simuler writes nothing"
    assert len(wired.directory.versions(10)) == 1
    assert 'value="0"' in page, "the form keeps the values typed"

    saved = submit(http, session, "/console/annuaire/first-asso", fields, "enregistrer")
    assert saved.status_code == 303 and saved.headers["Location"] == "/console/annuaire?enregistre=2"
    assert wired.directory.entry("first-asso").capacity == 0
    latest = wired.directory.versions(1)[0]
    assert (latest.number, latest.author, latest.summary) == (2, OPERATOR, "1 association modifiée")
    assert "version 2" in text(get(http, session, saved.headers["Location"]))


def test_versions_list_the_diff_and_restore_makes_a_new_version(http, session, wired):
    fields = edit_fields(http, session, "second-asso")
    fields = with_value(with_value(fields, "capacity", "12"), "departements", "59, 62")
    assert submit(http, session, "/console/annuaire/second-asso", fields, "enregistrer").status_code == 303
    page = shown(get(http, session, "/console/annuaire/versions"))
    assert "« Seconde » (second-asso), capacité : sans limite → 12" in page
    assert "« Seconde » (second-asso), départements : 59 → 59, 62" in page
    assert OPERATOR in page
    assert 'action="/console/annuaire/versions/1/restaurer"' in page
    assert 'action="/console/annuaire/versions/2/restaurer"' not in page, "the version in force is not offered"

    r = post(http, session, "/console/annuaire/versions/1/restaurer", {})
    assert r.status_code == 303 and r.headers["Location"] == "/console/annuaire/versions?restauree=1"
    restored = wired.directory.entry("second-asso")
    assert restored.capacity is None and restored.territory.departements == ["59"]
    latest = wired.directory.versions(1)[0]
    assert (
        latest.number == 3 and latest.restored_from == 1 and latest.summary.startswith("restauration de la version 1")
    )
    assert "La version 1 est restaurée : c'est maintenant la version 3" in shown(
        get(http, session, r.headers["Location"])
    )


def test_unknown_territory_codes_and_other_mistakes_are_named_in_french(http, session, wired):
    fields = edit_fields(http, session, "first-asso")
    fields = with_value(with_value(fields, "departements", "59, 99, 2C"), "communes", "59512, 00000")
    fields = with_value(with_value(fields, "age_min", "20"), "age_max", "12")
    r = submit(http, session, "/console/annuaire/first-asso", fields, "enregistrer")
    page = shown(r)
    assert r.status_code == 422
    assert "codes INSEE inconnus : 99, 2C" in page and "codes INSEE inconnus : 00000" in page
    assert "l'âge maximum doit être au moins l'âge minimum" in page
    assert wired.directory.entry("first-asso").territory.departements == ["59"]


def test_a_new_association_is_added_by_an_admin_and_its_id_cannot_be_taken_twice(http, admin_session, wired):
    session = admin_session
    fields = [
        ("id", "nouvelle-asso"),
        ("name", "Nouvelle"),
        ("emails", "contact@nouvelle.example.org"),
        ("active", "on"),
        ("departements", "2a"),
        ("age_min", "11"),
        ("age_max", "18"),
        ("needs[]", "orientation"),
        ("needs[]", "scolaire"),
        ("first_need", "orientation"),
        ("capacity", ""),
        ("recruits_mentors", "on"),
        ("mentor_capacity", "4"),
    ]
    r = submit(http, session, "/console/annuaire/nouvelle", fields, "enregistrer")
    assert r.status_code == 303
    added = wired.directory.entry("nouvelle-asso")
    assert added.territory.departements == ["2A"] and [n.value for n in added.needs] == ["orientation", "scolaire"]
    assert (added.capacity, added.recruits_mentors, added.mentor_capacity) == (None, True, 4)
    # Its form shows what was saved: saving it unchanged changes nothing.
    same = submit(
        http, session, "/console/annuaire/nouvelle-asso", edit_fields(http, session, "nouvelle-asso"), "enregistrer"
    )
    assert same.status_code == 303 and wired.directory.versions(1)[0].changes == ()
    assert wired.directory.entry("nouvelle-asso") == added
    assert wired.directory.versions(2)[1].changes[0] == {"kind": "added", "id": "nouvelle-asso", "name": "Nouvelle"}
    again = submit(http, session, "/console/annuaire/nouvelle", fields, "enregistrer")
    assert again.status_code == 422 and "une association a déjà cet identifiant" in shown(again)


def test_a_bounce_flag_is_listed_and_cleared(http, session, wired):
    wired.stores.mail_log.flag_address(
        "first-asso", "first-asso@asso.example.org", "2026-11-24T08:00:00.000000Z", "5.1.1"
    )
    page = text(get(http, session, "/console/annuaire"))
    assert "Adresse en échec : first-asso@asso.example.org" in page and "Effacer le signalement" in page
    r = post(
        http,
        session,
        "/console/annuaire/signalements/effacer",
        {"association": "first-asso", "address": "first-asso@asso.example.org"},
    )
    assert r.status_code == 303
    assert wired.directory.address_flags() == []
    assert "Adresse en échec" not in text(get(http, session, "/console/annuaire"))


def test_a_directory_put_through_the_api_is_a_version_by_api(http, wired):
    entries = [association("first-asso", name="Première", needs=["scolaire"], capacity=7)]
    r = http.put("/api/v1/admin/associations", body=json.dumps({"associations": entries}).encode(), headers=ADMIN)
    assert r.status_code == 200
    latest = wired.directory.versions(1)[0]
    assert (latest.number, latest.author) == (2, "api")
    assert {c["kind"] for c in latest.changes} == {"changed", "removed"}
