"""A volunteer's sign-up refused field by field, with the exact French message each person
reads; whole numbers given as 4.0 are whole. Pure: no I/O."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.submission import InvalidSubmission
from tests.builders import volunteer

ADULTS = "Le mentorat bénévole est ouvert aux adultes : l'âge doit être compris entre 18 et 99 ans."
HOURS = "Indiquez un nombre d'heures par mois entre 1 et 40."
WHOLE = "Indiquez un nombre entier."
AT_LEAST_ONE = "Cochez au moins une proposition."


def errors_of(data: dict, json: bool = True) -> dict[str, str]:
    try:
        parse_mentor_submission(data, json=json)
    except InvalidSubmission as refused:
        return {e.field: e.message for e in refused.errors}
    return {}


@pytest.mark.parametrize(
    "data, json, expected",
    [
        (volunteer(age=17), True, {"age": ADULTS}),
        (volunteer(age=100), True, {"age": ADULTS}),
        (volunteer(age=42.5), True, {"age": WHOLE}),
        (volunteer(age=True), True, {"age": WHOLE}),
        (volunteer(age="42"), True, {"age": WHOLE}),
        (volunteer(age="42"), False, {}),
        (volunteer(hours_per_month=0), True, {"hours_per_month": HOURS}),
        (volunteer(hours_per_month=41), True, {"hours_per_month": HOURS}),
        (volunteer(hours_per_month=4.0), True, {}),
        (volunteer(hours_per_month=4.5), True, {"hours_per_month": WHOLE}),
        (volunteer(modes=[]), True, {"modes": AT_LEAST_ONE}),
        (volunteer(needs=[]), True, {"needs": AT_LEAST_ONE}),
        (volunteer(youth_ages=[]), True, {"youth_ages": AT_LEAST_ONE}),
        (volunteer(modes=["x"]), True, {"modes": "Choisissez une des propositions."}),
        (volunteer(modes="distance"), True, {"modes": "Une liste est attendue."}),
        (
            volunteer(commitment=False),
            True,
            {
                "commitment": (
                    "Le mentorat demande un engagement d'au moins 6 mois : cochez cette case si vous le pouvez."
                )
            },
        ),
        (
            volunteer(consent=False),
            True,
            {"consent": "Votre accord est nécessaire pour transmettre votre profil à une association."},
        ),
        (volunteer(commitment="on"), True, {"commitment": "Valeur invalide."}),
        (volunteer(commitment="on", consent="on"), False, {}),
        (volunteer(occupation="x"), True, {"occupation": "Choisissez une des propositions."}),
        (volunteer(sector="s" * 101), True, {"sector": "Texte trop long : 100 caractères au plus."}),
        (volunteer(postal_code="99999"), True, {"postal_code": "Code postal invalide : 5 chiffres (exemple : 59100)."}),
        (volunteer(email=" "), True, {"email": "Champ obligatoire."}),
        (volunteer(first_name=" "), True, {"first_name": "Champ obligatoire."}),
    ],
)
def test_the_message_for_each_refusal(data, json, expected):
    assert errors_of(data, json) == expected


def test_whole_numbers_given_as_floats_are_stored_whole():
    s = parse_mentor_submission(volunteer(age=42.0, hours_per_month=4.0), json=True)
    assert (s.age, type(s.age), s.hours_per_month, type(s.hours_per_month)) == (42, int, 4, int)
