"""The console's queue and request page in process (chalice's test client, in-memory
stores): tabs and their counts, filters, the request page, and each action with its
timeline event naming the operator (docs/contract.md §10)."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage
from urllib.parse import urlencode

import pytest

from tests.builders import ADMIN_EMAIL, OPERATOR, association, cookie_of
from tests.builders import body_text as text
from tests.builders import submit_request as submit
from tests.integration.mail_stream import read_outbox

ADMIN = {"Authorization": "Bearer test-admin-token"}
DIRECTORY = [
    association("nord-asso", needs=["scolaire", "orientation"], capacity=5),
    association("petite-asso", needs=["scolaire"], capacity=1, departements=["59"]),
]
SETTINGS = dict(rate_limit_count=1000, rate_limit_seconds=600, keep_raw_mail=True)
OPERATORS = f"{OPERATOR},{ADMIN_EMAIL}:admin"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def events_of(http, reference: str) -> list[dict]:
    r = http.get(f"/api/v1/requests/{reference}", headers=ADMIN)
    return json.loads(r.body)["events"]


def status_of(http, reference: str) -> dict:
    return json.loads(http.get(f"/api/v1/requests/{reference}", headers=ADMIN).body)


def act(http, services, reference: str, action: str, email: str = OPERATOR, **fields) -> object:
    cookie = cookie_of(services, email)
    page = http.get(f"/console/demandes/{reference}", headers=cookie)
    body = urlencode({"csrf": csrf_of(text(page)), **fields}).encode()
    return http.post(
        f"/console/demandes/{reference}/{action}",
        body=body,
        headers={**cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )


def test_tabs_show_their_counts_and_rows_link_to_the_request(http, wired):
    routed = [submit(http), submit(http)]
    triage = submit(http, postal_code="75001", city="Paris")
    page = http.get("/console/demandes", headers=cookie_of(wired, OPERATOR))
    html = text(page)
    assert page.status_code == 200
    for label in ["À trier (1)", "En attente (2)", "Acceptées (0)", "Closes (0)", "Toutes (3)"]:
        assert label in html, label
    assert html.index("À trier (1)") < html.index("En attente (2)")
    assert f'href="/console/demandes/{triage}"' in html and routed[0] not in html  # "À trier" first, by default
    waiting = text(http.get("/console/demandes?onglet=en-attente", headers=cookie_of(wired, OPERATOR)))
    assert all(f'href="/console/demandes/{r}"' in waiting for r in routed) and triage not in waiting
    home = text(http.get("/console", headers=cookie_of(wired, OPERATOR)))
    assert "À trier (1)" in home and triage in home


def test_the_queue_filters_by_need_departement_and_channel(http, wired):
    maths = submit(http, need="scolaire")
    orientation = submit(http, need="orientation")
    paris = submit(http, postal_code="75001", city="Paris")
    headers = cookie_of(wired, OPERATOR)
    by_need = text(http.get("/console/demandes?onglet=toutes&besoin=orientation", headers=headers))
    assert orientation in by_need and maths not in by_need and paris not in by_need
    by_dept = text(http.get("/console/demandes?onglet=toutes&departement=75", headers=headers))
    assert paris in by_dept and maths not in by_dept
    by_channel = text(http.get("/console/demandes?onglet=toutes&canal=form", headers=headers))
    assert maths not in by_channel  # they came through the API
    by_association = text(http.get("/console/demandes?onglet=toutes&association=nord-asso", headers=headers))
    assert orientation in by_association and paris not in by_association


def test_the_queue_pages_with_the_storage_cursor(http, wired, monkeypatch):
    from chalicelib.services import console

    monkeypatch.setattr(console, "PAGE_SIZE", 2)
    refs = []
    for _ in range(3):
        refs.append(submit(http))
        wired.clock.advance(seconds=1)
    first = text(http.get("/console/demandes?onglet=en-attente", headers=cookie_of(wired, OPERATOR)))
    assert refs[2] in first and refs[1] in first and refs[0] not in first  # newest first
    next_url = (
        re.search(r'href="(/console/demandes\?[^"]*page=[^"]+)">Page suivante', first).group(1).replace("&amp;", "&")
    )
    second = text(http.get(next_url, headers=cookie_of(wired, OPERATOR)))
    assert refs[0] in second and refs[2] not in second


def test_the_request_page_shows_fields_routing_and_logs_the_view(http, wired):
    ref = submit(http)
    page = http.get(f"/console/demandes/{ref}", headers=cookie_of(wired, OPERATOR))
    html = text(page)
    assert page.status_code == 200
    assert "lea.martin@example.net" in html and "Léa Martin" in html
    assert "Explication du routage" in html and "Association nord-asso" in html and "Historique" in html
    for word in ["Attribuer", "Router à nouveau", "Clore", "Motif", 'for="association">Association']:
        assert word in html, word
    assert "Effacer les données personnelles" not in html  # an operator is no admin
    viewed = [e for e in events_of(http, ref) if e["type"] == "viewed"]
    assert len(viewed) == 1 and viewed[0]["actor"] == OPERATOR
    http.get(f"/console/demandes/{ref}", headers=cookie_of(wired, OPERATOR))
    assert len([e for e in events_of(http, ref) if e["type"] == "viewed"]) == 1, "not again within half an hour"
    admin_page = text(http.get(f"/console/demandes/{ref}", headers=cookie_of(wired, ADMIN_EMAIL)))
    assert "Effacer les données personnelles" in admin_page


def test_assigning_a_triaged_request_mails_the_association_and_moves_the_counts(http, wired):
    ref = submit(http, postal_code="75001", city="Paris")
    r = act(http, wired, ref, "attribuer", association="nord-asso", motif="Couvre Paris à distance")
    assert r.status_code == 303 and r.headers["Location"] == f"/console/demandes/{ref}?fait=attribuee"
    state = status_of(http, ref)
    assert state["status"] == "routed" and state["association"]["id"] == "nord-asso"
    assigned = [e for e in state["events"] if e["type"] == "assigned"]
    assert assigned and assigned[0]["actor"] == OPERATOR
    to_associations = [m["To"] for m in read_outbox(wired) if ref in m["Subject"] and "asso.example.org" in m["To"]]
    assert to_associations == ["nord-asso@asso.example.org"]
    html = text(http.get("/console/demandes", headers=cookie_of(wired, OPERATOR)))
    assert "À trier (0)" in html and "En attente (1)" in html


def test_a_full_association_is_refused_unless_an_admin_overrides(http, wired):
    first = submit(http, postal_code="75001", city="Paris")
    second = submit(http, postal_code="75001", city="Paris")
    assert act(http, wired, first, "attribuer", association="petite-asso", motif="").status_code == 303
    refused = act(http, wired, second, "attribuer", association="petite-asso", motif="")
    assert refused.status_code == 409 and "complète" in text(refused)
    assert status_of(http, second)["status"] == "needs_triage"
    sneaky = act(http, wired, second, "attribuer", association="petite-asso", motif="", depasser="on")
    assert sneaky.status_code == 403 and status_of(http, second)["status"] == "needs_triage"
    forced = act(
        http, wired, second, "attribuer", ADMIN_EMAIL, association="petite-asso", motif="urgence", depasser="on"
    )
    assert forced.status_code == 303 and status_of(http, second)["association"]["id"] == "petite-asso"


def test_closing_needs_a_reason_and_names_the_operator(http, wired):
    ref = submit(http)
    assert act(http, wired, ref, "clore", motif="").status_code == 422
    assert act(http, wired, ref, "clore", motif="duplicate").status_code == 303
    state = status_of(http, ref)
    assert state["status"] == "closed"
    closed = [e for e in state["events"] if e["type"] == "closed"]
    assert closed[0]["actor"] == OPERATOR and closed[0]["detail"]["reason"] == "duplicate"
    html = text(http.get("/console/demandes?onglet=closes", headers=cookie_of(wired, OPERATOR)))
    assert "Closes (1)" in html and "En attente (0)" in html and ref in html


def test_routing_again_applies_policy_v1_and_asks_before_moving_a_manual_assignment(http, wired):
    ref = submit(http, postal_code="75001", city="Paris")
    wired.directory.replace(
        [
            association("nord-asso", needs=["scolaire"], capacity=5),
            association("paris-asso", needs=["scolaire"], departements=["75"]),
        ]
    )
    assert act(http, wired, ref, "router").status_code == 303
    state = status_of(http, ref)
    assert state["status"] == "routed" and state["association"]["id"] == "paris-asso"
    rerouted = [e for e in state["events"] if e["type"] == "rerouted"]
    assert rerouted[0]["actor"] == OPERATOR
    assert act(http, wired, ref, "attribuer", association="nord-asso", motif="choix").status_code == 303
    asked = act(http, wired, ref, "router")
    assert asked.status_code == 409 and "Confirmer" in text(asked)
    assert status_of(http, ref)["association"]["id"] == "nord-asso"
    assert act(http, wired, ref, "router", confirmer="on").status_code == 303
    assert status_of(http, ref)["association"]["id"] == "paris-asso"


def test_resending_the_mail_makes_a_new_outbox_mail(http, wired):
    ref = submit(http)
    before = [m for m in read_outbox(wired) if ref in m["Subject"] and "nord-asso" in m["To"]]
    assert act(http, wired, ref, "renvoyer").status_code == 303
    after = [m for m in read_outbox(wired) if ref in m["Subject"] and "nord-asso" in m["To"]]
    assert len(after) == len(before) + 1
    assert [e["actor"] for e in events_of(http, ref) if e["type"] == "mail_resent"] == [OPERATOR]


def test_erasure_is_for_admins_and_leaves_an_anonymous_stub(http, wired):
    ref = submit(http, message="Je m'appelle Léa, appelez le 06 12 34 56 78")
    refused = act(http, wired, ref, "effacer")
    assert refused.status_code == 403
    assert status_of(http, ref)["email"] == "lea.martin@example.net"
    assert act(http, wired, ref, "effacer", ADMIN_EMAIL).status_code == 303
    state = status_of(http, ref)
    stored = json.dumps(state, ensure_ascii=False)
    for personal in ["Léa", "Martin", "lea.martin@example.net", "06 12 34 56 78", "0612345678", "Roubaix", "59100"]:
        assert personal not in stored, personal
    assert state["status"] == "routed" and state["need"] == "scolaire" and state["age_band"] == "15-18"
    assert state["place"]["departement"] == "59" and "email" not in state
    erased = [e for e in state["events"] if e["type"] == "erased"]
    assert erased and erased[0]["actor"] == ADMIN_EMAIL
    html = text(http.get("/console/demandes?onglet=en-attente", headers=cookie_of(wired, OPERATOR)))
    assert "En attente (1)" in html and ref in html  # still counted, for statistics


def test_actions_need_a_session_and_the_form_field(http, wired):
    ref = submit(http)
    assert http.get("/console/demandes").status_code == 303
    assert http.get(f"/console/demandes/{ref}").headers["Location"] == "/console/connexion"
    body = urlencode({"motif": "duplicate"}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert http.post(f"/console/demandes/{ref}/clore", body=body, headers=form).status_code == 303
    assert (
        http.post(
            f"/console/demandes/{ref}/clore", body=body, headers={**form, **cookie_of(wired, OPERATOR)}
        ).status_code
        == 403
    )
    assert status_of(http, ref)["status"] == "routed"


def test_a_mail_reply_is_shown_in_full_and_its_raw_mail_goes_with_an_erasure(http, wired):
    ref = submit(http)
    reply = EmailMessage()
    reply["From"] = "Léa Martin <lea.martin@example.net>"
    reply["To"] = "urgence@lementorat.fr"
    reply["Subject"] = f"RE: Votre demande {ref}"
    reply["Message-ID"] = "<reply-1@example.net>"
    reply.set_content("Bonjour, " + "je voudrais préciser mes disponibilités. " * 40 + "FIN-DE-LA-REPONSE")
    outcome = wired.mail_intake.ingest(reply.as_bytes(), "lea.martin@example.net", ["urgence@lementorat.fr"])
    assert outcome.kind == "reply"
    html = text(http.get(f"/console/demandes/{ref}", headers=cookie_of(wired, OPERATOR)))
    assert "Réponse reçue par e-mail" in html and "FIN-DE-LA-REPONSE" in html  # past the stored 1,000 characters
    queue = text(http.get("/console/demandes?onglet=en-attente", headers=cookie_of(wired, ADMIN_EMAIL)))
    assert "Réponse reçue" not in queue, "the operator's visit came after the reply: no badge left"
    (raw_key,) = [e["detail"]["raw_key"] for e in events_of(http, ref) if e["type"] == "reply_received"]
    assert wired.mail_intake.raw_store.get(raw_key)
    assert act(http, wired, ref, "effacer", ADMIN_EMAIL).status_code == 303
    with pytest.raises((KeyError, OSError)):
        wired.mail_intake.raw_store.get(raw_key)
    assert "disponibilités" not in json.dumps(status_of(http, ref), ensure_ascii=False)


def test_a_reply_after_the_last_visit_shows_a_badge(http, wired):
    ref = submit(http)
    http.get(f"/console/demandes/{ref}", headers=cookie_of(wired, OPERATOR))
    reply = EmailMessage()
    reply["From"] = "lea.martin@example.net"
    reply["To"] = "urgence@lementorat.fr"
    reply["Subject"] = f"RE: {ref}"
    reply["Message-ID"] = "<reply-2@example.net>"
    reply.set_content("Merci.")
    assert (
        wired.mail_intake.ingest(reply.as_bytes(), "lea.martin@example.net", ["urgence@lementorat.fr"]).kind == "reply"
    )
    queue = text(http.get("/console/demandes?onglet=en-attente", headers=cookie_of(wired, OPERATOR)))
    assert '<span class="badge">Réponse reçue</span>' in queue


@pytest.mark.parametrize(
    "kind, badge",
    [
        ("bounced", "E-mail rejeté"),
        ("reminded", "Relance envoyée"),
        ("mail_failed", "E-mail non envoyé"),
    ],
)
def test_a_bounce_a_reminder_or_a_mail_given_up_after_the_last_visit_shows_a_badge(http, wired, kind, badge):
    from chalicelib.services.ports import Event

    ref = submit(http)
    http.get(f"/console/demandes/{ref}", headers=cookie_of(wired, OPERATOR))
    queue = text(http.get("/console/demandes?onglet=toutes", headers=cookie_of(wired, OPERATOR)))
    assert f'<span class="badge">{badge}</span>' not in queue
    stored = wired.requests.get(ref)
    request = wired.stores.requests.get(stored["id"], wired.clock.now().epoch).to_record()
    event = Event(wired.clock.now().iso, kind, "system", {"association": request.get("association_id")})
    assert wired.stores.requests.append_event(request["id"], event, len(request["events"]), request["expires_at"])
    queue = text(http.get("/console/demandes?onglet=toutes", headers=cookie_of(wired, OPERATOR)))
    assert f'<span class="badge">{badge}</span>' in queue
    if kind == "mail_failed":  # and the request's timeline says it in French
        page = text(http.get(f"/console/demandes/{ref}", headers=cookie_of(wired, OPERATOR)))
        assert "E-mail non envoyé : envoi abandonné" in page
