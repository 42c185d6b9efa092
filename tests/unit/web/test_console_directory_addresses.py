"""Who may change where an association's requests are mailed, in process on the
in-memory stores: an operator who is not an admin is refused (403, the form kept,
nothing saved, nothing mailed) when a save or a restore would change an association's
addresses, and keeps saving everything else; an admin's change (console, restore, the
API's admin token) is saved and its previous addresses are mailed a notice through the
outbox; every version names who saved it, and with which role."""

from __future__ import annotations

import json
import re

import pytest

from tests.builders import association, shown, signed_in
from tests.integration.mail_stream import read_outbox
from tests.unit.web.console_directory_forms import edit_fields, get, post, submit, with_value

AGENT = "operatrice@reseau.example.org"
ADMIN = "admin@reseau.example.org"
TOKEN = {"Authorization": "Bearer test-admin-token", "Content-Type": "application/json"}
OLD = "first-asso@asso.example.org"
PERSONAL = "quelqu.un@perso.example.net"
SUBJECT = "L'adresse qui reçoit les demandes de mentorat a changé : "
DIRECTORY = [
    association("first-asso", name="Première", needs=["scolaire"], capacity=5),
    association("pair-asso", name="Les Deux", emails=["accueil@deux.example.org", "direction@deux.example.org"]),
]


SETTINGS = dict(rate_limit_count=100)
OPERATORS = f"{AGENT},{ADMIN}:admin"


@pytest.fixture(autouse=True)
def _outbox_read(wired):
    read_outbox(wired)  # nothing mailed by the seed; the folder starts empty


@pytest.fixture
def agent(wired):
    """(cookie header, csrf) of a signed-in operator (not an admin)."""
    return signed_in(wired, AGENT)


@pytest.fixture
def admin(wired):
    """(cookie header, csrf) of a signed-in admin."""
    return signed_in(wired, ADMIN)


def notices(wired):
    return [m for m in read_outbox(wired) if m["Subject"].startswith(SUBJECT)]


def body(m, kind: str) -> str:
    return m.get_body((kind,)).get_content()


def save_emails(http, session, association_id, emails):
    fields = with_value(edit_fields(http, session, association_id), "emails", emails)
    return submit(http, session, f"/console/annuaire/{association_id}", fields, "enregistrer")


def addresses(wired, association_id):
    return wired.directory.entry(association_id).emails


# -- an operator who is not an admin ---------------------------------------------------


@pytest.mark.parametrize(
    "association_id, emails",
    [
        ("first-asso", PERSONAL),  # replaced
        ("first-asso", f"{OLD}\n{PERSONAL}"),  # one added
        ("pair-asso", "direction@deux.example.org"),  # one removed
        (
            "pair-asso",
            "direction@deux.example.org\naccueil@deux.example.org",
        ),  # reordered: the first one gets the requests
    ],
)
def test_an_agents_address_change_is_refused_and_loses_nothing(http, agent, wired, association_id, emails):
    before = addresses(wired, association_id)
    r = save_emails(http, agent, association_id, emails)
    assert r.status_code == 403
    page = shown(r)
    assert "seul un administrateur peut changer les adresses d'une association" in page
    assert "Rien n'a été enregistré" in page and "demandez ce changement à un administrateur du réseau" in page
    assert re.search(r'<textarea[^>]*id="emails"[^>]*>([^<]*)</textarea>', page).group(1) == emails, (
        "what was typed is kept"
    )
    assert addresses(wired, association_id) == before
    assert wired.directory.versions(5)[0].number == 1, "no version saved"
    assert notices(wired) == []


def test_an_agent_cannot_add_an_association(http, agent, wired):
    fields = [
        ("id", "perso-asso"),
        ("name", "Perso"),
        ("emails", PERSONAL),
        ("active", "on"),
        ("national", "on"),
        ("age_min", "6"),
        ("age_max", "30"),
        ("needs[]", "scolaire"),
        ("first_need", "scolaire"),
    ]
    r = submit(http, agent, "/console/annuaire/nouvelle", fields, "enregistrer")
    assert r.status_code == 403
    assert "seul un administrateur peut ajouter une association" in shown(r)
    assert wired.directory.entry("perso-asso") is None and notices(wired) == []


