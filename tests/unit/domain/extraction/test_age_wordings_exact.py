"""The youth's age read from a mail, wording by wording: digits and French number words,
birth dates (full, month and year, year alone checked against a stated age), and what is no
age of the youth now (a duration, a range, a future age, another person's). Exact value,
evidence and confidence; today is 16 November 2026. Pure: no I/O."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.extraction import extract_request


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
