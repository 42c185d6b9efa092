"""A volunteer's sign-up: the rules of docs/contract.md §11, with French messages, the
form's text read leniently and the API's JSON taken exactly; the OpenAPI schema says the same."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor_submission import MentorSubmission, parse_mentor_submission
from chalicelib.domain.submission import InvalidSubmission
from tests.builders import volunteer


def errors(data, json=True) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as raised:
        parse_mentor_submission(data, json=json)
    return {e.field: e.message for e in raised.value.errors}


def test_a_valid_sign_up_is_read_and_normalised():
    s = parse_mentor_submission(
        volunteer(first_name="  Paul ", phone="+33 6 98 76 54 32", modes=["distance", "distance"]), json=True
    )
    assert s.first_name == "Paul" and s.phone == "0698765432" and [m.value for m in s.modes] == ["distance"]


def test_every_missing_field_is_named_at_once_in_french():
    found = errors({})
    assert set(found) == {
        "first_name",
        "last_name",
        "email",
        "age",
        "postal_code",
        "occupation",
        "modes",
        "hours_per_month",
        "youth_ages",
        "needs",
        "commitment",
        "consent",
    }
    assert found["first_name"] == "Champ obligatoire."
    assert "6 mois" in found["commitment"]


@pytest.mark.parametrize("age, ok", [(17, False), (18, True), (99, True), (100, False), (42.0, True), (42.5, False)])
def test_volunteers_are_adults_18_to_99(age, ok):
    if ok:
        assert parse_mentor_submission(volunteer(age=age), json=True).age == int(age)
    else:
        assert set(errors(volunteer(age=age))) == {"age"}


@pytest.mark.parametrize("hours, ok", [(0, False), (1, True), (40, True), (41, False)])
def test_hours_per_month_are_1_to_40(hours, ok):
    if ok:
        assert parse_mentor_submission(volunteer(hours_per_month=hours), json=True).hours_per_month == hours
    else:
        assert "entre 1 et 40" in errors(volunteer(hours_per_month=hours))["hours_per_month"]


def test_the_api_takes_json_types_exactly_and_the_form_sends_text():
    assert set(errors(volunteer(age="42", hours_per_month="4", consent="on"))) == {"age", "hours_per_month", "consent"}
    s = parse_mentor_submission(volunteer(age="42", hours_per_month="4"), json=False)
    assert (s.age, s.hours_per_month) == (42, 4)


@pytest.mark.parametrize("field", ["modes", "youth_ages", "needs"])
def test_each_list_needs_at_least_one_known_value(field):
    assert errors(volunteer(**{field: []}))[field] == "Cochez au moins une proposition."
    assert errors(volunteer(**{field: ["inconnu"]}))[field] == "Choisissez une des propositions."


def test_an_unticked_box_is_refused_with_its_own_message():
    found = errors(volunteer(commitment=False, consent=False))
    assert "6 mois" in found["commitment"] and "accord" in found["consent"].lower()


def test_optional_fields_may_be_absent_blank_or_null():
    s = parse_mentor_submission(volunteer(phone=None, city="  ", sector=None, message=""), json=True)
    assert (s.phone, s.city, s.sector, s.message) == (None, None, None, None)


def test_texts_refuse_invisible_characters_and_lengths_count():
    assert set(errors(volunteer(first_name="Pa\u200bul", sector="x" * 101))) == {"first_name", "sector"}


def test_the_schema_requires_what_the_rules_require():
    schema = MentorSubmission.model_json_schema()
    assert set(schema["required"]) == {
        "first_name",
        "last_name",
        "email",
        "age",
        "postal_code",
        "occupation",
        "modes",
        "hours_per_month",
        "youth_ages",
        "needs",
        "commitment",
        "consent",
    }
    props = schema["properties"]
    assert (props["age"]["minimum"], props["age"]["maximum"]) == (18, 99)
    assert (props["hours_per_month"]["minimum"], props["hours_per_month"]["maximum"]) == (1, 40)
    assert props["modes"]["minItems"] == 1 and props["modes"]["items"]["enum"] == ["presentiel", "distance"]
    assert props["youth_ages"]["items"]["enum"] == ["6-10", "11-14", "15-18", "19-25", "26-30"]
    assert props["commitment"] == {"const": True} and props["consent"] == {"const": True}


# -- each refusal's exact French message ---------------------------------------------------

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