def test_an_agents_other_edits_still_save_and_mail_nothing(http, agent, wired):
    fields = with_value(edit_fields(http, agent, "first-asso"), "capacity", "2")
    r = submit(http, agent, "/console/annuaire/first-asso", fields, "enregistrer")
    assert r.status_code == 303
    assert wired.directory.entry("first-asso").capacity == 2 and addresses(wired, "first-asso") == [OLD]
    assert (wired.directory.versions(1)[0].author, wired.directory.versions(1)[0].role) == (AGENT, "operator")
    assert notices(wired) == []


def test_an_agents_form_read_before_an_admins_address_change_cannot_undo_it(http, agent, admin, wired):
    stale = with_value(edit_fields(http, agent, "first-asso"), "capacity", "2")
    assert save_emails(http, admin, "first-asso", "nouvelle@premiere.example.org").status_code == 303
    r = submit(http, agent, "/console/annuaire/first-asso", stale, "enregistrer")
    assert r.status_code == 403
    assert addresses(wired, "first-asso") == ["nouvelle@premiere.example.org"]


# -- an admin ----------------------------------------------------------------------------


def test_an_admins_address_change_is_saved_and_the_previous_address_is_told(http, admin, wired, settings):
    r = save_emails(http, admin, "first-asso", PERSONAL)
    assert r.status_code == 303
    assert addresses(wired, "first-asso") == [PERSONAL]
    (notice,) = notices(wired)
    assert notice["To"] == OLD, "the previous address is told, not the new one"
    assert notice["From"] == settings.mail_from and notice["Reply-To"] == settings.legal_publisher_contact
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Date"] and re.fullmatch(r"<[^<>@\s]+@lementorat\.fr>", notice["Message-ID"])
    assert notice["Subject"] == SUBJECT + "Première"
    for kind in ("plain", "html"):
        text = body(notice, kind).replace("&nbsp;", " ")
        assert "l'association « Première » ont changé le 24/11/2026 à 10:00 (heure de Paris)" in text
        assert f"Avant : {OLD}" in text and f"Désormais : {PERSONAL}" in text
        assert "par un administrateur du réseau depuis la console." in text
        assert settings.legal_publisher_contact in text
        assert ADMIN not in text, "the notice names a role, not the operator's address"


def test_each_previous_address_is_told_once(http, admin, wired):
    assert save_emails(http, admin, "pair-asso", "direction@deux.example.org").status_code == 303
    assert sorted(m["To"] for m in notices(wired)) == ["accueil@deux.example.org", "direction@deux.example.org"]


# -- restore --------------------------------------------------------------------------------


def test_an_agents_restore_that_changes_addresses_is_refused_and_an_admins_passes(http, agent, admin, wired):
    assert save_emails(http, admin, "first-asso", PERSONAL).status_code == 303
    read_outbox(wired)  # the notice of that change, out of the way
    before = [m["Message-ID"] for m in read_outbox(wired)]

    r = post(http, agent, "/console/annuaire/versions/1/restaurer", {})
    assert r.status_code == 403
    page = shown(r)
    assert "Restaurer la version 1 changerait les adresses e-mail de « Première » (first-asso)" in page
    assert "seul un administrateur du réseau peut les changer" in page
    assert "Rien n'a été modifié ; demandez à un administrateur de restaurer cette version" in page
    assert addresses(wired, "first-asso") == [PERSONAL] and wired.directory.versions(1)[0].number == 2
    assert [m["Message-ID"] for m in read_outbox(wired)] == before, "nothing mailed"

    r = post(http, admin, "/console/annuaire/versions/1/restaurer", {})
    assert r.status_code == 303
    assert addresses(wired, "first-asso") == [OLD]
    restored = [m for m in notices(wired) if m["Message-ID"] not in before]
    assert [m["To"] for m in restored] == [PERSONAL]
    assert "depuis la console, en restaurant une version précédente de l'annuaire." in body(restored[0], "plain")


