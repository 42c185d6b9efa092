"""The exact French messages a person reads when a field is refused, the call links of
numbers, and masking that sees through invisible control characters. Pure: no I/O."""

from __future__ import annotations

import pytest

from chalicelib.domain.phone import phone_uri
from chalicelib.domain.submission import InvalidSubmission, parse_submission
from chalicelib.domain.text import redact_contacts
from tests.builders import youth

AGE_13_30 = (
    "L'âge doit être compris entre 13 et 30 ans. Pour un enfant plus jeune, un professionnel peut faire la demande."
)


def errors_of(data: dict, json: bool = True) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data, json=json)
    return {e.field: e.message for e in caught.value.errors}


def _without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


@pytest.mark.parametrize(
    "data, expected",
    [
        (youth(postal_code=None), {"postal_code": "Champ obligatoire."}),
        (youth(postal_code="   "), {"postal_code": "Champ obligatoire."}),
        (youth(postal_code=""), {"postal_code": "Champ obligatoire."}),
        (youth(postal_code="5910"), {"postal_code": "Code postal invalide : 5 chiffres (exemple : 59100)."}),
        (youth(consent="on"), {"consent": "Valeur invalide."}),
        (youth(parental_consent=1), {"parental_consent": "Valeur invalide."}),
        (youth(phone=612345678), {"phone": "Texte attendu."}),
        (_without(youth(), "email", "phone"), {"email": "Indiquez une adresse e-mail ou un numéro de téléphone."}),
        (youth(age=12), {"age": AGE_13_30}),
        (youth(age=31), {"age": AGE_13_30}),
        (
            youth(age=14),
            {"parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire."},
        ),
        (youth(consent=False), {"consent": "Votre accord est nécessaire pour transmettre la demande."}),
    ],
)
def test_the_message_shown_for_each_refusal(data, expected):
    assert errors_of(data) == expected


def test_with_a_referent_the_age_range_has_no_hint():
    data = _without(youth(age=5), "last_name", "email", "phone")
    data["referent"] = {"email": "c.durand@college.example.fr", "structure_name": "Collège Jean Macé"}
    assert errors_of(data) == {"age": "L'âge doit être compris entre 6 et 30 ans."}


@pytest.mark.parametrize(
    "value, uri",
    [
        ("+33 6 12 34 56 78", "tel:+33612345678"),
        ("06.12.34.56.78", "tel:+33612345678"),
        ("+44 20 7946 0958", "tel:+442079460958"),
        ("(+1) 212-555-0100", "tel:+12125550100"),
        ("12", "tel:12"),
        ("", None),
        (None, None),
    ],
)
def test_call_links(value, uri):
    assert phone_uri(value) == uri


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Appelle au 06\x0012\x0034\x0056\x0078 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au 06\x0712\x0734\x0756\x0778 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au 06\x1b12\x1b34\x1b56\x1b78 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au 06\u200b12\u200b34\u200b56\u200b78 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au +33/6/12/34/56/78 merci", "Appelle au [numéro masqué] merci"),
        ("Appelle au +33 6/12/34/56/78.", "Appelle au [numéro masqué]."),
        ("ligne 1\tligne 2\nligne 3", "ligne 1\tligne 2\nligne 3"),
    ],
)
def test_masking_sees_through_controls_and_keeps_the_plus(text, masked):
    assert redact_contacts(text) == masked
