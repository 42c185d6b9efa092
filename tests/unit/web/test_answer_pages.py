"""The association's answer page (`/reponse/<token>`, docs/contract.md §9) as the association
reads it: its title, heading, the facts and contact details word for word, the forms'
target, the refusal reasons, and each French error page of the link and of the post."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from markupsafe import escape

from tests import builders
from tests.builders import association, youth
from tests.builders import body_text as text
from tests.integration.mail_stream import read_outbox

OURS = "http://127.0.0.1:8000"
LINK = re.compile(r"/reponse/([A-Za-z0-9_.\-]+)")
DIRECTORY = [
    association("first-asso"),
    association("second-asso"),
    association("lille-mentors", recruits_mentors=True, mentor_capacity=3),
]
REFERENT = {
    "name": "Mme Dupont",
    "email": "cpe@ac-lille.example.fr",
    "phone": "03 20 00 00 00",
    "structure_name": "Collège Jean Macé",
    "structure_type": "etablissement_scolaire",
}
SETTINGS = dict(public_base_url=OURS)


def post_form(http, path, fields, headers=None):
    body = fields if isinstance(fields, bytes) else urlencode(fields, doseq=True).encode()
    return http.post(path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def submit(http, data, path="/api/v1/requests") -> dict:
    r = http.post(path, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 201
    return json.loads(r.body)


def token_for(wired, association_id: str) -> str:
    mails = [m for m in read_outbox(wired) if m["To"] == f"{association_id}@asso.example.org"]
    return LINK.search(sorted(mails, key=lambda m: m["Date"])[-1].get_body(("plain",)).get_content()).group(1)


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def title_of(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


def h1_of(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)


def facts(page: str) -> list[tuple[str, str]]:
    return re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", page, re.S)


def error_page_parts(page: str) -> tuple[str, str, str, list[tuple[str, str]]]:
    """(title, heading, message, back links) of a French error page."""
    lead = re.search(r'<p class="lead">(.*?)</p>', page, re.S).group(1)
    back = re.findall(r'<p class="next-link"><a href="([^"]*)">(.*?)</a></p>', page)
    return title_of(page), h1_of(page), lead, back


def accept(http, token):
    page = text(http.get(f"/reponse/{token}"))
    return post_form(http, f"/reponse/{token}", {"decision": "accept", "csrf": csrf_of(page)})


# -- the open page ------------------------------------------------------------------------


def test_the_open_page_names_the_request_its_facts_its_forms_and_the_refusal_reasons(http, wired, settings):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    r = http.get(f"/reponse/{token}")
    assert r.status_code == 200
    page = text(r)
    ref = made["reference"]
    assert title_of(page) == f"Demande de mentorat {ref} – {settings.network_name}"
    assert h1_of(page) == f'Demande de mentorat <span class="nowrap">{ref}</span>'
    assert "Le réseau propose cette demande à Association first-asso. Lisez-la, puis acceptez-la ou refusez-la." in page
    assert facts(page) == [
        ("Âge", "15 ans"),
        ("Commune", "Roubaix (59100)"),
        ("Situation", "Au collège"),
        ("Besoin", "Soutien scolaire"),
        ("Situation particulière", "Aucune indiquée"),
        ("Demande faite par", "le ou la jeune"),
        ("Reçue le", "24/11/2026"),
    ]
    assert re.findall(r'<form class="answer-form" method="post" action="([^"]+)"', page) == [f"/reponse/{token}"] * 2
    assert re.findall(r'name="csrf" value="([^"]+)"', page) == [wired.links.csrf_for(token)] * 2
    reasons = re.findall(r'<input type="radio" id="([^"]+)" name="reason" value="([^"]+)"', page)
    assert reasons == [
        ("reason", "complet"),
        ("reason-territoire", "territoire"),
        ("reason-profil", "profil"),
        ("reason-autre", "autre"),
    ]
    labels = re.findall(r'<label for="reason[^"]*">(.*?)</label>', page)
    assert labels == [
        str(escape("Nous n'avons plus de place pour le moment")),
        str(escape("Ce territoire n'est pas couvert par notre association")),
        str(escape("L'âge, la situation ou le besoin ne correspondent pas à notre action")),
        "Autre raison",
    ]
    assert "Merci de répondre avant le <strong>vendredi 4 décembre 2026</strong>." in page
    assert "error-summary" not in page and "lea.martin@example.net" not in page


def test_a_refusal_without_reason_comes_back_422_with_its_error_named(http, wired, settings):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    page = text(http.get(f"/reponse/{token}"))
    r = post_form(http, f"/reponse/{token}", {"decision": "decline", "csrf": csrf_of(page)})
    assert r.status_code == 422
    again = text(r)
    ref = made["reference"]
    assert title_of(again) == (
        f"Erreur : le formulaire contient 1 erreur – Erreur : Demande de mentorat {ref} – {settings.network_name}"
    )
    assert '<h2 id="error-summary-title">Le formulaire contient 1 erreur</h2>' in again
    assert re.search(r'<li><a href="#reason">Motif du refus : [^<]+</a></li>', again)
    assert 'id="reason-error"' in again
    assert wired.requests.get(made["id"])["status"] == "routed"


# -- the contact details, once accepted -----------------------------------------------------


def test_once_accepted_the_youths_name_email_and_phone_are_shown(http, wired):
    submit(http, youth())
    r = accept(http, token_for(wired, "first-asso"))
    assert r.status_code == 200
    page = text(r)
    assert "Merci ! Vous avez accepté cette demande." in page
    contacts = page.split("<h2>Coordonnées</h2>")[1].split("<h2>Rappel de la demande</h2>")[0]
    assert facts(contacts) == [
        ("Nom", "Léa Martin"),
        ("E-mail", '<a href="mailto:lea.martin@example.net">lea.martin@example.net</a>'),
        ("Téléphone", '<a href="tel:+33612345678">06 12 34 56 78</a>'),
    ]
    assert "Le ou la jeune reçoit un e-mail : votre association va le contacter." in page


def test_once_accepted_a_referents_request_shows_the_professional_and_the_structure(http, wired):
    submit(http, youth(email=None, phone=None, last_name=None, age=11, situation="primaire", referent=REFERENT))
    page = text(accept(http, token_for(wired, "first-asso")))
    contacts = page.split("<h2>Coordonnées</h2>")[1].split("<h2>Rappel de la demande</h2>")[0]
    assert facts(contacts) == [
        ("Nom", "Léa"),
        ("E-mail", "Non indiqué"),
        ("Téléphone", "Non indiqué"),
        ("Nom", "Mme Dupont"),
        ("Structure", "Collège Jean Macé (Établissement scolaire)"),
        ("E-mail", '<a href="mailto:cpe@ac-lille.example.fr">cpe@ac-lille.example.fr</a>'),
        ("Téléphone", '<a href="tel:+33320000000">03 20 00 00 00</a>'),
    ]
    assert "Le professionnel qui a fait la demande reçoit un e-mail : votre association va prendre contact." in page


def test_an_association_no_longer_in_the_directory_is_called_votre_association(http, wired):
    submit(http, youth())
    token = token_for(wired, "first-asso")
    wired.directory.replace([association("second-asso")])
    page = text(http.get(f"/reponse/{token}"))
    assert "Le réseau propose cette demande à votre association." in page


# -- the link's errors ------------------------------------------------------------------------

INVALID = (400, "Lien invalide", "Ce lien n'est pas valide. Utilisez le lien reçu par e-mail, sans le modifier.")
EXPIRED = (
    410,
    "Lien expiré",
    "Ce lien a expiré. Écrivez à l'équipe du réseau en indiquant la référence de la demande.",
)
UNKNOWN = (
    404,
    "Demande introuvable",
    "Cette demande n'existe plus : elle a été close ou ses données ont été effacées.",
)


def assert_error_page(r, settings, status, heading, message, back=()):
    assert r.status_code == status
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    title, h1, lead, links = error_page_parts(text(r))
    assert title == f"Erreur : {heading} – {settings.network_name}"
    assert h1 == str(escape(heading))
    assert lead == str(escape(message))
    assert links == list(back)


def tampered(token: str) -> str:
    return f"{token[:-3]}{'AAA' if not token.endswith('AAA') else 'BBB'}"


def unknown_token(wired) -> str:
    from chalicelib.services.ports import Assignment

    return wired.links.answer_token(Assignment("no-such-request", "first-asso", 1))


def test_each_broken_link_opens_its_own_french_page(http, wired, settings, clock):
    submit(http, youth())
    token = token_for(wired, "first-asso")
    assert_error_page(http.get(f"/reponse/{tampered(token)}"), settings, *INVALID)
    assert_error_page(http.get(f"/reponse/{unknown_token(wired)}"), settings, *UNKNOWN)
    clock.advance(days=settings.link_max_age_days, seconds=1)
    assert_error_page(http.get(f"/reponse/{token}"), settings, *EXPIRED)


def test_each_broken_link_answers_the_same_page_when_posted_to(http, wired, settings, clock):
    submit(http, youth())
    token = token_for(wired, "first-asso")
    for bad, expected in ((tampered(token), INVALID), (unknown_token(wired), UNKNOWN)):
        r = post_form(http, f"/reponse/{bad}", {"decision": "accept", "csrf": wired.links.csrf_for(bad)})
        assert_error_page(r, settings, *expected)
    clock.advance(days=settings.link_max_age_days, seconds=1)
    r = post_form(
        http, f"/reponse/{token}", {"decision": "decline", "reason": "complet", "csrf": wired.links.csrf_for(token)}
    )
    assert_error_page(r, settings, *EXPIRED)


# -- the post's refusals ----------------------------------------------------------------------


def test_a_post_over_64_kib_is_refused_413(http, wired, settings):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    body = urlencode(
        {"decision": "decline", "reason": "autre", "csrf": wired.links.csrf_for(token), "comment": "x" * (65 * 1024)}
    )
    assert_error_page(
        post_form(http, f"/reponse/{token}", body.encode()),
        settings,
        413,
        "Envoi trop long",
        "Le texte envoyé est trop long.",
    )
    assert wired.requests.get(made["id"])["status"] == "routed"


def test_a_post_with_too_many_fields_is_refused_with_a_way_back(http, wired, settings):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    fields = [("decision", "accept"), ("csrf", wired.links.csrf_for(token))] + [(f"f{i}", "x") for i in range(100)]
    r = post_form(http, f"/reponse/{token}", urlencode(fields).encode())
    assert_error_page(
        r,
        settings,
        400,
        "Réponse refusée",
        "Le formulaire envoyé contient trop de champs : il ne vient pas de notre site. "
        "Ouvrez le formulaire sur notre site, remplissez-le et envoyez-le.",
        [(f"/reponse/{token}", "Rouvrir la demande")],
    )
    assert wired.requests.get(made["id"])["status"] == "routed"


FORGED = (
    403,
    "Envoi refusé",
    "Pour votre sécurité, cette réponse n'a pas été prise en compte : elle doit être envoyée depuis la "
    "page ouverte par le lien reçu par e-mail. Rouvrez ce lien, puis cliquez à nouveau sur "
    "« Accepter » ou « Refuser ».",
)


def test_a_post_without_the_pages_field_or_from_elsewhere_is_refused_403(http, wired, settings):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    back = [(f"/reponse/{token}", "Rouvrir la demande")]
    assert_error_page(post_form(http, f"/reponse/{token}", {"decision": "accept"}), settings, *FORGED, back)
    assert_error_page(
        post_form(http, f"/reponse/{token}", {"decision": "accept", "csrf": "0" * 32}), settings, *FORGED, back
    )
    r = post_form(
        http,
        f"/reponse/{token}",
        {"decision": "accept", "csrf": wired.links.csrf_for(token)},
        {"Origin": "https://evil.example.com"},
    )
    assert_error_page(r, settings, *FORGED, back)
    assert wired.requests.get(made["id"])["status"] == "routed"


@pytest.mark.parametrize("decision", [None, "", "maybe"])
def test_a_post_without_a_decision_is_not_understood(http, wired, settings, decision):
    made = submit(http, youth())
    token = token_for(wired, "first-asso")
    fields = {"csrf": wired.links.csrf_for(token)} | ({"decision": decision} if decision is not None else {})
    r = post_form(http, f"/reponse/{token}", fields)
    assert_error_page(r, settings, 400, "Réponse incomprise", "Choisissez « Accepter » ou « Refuser ».")
    assert wired.requests.get(made["id"])["status"] == "routed"


# -- a volunteer's sign-up ----------------------------------------------------------------------


def volunteer(**overrides):
    return builders.volunteer(**{"message": "Ingénieur.", **overrides})


def test_the_sign_up_page_has_its_title_form_target_and_contact_once_accepted(http, wired, settings):
    made = submit(http, volunteer(), "/api/v1/mentors")
    token = token_for(wired, "lille-mentors")
    page = text(http.get(f"/reponse/{token}"))
    ref = made["reference"]
    assert title_of(page) == f"Candidature de mentor {ref} – {settings.network_name}"
    assert h1_of(page) == f'Candidature de mentor bénévole <span class="nowrap">{ref}</span>'
    assert re.findall(r'<form class="answer-form" method="post" action="([^"]+)"', page) == [f"/reponse/{token}"] * 2
    assert "Le réseau propose ce profil de bénévole à Association lille-mentors." in page
    assert len(re.findall(r'name="reason" value=', page)) == 4
    accepted = text(post_form(http, f"/reponse/{token}", {"decision": "accept", "csrf": csrf_of(page)}))
    assert title_of(accepted) == f"Candidature de mentor {ref} – {settings.network_name}"
    contacts = accepted.split("<h2>Coordonnées</h2>")[1].split("<h2>Rappel du profil</h2>")[0]
    assert facts(contacts) == [
        ("Nom", "Paul Durand"),
        ("E-mail", '<a href="mailto:paul.durand@example.net">paul.durand@example.net</a>'),
        ("Téléphone", '<a href="tel:+33698765432">06 98 76 54 32</a>'),
    ]


def test_a_sign_up_refused_without_reason_has_an_error_title(http, wired, settings):
    made = submit(http, volunteer(), "/api/v1/mentors")
    token = token_for(wired, "lille-mentors")
    page = text(http.get(f"/reponse/{token}"))
    r = post_form(http, f"/reponse/{token}", {"decision": "decline", "csrf": csrf_of(page)})
    assert r.status_code == 422
    assert title_of(text(r)) == (
        f"Erreur : le formulaire contient 1 erreur – Erreur : Candidature de mentor {made['reference']} – "
        f"{settings.network_name}"
    )


def test_a_sign_up_whose_association_left_the_directory_says_votre_association(http, wired):
    submit(http, volunteer(), "/api/v1/mentors")
    token = token_for(wired, "lille-mentors")
    wired.directory.replace([association("first-asso")])
    page = text(http.get(f"/reponse/{token}"))
    assert "Le réseau propose ce profil de bénévole à votre association." in page


# -- the answer page in each state an association can find it in (docs/contract.md §9): just
# declined, reopened after a decline or an acceptance, and the volunteer's profile facts.


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
