"""Contact details masked in free text however they are spelled: each spelling of an
address's "@" and dots, each way of writing a French number, and what is left alone
(dates, ages, too many digits, a domain that is no real one). Exact output. Pure: no I/O."""

from __future__ import annotations

import pytest

from chalicelib.domain.text import redact_contacts

CASES = [
    ("mail : l e a @ e x a m p l e . f r merci", "mail : [adresse masquée] merci"),
    ("l e a . m @ x . f r", "[adresse masquée]"),
    ("Tél : 0 6 1 2 3 4 5 6 7 8.", "Tél : [numéro masqué]."),
    ("Tél 0\t6\t1\t2\t3\t4\t5\t6\t7\t8", "Tél [numéro masqué]"),
    ("a b c d e", "a b c d e"),
    ("mon mail lea_m@x.fr et 06_12_34_56_78", "mon mail [adresse masquée] et [numéro masqué]"),
    ("lea\u200b@\u200bexample.net", "[adresse masquée]"),
    ("lea@exa\u00admple.net", "[adresse masquée]"),
    ("lea\uff20example.net", "[adresse masquée]"),
    ("lea\ufe6bexample.net", "[adresse masquée]"),
    ("06\u201112\u201134\u201156\u201178", "[numéro masqué]"),
    ("06\u221212\u221234\u221256\u221278", "[numéro masqué]"),
    ("06/12/34/56/78/07/11/22/33/44", "[numéro masqué]/[numéro masqué]"),
    ("06/12/34/56/78 / 07/11/22/33/44", "[numéro masqué] / [numéro masqué]"),
    ("12/03/2026 06/12/34/56/78", "12/03/2026 [numéro masqué]"),
    ("n° 1234 / 06/12/34/56/78", "n° 1234 / [numéro masqué]"),
    ("Écris à lea@example.net merci", "Écris à [adresse masquée] merci"),
    ("lea @ example.net", "[adresse masquée]"),
    ("lea(at)example.net", "[adresse masquée]"),
    ("lea [at] example.net", "[adresse masquée]"),
    ("lea {arobase} example.net", "[adresse masquée]"),
    ("lea <arobas> example.net", "[adresse masquée]"),
    ("lea (@) example.net", "[adresse masquée]"),
    ("lea at example.net", "[adresse masquée]"),
    ("lea arobase example.net", "[adresse masquée]"),
    ("lea arobas example.net", "[adresse masquée]"),
    ("lea@example dot fr", "[adresse masquée]"),
    ("lea at example point fr", "[adresse masquée]"),
    ("lea@example (dot) fr", "[adresse masquée]"),
    ("lea@example [point] com", "[adresse masquée]"),
    ("lea@example . org", "[adresse masquée]"),
    ("lea@example(.)net", "[adresse masquée]"),
    ("lea at example dot xyz", "lea at example dot xyz"),
    ("lea@example.net. Merci", "[adresse masquée]. Merci"),
    ("lea at example point fr. Merci bien", "[adresse masquée]. Merci bien"),
    ("lea (at) example", "[adresse masquée]"),
    ("lea@example", "[adresse masquée]"),
    ("@lea_insta", "[adresse masquée]"),
    ("Contact: lea.martin+ml@sub.example.co.uk.", "Contact: [adresse masquée]."),
    ("06 12 34 56 78", "[numéro masqué]"),
    ("06.12.34.56.78", "[numéro masqué]"),
    ("06-12-34-56-78", "[numéro masqué]"),
    ("0612345678", "[numéro masqué]"),
    ("+33 6 12 34 56 78", "[numéro masqué]"),
    ("+33612345678", "[numéro masqué]"),
    ("0033 6 12 34 56 78", "[numéro masqué]"),
    ("+33 (0)6 12 34 56 78", "[numéro masqué]"),
    ("06/12/34/56/78", "[numéro masqué]"),
    ("0 6 1 2 3 4 5 6 7 8", "[numéro masqué]"),
    ("06_12_34_56_78", "[numéro masqué]"),
    ("lea_m@x.fr", "[adresse masquée]"),
    ("le 12/03/2026 - 15/04/2026", "le 12/03/2026 - 15/04/2026"),
    ("j'ai 15 06 12 34 56 78", "j'ai 15 [numéro masqué]"),
    ("Il a 15 ans, né le 12.03.2011", "Il a 15 ans, né le 12.03.2011"),
    ("06 12 34 56 78 et 07 11 22 33 44", "[numéro masqué] et [numéro masqué]"),
    ("0612345678 0711223344", "[numéro masqué] [numéro masqué]"),
    ("tél : 06 12 34 56 7", "tél : [numéro masqué]"),
    ("06 12 34 56 789", "06 12 34 56 789"),
    ("٠٦١٢٣٤٥٦٧٨", "[numéro masqué]"),
    ("０６ １２ ３４ ５６ ７８", "[numéro masqué]"),
    ("06—12—34—56—78", "[numéro masqué]"),
    ("3312345678", "3312345678"),
    ("330612345678", "[numéro masqué]"),
    ("+330612345678", "[numéro masqué]"),
    ("06 12 34 56 78lea@x.fr", "[numéro masqué]"),
    ("lea@x.fr06 12 34 56 78", "[adresse masquée]"),
    ("rien", "rien"),
]


@pytest.mark.parametrize("text, masked", [pytest.param(*c, id=c[0]) for c in CASES])
def test_masked_text(text, masked):
    assert redact_contacts(text) == masked


@pytest.mark.parametrize("empty", ["", None])
def test_nothing_to_mask(empty):
    assert redact_contacts(empty) == empty
