"""The console's "Bénévoles" tab in process (chalice's test client, in-memory stores):
tabs with counts from the sign-ups' counters, rows linking to a sign-up's page (profile,
routing explanation, timeline, no contact detail), the volunteers' statistics, and an
admin's erasure of a sign-up."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import urlencode

from tests.builders import ADMIN_EMAIL, OPERATOR, association, cookie_of, signed_in, volunteer
from tests.builders import body_text as text
from tests.builders import submit_request as submit

SETTINGS = dict(rate_limit_count=1000, rate_limit_seconds=600, keep_raw_mail=True)
DIRECTORY = [
    association("nord-asso", recruits_mentors=True, needs=["scolaire", "orientation"]),
    association("jeunes-seulement", needs=["orientation"]),
]
OPERATORS = f"{OPERATOR},{ADMIN_EMAIL}:admin"


def sign_up(http, **overrides) -> str:
    r = http.post(
        "/api/v1/mentors",
        body=json.dumps(volunteer(**overrides)).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201, text(r)
    return json.loads(r.body)["reference"]


def tabs(html: str) -> dict[str, int]:
    return {label: int(n) for label, n in re.findall(r">([^<>]+?) \((\d+)\)</a>", html)}


def test_without_a_session_the_volunteers_pages_lead_to_the_sign_in(http):
    for path in ("/console/benevoles", "/console/benevoles/BEN-2345-6789", "/console/statistiques/benevoles"):
        r = http.get(path)
        assert r.status_code in {302, 303, 401, 403} and "/console/connexion" in (
            r.headers.get("Location", "") + text(r)
        )


def test_the_volunteers_tab_lists_sign_ups_with_their_counts_apart_from_requests(http, wired):
    routed = sign_up(http)
    triaged = sign_up(http, postal_code="75019", city="Paris")
    request = submit(http)
    me = cookie_of(wired, OPERATOR)
    page = text(http.get("/console/benevoles", headers=me))
    assert '<a href="/console/benevoles" aria-current="page">Bénévoles</a>' in page
    assert tabs(page) == {"À trier": 1, "En attente": 1, "Acceptées": 0, "Closes": 0, "Toutes": 2}
    assert f'href="/console/benevoles/{triaged}"' in page and routed not in page  # "À trier" first
    everyone = text(http.get("/console/benevoles?onglet=toutes", headers=me))
    assert routed in everyone and triaged in everyone and request not in everyone
    assert "<td>API partenaire</td>" in everyone and "Formulaire jeune" not in everyone  # its own channels
    assert "Exporter en CSV" not in everyone
    requests_page = text(http.get("/console/demandes?onglet=toutes", headers=me))
    assert tabs(requests_page)["Toutes"] == 1 and routed not in requests_page
    by_need = text(http.get("/console/benevoles?onglet=toutes&besoin=scolaire", headers=me))
    assert routed not in by_need and "Aucune candidature ne correspond à ces filtres" in by_need


def test_a_sign_ups_page_shows_its_profile_routing_and_timeline_but_no_contact_detail(http, wired):
    reference = sign_up(http)
    page = text(http.get(f"/console/benevoles/{reference}", headers=cookie_of(wired, OPERATOR)))
    assert f"Candidature {reference}" in page and "Association nord-asso" in page
    assert "En activité professionnelle" in page and "15 à 18 ans (lycée)" in page and "Informatique" in page
    assert "Explication du routage" in page and "politique mentor v1" in page and "Besoins en commun" in page
    assert "Ne recrute pas de bénévoles" in page and "Association jeunes-seulement" in page
    assert "Candidature reçue" in page and "Envoyée à une association" in page
    for secret in ("paul.durand@example.net", "06 98 76 54 32", "Durand"):
        assert secret not in page
    missing = http.get("/console/benevoles/BEN-2345-6789", headers=cookie_of(wired, OPERATOR))
    assert missing.status_code == 404 and "Candidature introuvable" in text(missing)


def test_the_volunteers_statistics_count_sign_ups_only(http, wired):
    sign_up(http)
    sign_up(http)
    sign_up(http, postal_code="75019", city="Paris")
    submit(http)
    me = cookie_of(wired, OPERATOR)
    page = text(http.get("/console/statistiques/benevoles", headers=me))
    assert "Statistiques des bénévoles" in page and "3 candidatures reçues" in page
    assert "<svg" in page and "Candidatures reçues par semaine et par canal" in page
    assert re.search(r"Orientées dès la réception</th><td>67 %</td><td>2 sur 3", page)
    assert re.search(r"Association nord-asso</th><td>2</td>", page)
    assert "Derniers exports" not in page
    requests = text(http.get("/console/statistiques", headers=me))
    assert "1 demande reçue" in requests and 'href="/console/statistiques/benevoles"' in requests


def erase(http, wired, reference: str, email: str, with_csrf: bool = True):
    """POST "Effacer les données personnelles" on a sign-up's page, as a session of `email`."""
    cookie, csrf = signed_in(wired, email)
    return http.post(
        f"/console/benevoles/{reference}/effacer",
        body=urlencode({"csrf": csrf} if with_csrf else {}).encode(),
        headers={**cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )


def test_only_an_admin_erases_a_sign_up_with_the_anti_forgery_field_and_again_harmlessly(http, wired):
    reference = sign_up(http)
    page = text(http.get(f"/console/benevoles/{reference}", headers=cookie_of(wired, OPERATOR)))
    assert "Effacer les données personnelles" not in page  # an operator is no admin
    assert erase(http, wired, reference, OPERATOR).status_code == 403
    assert erase(http, wired, reference, ADMIN_EMAIL, with_csrf=False).status_code == 403
    assert wired.mentor_queries.get(reference)["email"] == "paul.durand@example.net"
    admin_page = text(http.get(f"/console/benevoles/{reference}", headers=cookie_of(wired, ADMIN_EMAIL)))
    assert f'action="/console/benevoles/{reference}/effacer"' in admin_page
    for _ in range(2):  # a second erasure: the same answer, nothing refused
        done = erase(http, wired, reference, ADMIN_EMAIL)
        assert (done.status_code, done.headers["Location"]) == (303, f"/console/benevoles/{reference}?fait=effacee")
    shown = text(http.get(done.headers["Location"], headers=cookie_of(wired, ADMIN_EMAIL)))
    assert "Les données personnelles de la candidature sont effacées." in shown
    assert "Durand" not in shown and "Informatique" not in shown
    stored = wired.mentor_queries.get(reference)
    assert "email" not in stored and [e["type"] for e in stored["events"]].count("erased") == 1
    assert [e["actor"] for e in stored["events"] if e["type"] == "erased"] == [ADMIN_EMAIL]


def test_erasing_a_sign_up_that_does_not_exist_says_so(http, wired):
    r = erase(http, wired, "BEN-2345-6789", ADMIN_EMAIL)
    assert r.status_code == 404 and "Candidature introuvable" in text(r)


def test_the_volunteers_queue_is_headed_and_titled_benevoles(http, wired):
    page = text(http.get("/console/benevoles", headers=cookie_of(wired, OPERATOR)))
    assert re.search(r"<h1>(.*?)</h1>", page).group(1) == "Bénévoles"
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1).startswith("Bénévoles : À trier")