def test_an_agent_sees_who_may_restore_a_version_that_changes_addresses(http, agent, admin, wired):
    assert save_emails(http, admin, "first-asso", PERSONAL).status_code == 303
    page = shown(get(http, agent, "/console/annuaire/versions/1"))
    assert "La restaurer changerait les adresses e-mail de « Première » (first-asso)" in page
    assert 'action="/console/annuaire/versions/1/restaurer"' not in page
    assert f"« Première » (first-asso), adresses e-mail : {PERSONAL} → {OLD}" in page
    assert 'action="/console/annuaire/versions/1/restaurer"' in shown(get(http, admin, "/console/annuaire/versions/1"))


# -- the API's admin token -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["Première", "Cœur d'or ²", "Ａｓｓｏ　Ｌｉｌｌｅ", "Ассоциация 北", "Ａ" * 200])
def test_an_api_put_changing_an_address_mails_the_notice(http, wired, name):
    changed = [association("first-asso", name=name, needs=["scolaire"], capacity=5, emails=[PERSONAL]), DIRECTORY[1]]
    r = http.put("/api/v1/admin/associations", body=json.dumps({"associations": changed}).encode(), headers=TOKEN)
    assert r.status_code == 200
    (notice,) = notices(wired)
    assert notice["To"] == OLD
    # One line whose spaces are plain ones (a full-width space too), the name as typed
    # otherwise; a long name is cut at the subject's length, after what happened.
    assert (SUBJECT + " ".join(name.split())).startswith(notice["Subject"])
    assert len(notice["Subject"]) >= len(SUBJECT) + min(len(name), 100)
    assert f"l'association « {name} » ont changé" in body(notice, "plain")
    assert "par un administrateur du réseau au moyen de l'API d'administration." in body(notice, "plain")
    latest = wired.directory.versions(1)[0]
    assert (latest.author, latest.role) == ("api", "admin")


# -- who saved each version ----------------------------------------------------------------


def test_versions_name_who_saved_them_and_with_which_role(http, agent, admin, wired):
    from dataclasses import replace

    assert (
        submit(
            http,
            agent,
            "/console/annuaire/first-asso",
            with_value(edit_fields(http, agent, "first-asso"), "capacity", "2"),
            "enregistrer",
        ).status_code
        == 303
    )
    assert save_emails(http, admin, "first-asso", PERSONAL).status_code == 303
    assert (
        http.put(
            "/api/v1/admin/associations", body=json.dumps({"associations": DIRECTORY}).encode(), headers=TOKEN
        ).status_code
        == 200
    )
    # Saved before roles were kept: an author and no role; and one with no author at all.
    current, _ = wired.directory.directory()
    wired.stores.directory.save_directory(
        current, replace(wired.directory.version(4), number=5, author=ADMIN, role=None)
    )
    wired.stores.directory.save_directory(current, replace(wired.directory.version(4), number=6, author="", role=None))

    listed = shown(get(http, agent, "/console/annuaire/versions"))
    expected = {
        1: "par le système",
        2: f"par {AGENT} (opérateur)",
        3: f"par {ADMIN} (administrateur)",
        4: "par l'API (jeton d'administration)",
        5: f"par {ADMIN} (rôle inconnu)",
        6: "par un auteur inconnu",
    }
    for number, who in expected.items():
        entry = listed.split(f'id="version-{number}"', 1)[1].split('class="version"', 1)[0]
        assert who in entry, (number, who)
        page = get(http, agent, f"/console/annuaire/versions/{number}")
        assert page.status_code == 200 and who in shown(page), (number, who)


def test_a_versions_page_lists_its_associations_and_their_addresses(http, agent, wired):
    page = shown(get(http, agent, "/console/annuaire/versions/1"))
    assert "<h1>Version 1 de l'annuaire (en vigueur)</h1>" in page
    assert f"Première (first-asso)</th><td>{OLD}</td>" in page
    assert "Les Deux (pair-asso)</th><td>accueil@deux.example.org, direction@deux.example.org</td>" in page
    assert "La restaurer" not in page, "the version in force is not offered"


@pytest.mark.parametrize("number", ["9", "0", "x", "1x"])
def test_a_version_that_does_not_exist_has_no_page(http, agent, number):
    assert get(http, agent, f"/console/annuaire/versions/{number}").status_code == 404
