"""The legal pages and the footer say what each deployment's settings say; no I/O."""

from __future__ import annotations

import html

import pytest

from chalicelib.adapters.templates import render_page
from chalicelib.config import Settings

CUSTOM = {
    "NETWORK_NAME": "Mentorat Hauts-de-France",
    "LEGAL_PUBLISHER": "Association Passerelles, association loi 1901",
    "LEGAL_PUBLISHER_ADDRESS": "12 rue Nationale, 59000 Lille",
    "LEGAL_PUBLISHER_CONTACT": "bonjour@passerelles.example.org",
    "LEGAL_DIRECTOR": "Mme Claire Dumont, présidente",
    "LEGAL_HOST": "Hébergeur Exemple SAS, 1 quai de l'Ouest, 69000 Lyon",
    "PRIVACY_CONTACT": "dpo@passerelles.example.org",
    "ACCESSIBILITY_CONTACT": "a11y@passerelles.example.org",
    "ACCESSIBILITY_STATUS": "partiellement conforme",
    "ACCESSIBILITY_STATEMENT_DATE": "2 février 2027",
    "RETENTION_DAYS": "180",
    "MAIL_RETENTION_DAYS": "60",
    "REROUTE_DAYS": "7",
}


def page(name: str, env: dict[str, str]) -> str:
    return html.unescape(render_page(name, site=Settings.from_env(env), page_title=name))


def test_defaults_are_complete_sentences():
    text = page("legal_notice", {})
    assert "Ce site est édité par Réseau Mentorat, association loi 1901." in text
    assert "La présidente ou le président de l'association." in text
    assert "l'adresse du siège vous est communiquée sur simple demande" in text
    privacy = page("privacy", {})
    assert "un an après son envoi" in privacy and "envoyons : 1 mois" in privacy and "10 jours" in privacy


@pytest.mark.parametrize("name", ["home", "legal_notice", "privacy", "accessibility", "not_found"])
def test_the_footer_names_the_configured_network(name):
    text = page(name, CUSTOM)
    assert "Mentorat Hauts-de-France :" in text
    assert "Réseau Mentorat" not in text  # no default left behind
    assert "supprimées au bout de 6 mois au plus" in text  # RETENTION_DAYS=180
    assert ">Accessibilité : partiellement conforme</a>" in text


def test_the_legal_notice_reads_its_settings():
    text = page("legal_notice", CUSTOM)
    assert "Association Passerelles, association loi 1901" in text
    assert "Siège : 12 rue Nationale, 59000 Lille" in text
    assert "mailto:bonjour@passerelles.example.org" in text
    assert "Mme Claire Dumont, présidente." in text
    assert "Hébergeur Exemple SAS, 1 quai de l'Ouest, 69000 Lyon" in text
    assert "sur simple demande" not in text


def test_the_privacy_page_states_the_durations_the_service_enforces():
    text = page("privacy", CUSTOM)
    assert "Votre demande et tout ce qui la concerne : 6 mois après son envoi" in text
    assert "La copie des e-mails que nous envoyons : 2 mois" in text
    assert "ne répond pas dans les 7 jours" in text
    assert "Association Passerelles" in text and "mailto:dpo@passerelles.example.org" in text
    assert "Le compteur d'envois par connexion : 10 minutes" in text  # RATE_LIMIT 20/600


def test_the_accessibility_statement_reads_its_settings():
    text = page("accessibility", CUSTOM)
    assert "<strong>partiellement conforme</strong>" in text
    assert "Aucun audit" not in text  # only said while the status is "non conforme"
    assert "établie le 2 février 2027" in text
    assert "mailto:a11y@passerelles.example.org" in text


def test_the_privacy_page_tells_volunteers_how_long_their_sign_up_is_kept():
    default = page("privacy", {})
    assert "Votre candidature de bénévole : 3 mois après son envoi si aucune association ne l'a acceptée" in default
    shorter = page("privacy", {"MENTOR_RETENTION_DAYS": "45", "RETENTION_DAYS": "180"})
    assert "Votre candidature de bénévole : 45 jours après son envoi" in shorter
    assert "elle est gardée 6 mois après son acceptation" in shorter
    assert "casier judiciaire" in shorter  # what the form does not collect
