"""Every problem of a submission at once: when a field fails to parse, the rules on who
submits (names, contact, age range, a parent's consent, consent) still run on the raw
form values, with their exact French messages. Form text ("14", "on") is read leniently;
JSON exactly. Pure: no I/O."""

from __future__ import annotations

import pytest

from chalicelib.domain.submission import InvalidSubmission, parse_submission
from tests.builders import youth


def errors_of(data: dict, json: bool) -> dict[str, str]:
    try:
        parse_submission(data, json=json)
    except InvalidSubmission as refused:
        return {e.field: e.message for e in refused.errors}
    return {}


def _without(data: dict, *keys: str) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


def form(**changes) -> dict:
    """The youth form's fields as a browser sends them: text, "on" for a ticked box."""
    out = {}
    for k, v in youth(**changes).items():
        if v is False or v is None:
            continue
        out[k] = "on" if v is True else str(v) if isinstance(v, int) else v
    return out


REFERENT = {"email": "c@college.example.fr", "structure_name": "C"}
C = {
    "form valid": form(),
    "form age 14 consent on": form(age=14, parental_consent="on"),
    "form age 14 consent true": form(age=14, parental_consent="true"),
    "form age 14 consent 1": form(age=14, parental_consent="1"),
    "form age 14 consent yes": form(age=14, parental_consent="yes"),
    "form age 14 consent non": form(age=14, parental_consent="non"),
    "form age 14 no consent": form(age=14),
    "form age 12": form(age=12),
    "form age x + no last name": _without(form(age="x"), "last_name"),
    "form age x + age-14-like": _without(form(age="abc", postal_code="99999"), "email", "phone"),
    "form bad postal + age 14": form(age=14, postal_code="99999"),
    "form bad postal + age 31": form(age=31, postal_code="99999"),
    "form bad postal + age ' 14 '": form(age=" 14 ", postal_code="99999"),
    "form bad postal + blank names": form(first_name=" ", last_name=" ", postal_code="99999"),
    "form bad postal + consent off": _without(form(postal_code="99999"), "consent"),
    "form bad postal + consent yes": form(postal_code="99999", consent="yes"),
    "form bad postal + referent": {
        **_without(form(age=5, postal_code="99999"), "last_name", "email", "phone"),
        "referent": REFERENT,
    },
    "json bad postal + age True": youth(age=True, postal_code="99999"),
}
EXPECTED = [
    ("form valid", {}),
    ("form age 14 consent on", {}),
    ("form age 14 consent true", {}),
    ("form age 14 consent 1", {}),
    ("form age 14 consent yes", {}),
    ("form age 14 consent non", {"parental_consent": "Valeur invalide."}),
    (
        "form age 14 no consent",
        {"parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire."},
    ),
    (
        "form age 12",
        {
            "age": "L'âge doit être compris entre 13 et 30 ans. Pour un enfant plus jeune, un professionnel peut faire la demande."
        },
    ),
    ("form age x + no last name", {"age": "Indiquez un nombre entier.", "last_name": "Champ obligatoire."}),
    (
        "form age x + age-14-like",
        {
            "age": "Indiquez un nombre entier.",
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "email": "Indiquez une adresse e-mail ou un numéro de téléphone.",
        },
    ),
    (
        "form bad postal + age 14",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire.",
        },
    ),
    (
        "form bad postal + age 31",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "age": "L'âge doit être compris entre 13 et 30 ans. Pour un enfant plus jeune, un professionnel peut faire la demande.",
        },
    ),
    (
        "form bad postal + age ' 14 '",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "parental_consent": "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire.",
        },
    ),
    (
        "form bad postal + blank names",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "first_name": "Champ obligatoire.",
            "last_name": "Champ obligatoire.",
        },
    ),
    (
        "form bad postal + consent off",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "consent": "Votre accord est nécessaire pour transmettre la demande.",
        },
    ),
    ("form bad postal + consent yes", {"postal_code": "Code postal invalide : 5 chiffres (exemple : 59100)."}),
    (
        "form bad postal + referent",
        {
            "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100).",
            "age": "L'âge doit être compris entre 6 et 30 ans.",
        },
    ),
    (
        "json bad postal + age True",
        {"age": "Indiquez un nombre entier.", "postal_code": "Code postal invalide : 5 chiffres (exemple : 59100)."},
    ),
]


@pytest.mark.parametrize("case, expected", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_every_problem_at_once(case, expected):
    assert errors_of(C[case], json=case.startswith("json")) == expected
