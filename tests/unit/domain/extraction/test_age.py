"""The youth's age at its edges: two-digit birth years, day and month of a numeric date,
birthdays on the day, the 5 and 30 years limits, "à 14 ans" (an age at some moment) against
"14 ans", the writer's own age, a birth year that contradicts the stated age."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.domain.extraction import ACCEPT, Extraction, Found, extract_request

TODAY = date(2026, 6, 1)


def read(text: str, today: date = TODAY, **kw: Any) -> Extraction:
    return extract_request("", text, today=today, **kw)


def age_of(text: str, today: date = TODAY, **kw: Any) -> int | None:
    found = read(text, today, **kw).age
    return found.value if found is not None and found.confidence >= ACCEPT else None


def found_age(text: str, today: date = TODAY, **kw: Any) -> Found | None:
    return read(text, today, **kw).age


# --- A full numeric birth date -----------------------------------------------------------


def test_day_then_month_in_a_numeric_birth_date():
    # 3 April 2011: 15 on the birthday, 14 the day before. Read month-first (4 March... or
    # 4 April), the age on 3 April would be wrong.
    assert age_of("Le jeune est né le 03/04/2011.", today=date(2026, 4, 3)) == 15
    assert age_of("Le jeune est né le 03/04/2011.", today=date(2026, 4, 2)) == 14
    assert age_of("Le jeune est né le 15/03/2011.", today=date(2026, 3, 15)) == 15
    assert age_of("Le jeune est né le 15/03/2011.", today=date(2026, 3, 14)) == 14


def test_birthday_on_the_31st_of_december_and_the_first_of_january():
    assert age_of("née le 31/12/2010", today=date(2026, 12, 31)) == 16
    assert age_of("née le 31/12/2010", today=date(2026, 12, 30)) == 15
    assert age_of("née le 01/01/2011", today=date(2027, 1, 1)) == 16
    assert age_of("née le 01/01/2011", today=date(2026, 12, 31)) == 15


def test_two_digit_birth_year_this_century_when_not_after_this_year():
    assert age_of("Mon fils, né le 03/04/11, cherche un stage.", today=date(2026, 4, 3)) == 15
    # 21: this century (2021, 5 years old), not 1921.
    assert age_of("né le 01/06/21", today=TODAY) == 5


def test_two_digit_birth_year_last_century_when_after_this_year():
    # 98: 1998, not 2098 (which would give no age) nor 1999.
    assert age_of("né le 01/06/98", today=TODAY) == 28
    assert age_of("né le 02/06/98", today=TODAY) == 27


def test_a_year_written_with_four_digits_is_never_shifted_by_a_century():
    # "0100" is a (mistyped) four-digit year: no age, not 2000's 26 years.
    assert found_age("Date de naissance : 01/01/0100", today=TODAY) is None


def test_an_impossible_date_does_not_hide_the_next_one():
    assert age_of("DDN : 31/02/2010. Correction : née le 01/06/2012.", today=TODAY) == 14


@pytest.mark.parametrize(
    "text, age",
    [("né le 01/06/2021", 5), ("né le 01/06/1996", 30)],
)
def test_a_birth_date_giving_the_limit_ages(text, age):
    assert age_of(text, today=TODAY) == age


def test_a_birth_date_is_found_with_its_words_and_confidence():
    found = found_age("Bonjour, le jeune est né le 03/04/2011 à Lyon.", today=date(2026, 4, 3))
    assert found == Found(15, "né le 03/04/2011", 0.95, "body")


def test_a_birth_date_is_preferred_to_the_same_stated_age():
    # Both say 15: the surer one (the date) is what is kept, with its words.
    found = found_age("Il a 15 ans, né le 03/04/2011.", today=date(2026, 4, 3))
    assert found == Found(15, "né le 03/04/2011", 0.95, "body")
    found = found_age("Né le 03/04/2011, il a 15 ans.", today=date(2026, 4, 3))
    assert found == Found(15, "Né le 03/04/2011", 0.95, "body")


# --- A month and year of birth -----------------------------------------------------------


def test_month_and_year_of_birth_before_and_after_the_birthday_month():
    # June 2010, read in March 2026: 15 (the birthday is still to come); in July: 16.
    assert age_of("Né en juin 2010.", today=date(2026, 3, 1)) == 15
    assert age_of("Né en juin 2010.", today=date(2026, 7, 1)) == 16


def test_month_and_year_of_birth_is_found_with_its_words_and_confidence():
    found = found_age("Bonjour, il est né en juin 2010 à Lille.", today=date(2026, 3, 1))
    assert found == Found(15, "né en juin 2010", 0.85, "body")


@pytest.mark.parametrize(
    "text, age",
    [("Né en janvier 2021.", 5), ("Née en janvier 1996.", 30)],
)
def test_month_and_year_of_birth_giving_the_limit_ages(text, age):
    assert age_of(text, today=TODAY) == age


def test_a_month_and_year_of_birth_then_a_contradicting_birth_year():
    # June 2010 (15 in March 2026) and "né en 2005" (20 or 21): which is right is unknown.
    assert found_age("Né en juin 2010, ou né en 2005 selon un autre papier.", today=date(2026, 3, 1)) is None


# --- A birth year alone, against a stated age --------------------------------------------


def test_a_birth_year_agreeing_with_the_stated_age():
    # Born in 2009, 16 or 17 in 2026: "16 ans" agrees (the birthday is to come).
    assert age_of("Il a 16 ans, né en 2009.", today=TODAY) == 16
    assert age_of("Il a 17 ans, né en 2009.", today=TODAY) == 17


def test_a_birth_year_contradicting_the_stated_age():
    assert found_age("Il a 16 ans, né en 2005.", today=TODAY) is None


@pytest.mark.parametrize(
    "text",
    [
        "Il a 6 ans, né en 2021.",  # the year says 4 or 5
        "Il a 29 ans, né en 1995.",  # the year says 30 or 31
    ],
)
def test_a_birth_year_at_the_edges_still_contradicts(text):
    assert found_age(text, today=TODAY) is None


def test_a_birth_year_too_old_to_be_checked_leaves_the_stated_age():
    # 1994: 31 or 32 — beyond what is checked, the stated 30 stays.
    assert age_of("Il a 30 ans, né en 1994.", today=TODAY) == 30


# --- A stated age ------------------------------------------------------------------------


@pytest.mark.parametrize("text, age", [("Le jeune a 5 ans.", 5), ("Le jeune a 30 ans.", 30)])
def test_the_limit_ages_are_read(text, age):
    assert age_of(text) == age


@pytest.mark.parametrize("text", ["Le jeune a 45 ans.", "Le jeune a 3 ans.", "Il a 31 ans."])
def test_ages_out_of_range_are_not_read(text):
    assert found_age(text) is None


def test_an_age_at_some_moment_is_a_hint_only():
    found = found_age("Bonjour. Il a quitté l'école à 16 ans et cherche une formation.")
    assert found == Found(16, "16 ans", 0.5, "body")


def test_an_age_at_some_moment_at_the_very_start_of_the_text():
    # "À 16 ans" (capital À, first words of the mail): still an age at some moment.
    found = found_age("À 16 ans, il a quitté l'école.")
    assert found is not None and (found.value, found.confidence) == (16, 0.5)
    found = found_age("à 16 ans, il a quitté l'école.")
    assert found is not None and (found.value, found.confidence) == (16, 0.5)


def test_the_same_age_at_some_moment_said_twice():
    found = found_age("À 16 ans il a quitté l'école ; à 16 ans il a aussi quitté sa famille.")
    assert found is not None and (found.value, found.confidence) == (16, 0.5)


def test_a_stated_age_is_sure():
    found = found_age("Bonjour, le jeune a 16 ans et cherche une formation.")
    assert found == Found(16, "16 ans", 0.9, "body")


def test_the_writers_own_age_is_not_the_youths():
    assert age_of("Bonjour, j'ai 28 ans et ma fille a 12 ans.") == 12
    assert age_of("J'ai 25 ans. Le jeune a 16 ans.") == 16


def test_a_parent_giving_only_their_own_age():
    assert found_age("Bonjour, j'ai 28 ans et je vous écris pour mon fils.") is None


def test_a_youth_writing_their_own_age():
    assert age_of("Bonjour, j'ai 17 ans et je cherche un stage.") == 17


def test_an_age_in_the_signature_is_not_the_youths():
    assert found_age("Bonjour, je cherche un mentor.", signature="Julie Martin, 27 ans") is None


def test_aged_of_is_an_age_even_after_words_that_usually_say_otherwise():
    # "bientôt 16 ans" is not an age now; "bientôt âgé de 16 ans" is read as one.
    assert age_of("Il est bientôt âgé de 16 ans.") == 16
    assert found_age("Il aura bientôt 16 ans.") is None


def test_a_duration_before_the_age_does_not_hide_it():
    assert age_of("Suivi depuis 6 ans, il a 16 ans.") == 16


def test_an_association_age_before_the_youths_does_not_hide_it():
    assert age_of("Notre association a 14 ans d'expérience ; le jeune a 16 ans.") == 16


def test_how_far_back_the_words_before_an_age_are_read():
    # A plain-text form with aligned columns: "depuis" 41 characters before the age is too
    # far to turn it into a duration; right before it (40), it does.
    far = "Suivi depuis" + " " * 35 + "14 ans"
    assert far.index("14") - far.index("depuis") == 41
    assert age_of(far) == 14
    near = "Suivi depuis" + " " * 34 + "14 ans"
    assert found_age(near) is None


def test_how_far_back_another_person_is_looked_for():
    # "sa mère" within 40 characters before the age: the age may be hers, it is not read.
    near = "Sa mère nous écrit et son garçon a 16 ans"
    assert found_age(near) is None
    # 41 characters or more before it: the age is the youth's.
    far = "Sa mère nous écrit et son garçon concerné a 16 ans"
    assert far.index("16") - far.index("mère") == 41
    assert age_of(far) == 16
    far = "Sa mère nous écrit et le garçon concerné par la demande a 16 ans"
    assert age_of(far) == 16


def test_how_far_the_words_after_an_age_are_read():
    # "de vie" (a duration) ending 31 characters after the age is not read; ending within
    # 30, it is.
    far = "Il a 14 ans" + " de" + " " * 25 + "vie"
    assert age_of(far) == 14
    near = "Il a 14 ans" + " de" + " " * 24 + "vie"
    assert found_age(near) is None


# -- The youth's age read from a mail, wording by wording: digits and French number words, birth
# dates (full, month and year, year alone checked against a stated age), and what is no age of the
# youth now (a duration, a range, a future age, another person's). Exact value, evidence and
# confidence; today is 16 November 2026. Pure: no I/O.


def age(own: str):
    found = extract_request("", own, today=date(2026, 11, 16)).age
    return None if found is None else (found.value, found.evidence, found.confidence)


CASES = [
    ("Il a 15 ans.", (15, "15 ans", 0.9)),
    ("Âgé de 15 ans.", (15, "Âgé de 15 ans", 0.9)),
    ("Âgée de 16 ans.", (16, "Âgée de 16 ans", 0.9)),
    ("Âgés 17 ans.", (17, "Âgés 17 ans", 0.9)),
    ("Il a quinze ans.", (15, "quinze ans", 0.9)),
    ("Il a dix-sept ans.", (17, "dix-sept ans", 0.9)),
    ("Il a dix sept ans.", (17, "dix sept ans", 0.9)),
    ("Il a vingt et un ans.", (21, "vingt et un ans", 0.9)),
    ("Il a vingt-trois ans.", (23, "vingt-trois ans", 0.9)),
    ("Il a trente ans.", (30, "trente ans", 0.9)),
    ("Il a cinq ans.", (5, "cinq ans", 0.9)),
    ("Il a 15 ans et demi.", (15, "15 ans et demi", 0.9)),
    ("Il a 4 ans.", None),
    ("Il a 31 ans.", None),
    ("Depuis 2 ans.", None),
    ("Pendant 3 ans.", None),
    ("De 16 à 25 ans.", None),
    ("16-25 ans.", None),
    ("Il aura 16 ans.", None),
    ("Il va avoir 16 ans.", None),
    ("Presque 16 ans.", None),
    ("Bientôt 16 ans.", None),
    ("En 2 ans.", None),
    ("Tous les 5 ans.", None),
    ("Il y a 3 ans.", None),
    ("Cela fait 3 ans.", None),
    ("D'ici 2 ans.", None),
    ("À ses 18 ans.", None),
    ("Plus de 16 ans.", None),
    ("Entre 15 et 18 ans.", None),
    ("15 ans d'expérience.", None),
    ("3 ans de retard.", None),
    ("2 ans de formation.", None),
    ("15 ans plus tard.", None),
    ("15 ans qu'il attend.", None),
    ("Son frère a 12 ans.", None),
    ("Sa mère, 40 ans.", None),
    ("Sa sœur a 10 ans, lui 15 ans.", (15, "15 ans", 0.9)),
    ("J'ai 17 ans.", (17, "17 ans", 0.9)),
    ("J'ai 42 ans, mon fils a 12 ans.", (12, "12 ans", 0.9)),
    ("Mon fils a 12 ans.", (12, "12 ans", 0.9)),
    ("À 16 ans, il a quitté l'école.", (16, "16 ans", 0.5)),
    ("Il a 15 ans. Il a 16 ans.", None),
    ("Né le 3 mars 2010.", (16, "Né le 3 mars 2010", 0.95)),
    ("Née le 1er janvier 2011.", (15, "Née le 1er janvier 2011", 0.95)),
    ("Date de naissance : 12/05/2009.", (17, "Date de naissance : 12/05/2009", 0.95)),
    ("DDN: 12.05.09", (17, "DDN: 12.05.09", 0.95)),
    ("Naissance : 12-05-2009", (17, "Naissance : 12-05-2009", 0.95)),
    ("Né le 31/02/2010.", None),
    ("Né(e) le 20/11/2010.", (15, "Né(e) le 20/11/2010", 0.95)),
    ("Née en mars 2010.", (16, "Née en mars 2010", 0.85)),
    ("Né en novembre 2010.", None),
    ("Né en 2010.", None),
    ("Né en 2010, il a 16 ans.", (16, "16 ans", 0.9)),
    ("Né en 2010, il a 15 ans.", (15, "15 ans", 0.9)),
    ("Né en 2010, il a 18 ans.", None),
    ("Né le 17/11/2010.", (15, "Né le 17/11/2010", 0.95)),
    ("Né le 16/11/2010.", (16, "Né le 16/11/2010", 0.95)),
    ("Né le 12/05/2030.", None),
]


@pytest.mark.parametrize("text, expected", [pytest.param(*c, id=c[0]) for c in CASES])
def test_age_wording(text, expected):
    assert age(text) == expected
