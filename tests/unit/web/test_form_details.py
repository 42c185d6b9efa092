"""Form details a person notices: one message for a too-young age, phone numbers as
people read them, the youth form's choices. Pure: no I/O."""

from __future__ import annotations

import pytest

from chalicelib.domain.phone import display_phone, phone_uri
from chalicelib.domain.submission import InvalidSubmission, parse_submission
from chalicelib.web import forms
from tests.builders import youth


def _errors(data: dict) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data)
    return {e.field: e.message for e in caught.value.errors}


@pytest.mark.parametrize("age", [12, "12", 5])
def test_a_child_under_13_gets_one_message_about_the_age_only(age):
    # No parental consent ticked: a 12-year-old used to get "a parent must agree" too,
    # a message that cannot help since the form refuses that age anyway.
    data = {**youth(), "age": age, "parental_consent": False}
    errors = _errors(data)
    assert list(errors) == ["age"]
    assert "entre 13 et 30 ans" in errors["age"]
    assert "professionnel" in errors["age"]  # says what to do instead


def test_parental_consent_still_required_at_13_and_14():
    for age in (13, 14):
        assert list(_errors({**youth(), "age": age, "parental_consent": False})) == ["parental_consent"]


def test_an_age_that_is_not_a_number_gets_one_message():
    errors = _errors({**youth(), "age": "douze", "parental_consent": False})
    assert list(errors) == ["age"]


@pytest.mark.parametrize(
    "typed",
    [
        "0612345678",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        "33612345678",
        " 06  12 34 56 78 ",
    ],
)
def test_a_french_mobile_is_shown_in_pairs_however_it_was_typed(typed):
    assert display_phone(typed) == "06 12 34 56 78"
    assert phone_uri(typed) == "tel:+33612345678"


def test_a_landline_is_shown_in_pairs():
    assert display_phone("+33320123456") == "03 20 12 34 56"


@pytest.mark.parametrize("odd", ["+44 20 7946 0958", "12345", "appeler le standard"])
def test_what_is_not_a_french_number_is_shown_as_typed(odd):
    assert display_phone(odd) == odd


def test_no_phone_stays_no_phone():
    assert display_phone(None) is None
    assert display_phone("") == ""
    assert phone_uri(None) is None


def test_the_youth_form_does_not_offer_primary_school_but_the_referent_form_does():
    youth_choices = [value for value, _ in forms.choices_for("youth")["situation"]]
    referent_choices = [value for value, _ in forms.choices_for("referent")["situation"]]
    assert "primaire" not in youth_choices
    assert "primaire" in referent_choices
    assert "college" in youth_choices and "etudiant" in youth_choices
