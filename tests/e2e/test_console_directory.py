"""The console's directory over HTTP on the served stack (docs/contract.md §10): a directory PUT
through the API is a version, listed with its author and diff, and any version restores;
one that would change where an association's requests are mailed (here: bring back an
association removed) only by an admin."""

from __future__ import annotations

import html
import re

from tests.e2e.clients import ADMIN_EMAIL, csrf_of, sign_in
from tests.e2e.stack import Stack


def page(stack: Stack, cookie: str, path: str) -> str:
    r = stack.call("GET", path, headers={"Cookie": cookie})
    assert r.status == 200, (path, r.status)
    return html.unescape(r.text)


def directory(stack: Stack) -> list[dict]:
    r = stack.admin("GET", "/api/v1/admin/associations")
    assert r.status == 200
    return r.json()["associations"]


def test_a_put_directory_is_a_version_and_the_previous_one_restores(stack):
    before = directory(stack)
    changed = [dict(a) for a in before]
    changed[0]["capacity"] = 3
    gone = changed.pop()
    assert stack.admin("PUT", "/api/v1/admin/associations", {"associations": changed}).status == 200

    cookie = sign_in(stack)
    versions = page(stack, cookie, "/console/annuaire/versions")
    newest = int(re.search(r"Version (\d+) \(en vigueur\)", versions).group(1))
    entry = versions.split(f"Version {newest} (en vigueur)", 1)[1].split("Version ", 1)[0]
    assert "par l'API (jeton d'administration)" in entry
    assert f"Association retirée : « {gone['name']} » ({gone['id']})" in entry
    assert f"({changed[0]['id']}), capacité : " in entry and "→ 3" in entry

    def restore(cookie: str, versions: str):
        return stack.call(
            "POST",
            f"/console/annuaire/versions/{newest - 1}/restaurer",
            f"csrf={csrf_of(versions)}".encode(),
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )

    refused = restore(cookie, versions)  # an operator who is not an admin
    assert refused.status == 403 and "seul un administrateur" in html.unescape(refused.text)
    assert directory(stack) == changed

    admin = sign_in(stack, ADMIN_EMAIL)
    r = restore(admin, page(stack, admin, "/console/annuaire/versions"))
    assert r.status == 303 and r.headers["location"] == f"/console/annuaire/versions?restauree={newest - 1}"
    assert directory(stack) == before
    after = page(stack, admin, r.headers["location"])
    assert f"Version {newest + 1} (en vigueur)" in after
    assert f"restauration de la version {newest - 1}" in after.lower()
    assert re.search(
        rf"Version {newest + 1} \(en vigueur\).*?admin@reseau\.example\.org \(administrateur\)", after, re.S
    )


def test_directory_pages_and_actions_without_a_session_lead_to_the_sign_in_page(stack):
    for path in ("/console/annuaire", "/console/annuaire/versions", "/console/annuaire/nouvelle"):
        r = stack.call("GET", path)
        assert r.status == 303 and r.headers["location"] == "/console/connexion", path
    r = stack.post_form("/console/annuaire/versions/1/restaurer", {"csrf": "x"})
    assert r.status == 303 and r.headers["location"] == "/console/connexion"
