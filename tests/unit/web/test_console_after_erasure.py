"""After an admin's erasure, every console page still answers, in process: requests erased
in every state (to triage, waiting on an association, accepted, closed; from the API, the
referent's form and mail intake) and volunteers' sign-ups (to triage, waiting, accepted),
then each page an operator may open — the queues' tabs, each request's and sign-up's
page, the directory with "Simuler", its versions, the statistics and their CSV, the
queue's CSV, the quarantine — and what reads the records later: the association's answer
links, the admin API, the digest, the sweeper.

An erased record keeps only what statistics count (domain/routed_record.py, erase): its
place is then its département and région alone, which the directory's "Simuler" and the
sweeper once could not read (a 500 for the 30 days of the simulation window)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from chalicelib.services.ports import Assignment
from tests.builders import CONSOLE_PAGES, association, body_text, referent_form, signed_in, title_of, volunteer, youth

ADMIN_EMAIL = "admin@reseau.example.org"
ADMIN_API = {"Authorization": "Bearer test-admin-token"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
INTAKE = "urgent@reseau.example.org"
# Unique to the erased people ("Martin" alone would match "Martinique" on the Simuler page).
SECRETS = (
    "Léa",
    "lea.martin@example.net",
    "06 12 34 56 78",
    "Roubaix",
    "Mme Dupont",
    "Collège Jean Macé",
    "cpe@ac-lille.example.fr",
    "Yanis",
    "Durand",
    "paul.durand@example.net",
    "06 98 76 54 32",
    "Ingénieur",
)
MAIL = (
    "From: Claire Dupuis <cpe@ac-lille.example.fr>\r\nTo: urgent@reseau.example.org\r\nSubject: Demande de tutorat\r\n"
    "Message-ID: <erase-1@ac-lille.example.fr>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "Bonjour, Yanis, 15 ans, au collège à Roubaix (59100) cherche du soutien scolaire.\r\n"
).encode()
SETTINGS = dict(rate_limit_count=1000, keep_raw_mail=True, intake_addresses=(INTAKE,))
DIRECTORY = [association("nord-asso", name="Nord", recruits_mentors=True)]
OPERATORS = f"{ADMIN_EMAIL}:admin"


def api_request(http, **fields) -> dict:
    r = http.post(
        "/api/v1/requests", body=json.dumps(youth(**fields)).encode(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 201
    return json.loads(r.body)


def console_post(http, session, path, **fields):
    return http.post(
        path, body=urlencode({"csrf": session[1], **fields}, doseq=True).encode(), headers={**session[0], **FORM}
    )


@pytest.fixture
def erased(http, wired):
    """Six requests, each in its state, all erased; and a volunteer's sign-up."""
    session = signed_in(wired, ADMIN_EMAIL)
    api_request(http, postal_code="75001", city="Paris")  # stays in triage
    routed = api_request(http)
    accepted = api_request(http)
    closed = api_request(http)
    by_referent = http.post("/orienter", body=urlencode(referent_form(), doseq=True).encode(), headers=FORM)
    assert by_referent.status_code == 303
    assert wired.mail_intake.ingest(MAIL, "cpe@ac-lille.example.fr", [INTAKE]).kind == "request"
    assert (
        wired.answers.accept(wired.links.answer_token(Assignment(accepted["id"], "nord-asso", 1))).state == "accepted"
    )
    assert (
        console_post(http, session, f"/console/demandes/{closed['reference']}/clore", motif="duplicate").status_code
        == 303
    )
    signups = [api_signup(http, **where) for where in ({}, {}, {"postal_code": "75019", "city": None})]
    assert (
        wired.mentors.accept(
            wired.links.answer_token(Assignment(signups[1]["id"], "nord-asso", 1, kind="mentor"))
        ).state
        == "accepted"
    )
    assert sorted(s["status"] for s in wired.mentor_queries.list()[0]) == ["accepted", "needs_triage", "routed"]
    for signup in signups:
        done = console_post(http, session, f"/console/benevoles/{signup['reference']}/effacer")
        assert done.status_code == 303 and done.headers["Location"].endswith("?fait=effacee")
    stored = wired.requests.list(None, None, 100, None)[0]
    assert sorted(r["status"] for r in stored) == ["accepted", "closed", "needs_triage", "routed", "routed", "routed"]
    assert sorted(r["channel"] for r in stored) == ["api", "api", "api", "api", "email", "referent_form"]
    for r in stored:
        done = console_post(http, session, f"/console/demandes/{r['reference']}/effacer")
        assert done.status_code == 303 and done.headers["Location"].endswith("?fait=effacee")
    return {
        "session": session,
        "references": [r["reference"] for r in stored],
        "ids": {r["reference"]: r["id"] for r in stored},
        "routed": routed,
        "accepted": accepted,
        "signups": signups,
    }


