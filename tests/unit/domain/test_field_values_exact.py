"""What a submission's texts become once read (trimmed, NFC, controls removed, the address's
domain lowercased, the number in one form), the exact refusal for each kind of bad text, and
a stored number as people read it. Pure: no I/O."""

from __future__ import annotations

import pytest

from chalicelib.domain.phone import display_phone
from chalicelib.domain.submission import InvalidSubmission, parse_submission
from tests.builders import youth

TOO_LONG = "Texte trop long : {} caractères au plus."
BAD_CHARACTERS = "Caractères non autorisés (invisibles ou de contrôle) : retapez ce champ sans copier-coller."
INVALID_EMAIL = "Adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@exemple.fr)."


def errors_of(data: dict) -> dict[str, str]:
    with pytest.raises(InvalidSubmission) as caught:
        parse_submission(data, json=True)
    return {e.field: e.message for e in caught.value.errors}


def test_texts_are_trimmed_normalised_and_cleaned():
    s = parse_submission(
        youth(
            first_name="  Le\u0301a  ",
            last_name=" Martin ",
            city=" Roubaix ",
            message="  Bonjour\r\nça va\rmerci\x07\u202e\t!  ",
            email="Lea.Martin@EXAMPLE.NET",
            phone="+33 6 12 34 56 78",
        ),
        json=True,
    )
    assert (s.first_name, s.last_name, s.city, s.message, s.email, s.phone) == (
        "Léa",
        "Martin",
        "Roubaix",
        "Bonjour\nça va\nmerci\t!",
        "Lea.Martin@example.net",
        "0612345678",
    )


def test_blank_optional_texts_are_absent():
    s = parse_submission(youth(email="  ", message="   ", city="\u3000"), json=True)
    assert (s.email, s.message, s.city, s.phone) == (None, None, None, "0612345678")


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"first_name": "L" * 101}, {"first_name": TOO_LONG.format(100)}),
        ({"last_name": "M" * 101}, {"last_name": TOO_LONG.format(100)}),
        ({"city": "R" * 201}, {"city": TOO_LONG.format(200)}),
        ({"message": "m" * 2001}, {"message": TOO_LONG.format(2000)}),
        ({"first_name": "Lé\u200ba"}, {"first_name": BAD_CHARACTERS}),
        ({"city": "Rou\x00baix"}, {"city": BAD_CHARACTERS}),
        ({"email": "lea@"}, {"email": INVALID_EMAIL}),
        ({"email": "a" * 250 + "@x.fr"}, {"email": INVALID_EMAIL}),
        ({"email": 3}, {"email": "Texte attendu."}),
        ({"first_name": 3}, {"first_name": "Texte attendu."}),
        ({"message": 3}, {"message": "Texte attendu."}),
        (
            {"phone": "06 12 34 56 7"},
            {"phone": "Numéro de téléphone invalide (exemple : 06 12 34 56 78 ou +33 6 12 34 56 78)."},
        ),
    ],
)
def test_the_refusal_of_each_bad_text(change, expected):
    assert errors_of(youth(**change)) == expected


def test_lengths_up_to_the_limit_are_accepted():
    s = parse_submission(youth(first_name="L" * 100, city="R" * 200, message="m" * 2000), json=True)
    assert (len(s.first_name), len(s.city), len(s.message)) == (100, 200, 2000)


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("0612345678", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("0033 6 12 34 56 78", "06 12 34 56 78"),
        ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
        ("+330612345678", "06 12 34 56 78"),
        ("33612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("0012345678", "0012345678"),
        (" 12 ", "12"),
        ("", ""),
        (None, None),
    ],
)
def test_a_number_as_people_read_it(stored, shown):
    assert display_phone(stored) == shown


@pytest.mark.parametrize("blank", ["\u00a0", "\u2003", "\u3000", "\u202f", "   "])
def test_a_name_of_spaces_only_is_missing(blank):
    assert errors_of(youth(first_name=blank)) == {"first_name": "Champ obligatoire."}


@pytest.mark.parametrize("control", [" \t ", "\u2028", "\u0085", "Lé\u00ada"])
def test_a_name_with_control_or_invisible_characters_is_refused(control):
    assert errors_of(youth(first_name=control)) == {"first_name": BAD_CHARACTERS}


def test_a_name_keeps_its_inner_no_break_space():
    assert parse_submission(youth(first_name="Jean\u00a0Paul"), json=True).first_name == "Jean\u00a0Paul"
