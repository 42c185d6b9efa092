"""The answer page in each state an association can find it in (docs/contract.md §9): just
declined, reopened after a decline or an acceptance, and the volunteer's profile facts."""

from __future__ import annotations

import re

from tests.conftest import youth
from tests.unit.web.test_answer_page_texts import (  # noqa: F401
    accept,
    csrf_of,
    facts,
    post_form,
    settings,
    submit,
    text,
    token_for,
    volunteer,
    wired,
)

NOTICE = re.compile(r'<div class="notice notice--success" role="status">\s*<p>(.*?)</p>', re.S)


def test_a_decline_is_confirmed_once_and_the_link_then_says_what_happened(http, wired):
    submit(http, youth())
    token = token_for(wired, "first-asso")
    page = text(http.get(f"/reponse/{token}"))
    declined = text(
        post_form(http, f"/reponse/{token}", {"decision": "decline", "reason": "complet", "csrf": csrf_of(page)})
    )
    assert NOTICE.findall(declined) == [
        "Votre refus est bien enregistré. La demande est proposée à une autre association."
    ]
    lead = "Association first-asso a refusé cette demande. Merci d'avoir répondu."
    assert f'<p class="lead">{lead}</p>' in declined
    reopened = text(http.get(f"/reponse/{token}"))
    assert NOTICE.findall(reopened) == [] and f'<p class="lead">{lead}</p>' in reopened
    assert "<form" not in reopened and "Merci de répondre avant" not in reopened


def test_an_accepted_request_reopened_shows_its_contacts_without_the_notice(http, wired):
    submit(http, youth())
    token = token_for(wired, "first-asso")
    accepted = text(accept(http, token))
    assert NOTICE.findall(accepted) == ["Merci ! Vous avez accepté cette demande."]
    reopened = text(http.get(f"/reponse/{token}"))
    assert NOTICE.findall(reopened) == [] and "<form" not in reopened
    assert "Merci de répondre avant" not in reopened
    assert '<a href="mailto:lea.martin@example.net">lea.martin@example.net</a>' in reopened


def test_the_volunteers_profile_facts_word_for_word(http, wired):
    submit(http, volunteer(), "/api/v1/mentors")
    token = token_for(wired, "lille-mentors")
    page = text(http.get(f"/reponse/{token}"))
    assert facts(page) == [
        ("Âge", "42 ans"),
        ("Commune", "Roubaix (59100)"),
        ("Situation", "En activité professionnelle"),
        ("Secteur ou métier", "Informatique"),
        ("Mentorat", "En présentiel, près de chez moi"),
        ("Disponibilité", "4 heures par mois, pendant au moins 6 mois"),
        ("Âges des jeunes", "15 à 18 ans (lycée)"),
        ("Pour aider en", "Orientation (choisir une voie, un métier)"),
        ("Reçue le", "24/11/2026"),
    ]
    assert "Merci de répondre avant le <strong>" in page
    declined = text(
        post_form(http, f"/reponse/{token}", {"decision": "decline", "reason": "profil", "csrf": csrf_of(page)})
    )
    assert NOTICE.findall(declined) == [
        "Votre refus est bien enregistré. Le profil est proposé à une autre association."
    ]
    assert "Merci de répondre avant" not in declined


def test_a_decline_keeps_the_reason_and_comment_the_association_gave(http, wired):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    page = text(http.get(f"/reponse/{token}"))
    r = post_form(
        http,
        f"/reponse/{token}",
        {"decision": "decline", "reason": "autre", "comment": "Trop loin", "csrf": csrf_of(page)},
    )
    assert r.status_code == 200
    declined = [e for e in wired.requests.get(made["id"])["events"] if e["type"] == "declined"]
    assert [(e["actor"], e["detail"]) for e in declined] == [
        ("first-asso", {"reason": "autre", "comment": "Trop loin"})
    ]


def test_a_reason_not_offered_is_named_in_the_error_summary(http, wired):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    page = text(http.get(f"/reponse/{token}"))
    r = post_form(http, f"/reponse/{token}", {"decision": "decline", "reason": "nope", "csrf": csrf_of(page)})
    assert r.status_code == 422
    assert re.findall(r'<li><a href="#([^"]+)">([^<:]+?) : ', text(r)) == [("reason", "Motif du refus")]
    assert wired.requests.get(made["id"])["status"] == "routed"