def api_signup(http, **overrides) -> dict:
    r = http.post(
        "/api/v1/mentors",
        body=json.dumps(volunteer(**overrides)).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 201
    return json.loads(r.body)


def read_as_admin(http, erased, path):
    """The page, answered 200 and holding none of the erased people's data."""
    r = http.get(path, headers={**erased["session"][0], **ADMIN_API})
    assert r.status_code == 200, f"{path}: {r.status_code}"
    assert not any(s in body_text(r) for s in SECRETS), path
    return r


def test_every_console_page_answers_after_erasures_in_every_state(http, erased):
    for path in CONSOLE_PAGES:
        read_as_admin(http, erased, path)
    for signup in erased["signups"]:
        page = read_as_admin(http, erased, f"/console/benevoles/{signup['reference']}")
        assert title_of(page) == f"Candidature {signup['reference']} – Réseau Mentorat"
        assert "Les données personnelles de cette candidature ont été effacées." in body_text(page)
    for reference in erased["references"]:
        page = read_as_admin(http, erased, f"/console/demandes/{reference}")
        assert title_of(page) == f"Demande {reference} – Réseau Mentorat"
        assert "Les données personnelles de cette demande ont été effacées." in body_text(page)


def test_simuler_routes_the_window_again_with_erased_requests_in_it(http, erased):
    fields = {
        "action": "simuler",
        "name": "Nord",
        "emails": "nord-asso@asso.example.org",
        "active": "on",
        "departements": "59, 75",
        "age_min": "6",
        "age_max": "30",
        "needs[]": ["scolaire", "orientation", "insertion_pro"],
        "first_need": "scolaire",
        "capacity": "",
        "mentor_capacity": "",
        "recruits_mentors": "on",
    }
    for couverture in ("", "tous"):
        r = console_post(http, erased["session"], "/console/annuaire/nord-asso", couverture=couverture, **fields)
        assert r.status_code == 200
        assert "Simulation" in body_text(r) and not any(s in body_text(r) for s in SECRETS)


def test_the_csv_exports_hold_the_erased_requests_without_their_data(http, erased):
    for kind, query in (("demandes", "onglet=toutes"), ("statistiques", "periode=12")):
        r = console_post(http, erased["session"], f"/console/export/{kind}?{query}")
        assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert not any(s in body_text(r) for s in SECRETS)
    rows = console_post(http, erased["session"], "/console/export/demandes?onglet=toutes")
    assert all(ref in body_text(rows) for ref in erased["references"])


def test_the_answer_links_and_the_admin_api_read_erased_requests(http, wired, erased):
    for key in ("routed", "accepted"):
        token = wired.links.answer_token(Assignment(erased[key]["id"], "nord-asso", 1))
        page = http.get(f"/reponse/{token}")
        assert page.status_code == 200 and not any(s in body_text(page) for s in SECRETS)
    for reference in erased["references"]:
        read_as_admin(http, erased, f"/api/v1/requests/{reference}")
    read_as_admin(http, erased, "/api/v1/requests?limit=2")
    for signup, state in zip(erased["signups"][:2], ("open", "accepted"), strict=True):
        token = wired.links.answer_token(Assignment(signup["id"], "nord-asso", 1, kind="mentor"))
        page = http.get(f"/reponse/{token}")
        assert page.status_code == 200 and not any(s in body_text(page) for s in SECRETS)
        assert wired.mentors.view(token).state == state
        read_as_admin(http, erased, f"/api/v1/mentors/{signup['reference']}")


def test_an_erased_sign_up_declined_goes_to_triage_without_the_comment_nor_a_mail(http, wired, erased):
    routed = erased["signups"][0]
    token = wired.links.answer_token(Assignment(routed["id"], "nord-asso", 1, kind="mentor"))
    for mail_id in wired.stores.outbox.take_inserted():
        wired.send_new_mail(mail_id)
    wired.mentors.decline(token, "autre", "Paul Durand nous a déjà appelés")
    stored = wired.mentor_queries.get(routed["reference"])
    assert stored["status"] == "needs_triage" and stored["triage_reason"] == "personal data erased"
    assert "Durand" not in json.dumps(stored)
    assert wired.stores.outbox.take_inserted() == []  # nobody is mailed about an erased volunteer


def test_the_digest_and_the_sweeper_read_erased_requests(http, wired, erased, clock):
    from chalicelib.services.digest import digest_for

    def status(reference):
        return wired.requests.get(reference)["status"]

    def mails_sent():
        return len(list(Path(wired.settings.outbox_dir).glob("*.eml")))

    clock.advance(days=2)
    digest = digest_for(wired).compose()
    assert {line.reference for line in digest.triage} == {
        r for r in erased["references"] if status(r) == "needs_triage"
    }
    clock.advance(days=9)
    for mail_id in wired.stores.outbox.take_inserted():
        wired.send_new_mail(mail_id)
    mails_before = mails_sent()
    reminded, rerouted = wired.answers.sweep_silence()
    # An erased request is never routed to another association: to triage, and no
    # association is sent a mail about a person whose data is gone. Sign-ups alike.
    assert rerouted == 3 and reminded == 0
    assert {status(r) for r in erased["references"]} == {"needs_triage", "accepted", "closed"}
    assert wired.mentors.sweep_silence() == (0, 1)
    assert {wired.mentor_queries.get(s["reference"])["status"] for s in erased["signups"]} == {
        "needs_triage",
        "accepted",
    }
    for mail_id in wired.stores.outbox.take_inserted():
        wired.send_new_mail(mail_id)
    assert mails_sent() == mails_before
    signed_again = {**erased, "session": signed_in(wired, ADMIN_EMAIL)}  # 11 days on: a new session
    read_as_admin(http, signed_again, "/console/demandes?onglet=a-trier")
