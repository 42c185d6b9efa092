"""Contact details never reach an association before it accepts, however they are spelled.

The spellings docs/mail.md ("Masking") lists as examples, a property over generated spellings of
French mobile numbers, and ordinary text that must come out untouched.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.domain.text import EMAIL_MASK, PHONE_MASK, redact_contacts

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

PHONES = {
    "spaces": "06 23 45 67 89",
    "three-digit-groups": "06 23 456 789",
    "slashes": "06/23/45/67/89",
    "plus33-paren-zero": "+33 (0)6 23 45 67 89",
    "one-digit-groups": "0 6 2 3 4 5 6 7 8 9",
    "double-spaces": "06  23  45  67  89",
    "underscores": "06_23_45_67_89",
    "full-width": "06 23 45 67 89".translate(FULL_WIDTH),
    "zero-width-space": "06 23\u200b45 67\u200b89",
    "0033": "0033 6 23 45 67 89",
    "plus33-compact": "+33623456789",
    "dots": "06.23.45.67.89",
    "dashes": "06-23-45-67-89",
    "en-dashes": "06\u201323\u201345\u201367\u201389",
    "no-break-spaces": "06\u00a023\u00a045\u202f67\u202f89",
    "compact": "0623456789",
    "mixed": "06 23.45-67/89",
}

EMAILS = {
    "plain": "lea.martin@example.net",
    "paren-at": "lea.martin(at)example.net",
    "bracket-at-dot": "lea.martin [at] example [dot] net",
    "space-before-domain": "lea.martin@ example.net",
    "spaces-around-at": "lea.martin @ example.net",
    "full-width-at": "lea.martin＠example.net",
    "spaced-out": "l e a . m a r t i n @ e x a m p l e . n e t",
    "arobase-point": "lea.martin arobase example point net",
    "spaced-dots": "lea.martin @ example . net",
    "underscore": "lea_martin@example.net",
}


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("phone", PHONES.values(), ids=PHONES.keys())
def test_every_phone_spelling_is_masked(phone):
    out = redact_contacts(f"Appelle-moi au {phone} après 18h.")
    assert out == f"Appelle-moi au {PHONE_MASK} après 18h."


@pytest.mark.parametrize("address", EMAILS.values(), ids=EMAILS.keys())
def test_every_email_spelling_is_masked(address):
    out = redact_contacts(f"Mon adresse : {address}. Merci !")
    assert out == f"Mon adresse : {EMAIL_MASK}. Merci !"
    assert "martin" not in out and "example" not in out


def test_a_message_holding_both_keeps_everything_else():
    text = "J'ai 16 ans, j'habite à Roubaix (59100). Contact : lea (at) example.net ou 07 98 76 54 32. Merci !"
    assert redact_contacts(text) == (
        f"J'ai 16 ans, j'habite à Roubaix (59100). Contact : {EMAIL_MASK} ou {PHONE_MASK}. Merci !"
    )


def test_two_numbers_in_a_row_are_both_masked():
    out = redact_contacts("mes parents : 06 12 34 56 78 / 07 98 76 54 32")
    assert digits_of(out) == ""


def test_a_social_handle_is_masked_too():
    assert redact_contacts("mon insta @lea_m !") == f"mon insta {EMAIL_MASK} !"


ORDINARY = [
    "J'ai 15 ans et je suis en 3ème au collège, code postal 59100.",
    "Rendez-vous le 12/03/2026 à 14h30, ou du 12/03/2026 - 15/04/2026.",
    "En 2025-2026 j'ai eu 12/20 de moyenne, 15,5 en maths.",
    "Il y a 3 ans, en 4e B ; j'habite au 12 rue de la Paix, 97400 Saint-Denis.",
    "Né le 01/02/2010, je suis en 1re. Classe de 2nde 3, salle 204.",
    "J'ai besoin d'aide en maths : 3 x 4 = 12, 100 % motivé !",
    "Disponible de 9h à 18h, le mardi 14 et le jeudi 16.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_not_masked(text):
    assert redact_contacts(text) == text


@pytest.mark.parametrize("text", ["", None])
def test_nothing_stays_nothing(text):
    assert redact_contacts(text) == text


# -- property: a French mobile number, spelled any way, never survives -------------------

SEPARATORS = ["", " ", "  ", ".", "-", "/", "_", " - ", " / ", "\u00a0", "\u202f", "\u2013", " . "]
PREFIXES = ["0", "+33 ", "+33", "+33 (0)", "+33(0)", "0033 ", "0033", "(+33) ", "+33 0"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@st.composite
def spelled_mobile(draw):
    """(the nine digits after the leading 0, one way a person may have typed it)"""
    national = draw(st.sampled_from("67")) + draw(st.text("0123456789", min_size=8, max_size=8))
    body = national
    # cut into groups (pairs, or anything), joined by separators chosen per gap
    cuts = sorted(draw(st.sets(st.integers(1, len(body) - 1), max_size=8)))
    if draw(st.booleans()):
        cuts = [1, 3, 5, 7]
    parts = [body[i:j] for i, j in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    uniform = draw(st.booleans())
    sep = draw(st.sampled_from(SEPARATORS))
    spelled = parts[0]
    for part in parts[1:]:
        spelled += (sep if uniform else draw(st.sampled_from(SEPARATORS))) + part
    prefix = draw(st.sampled_from(PREFIXES))
    if prefix == "0" and draw(st.booleans()):
        prefix = "0" + draw(st.sampled_from(SEPARATORS))
    spelled = prefix + spelled
    if draw(st.booleans()):  # some or all digits typed full-width
        spelled = "".join(c.translate(FULL_WIDTH) if draw(st.booleans()) else c for c in spelled)
    for _ in range(draw(st.integers(0, 3))):  # invisible characters anywhere inside
        at = draw(st.integers(1, len(spelled) - 1))
        spelled = spelled[:at] + draw(st.sampled_from(INVISIBLE)) + spelled[at:]
    return national, spelled


AROUND = [
    ("Appelle-moi au ", " après 18h."),
    ("", ""),
    ("tel: ", ""),
    ("Mon numéro (", ") merci"),
    ("J'ai 15 ans, ", ", 59100"),
]


@settings(max_examples=400, deadline=None)
@given(spelled_mobile(), st.sampled_from(AROUND))
@example(("623456789", "06 23 456 789"), AROUND[0])
@example(("623456789", "0 6 2 3 4 5 6 7 8 9"), AROUND[0])
@example(("623456789", "+33 (0)6 23 45 67 89"), AROUND[4])
def test_no_spelling_of_a_mobile_number_survives(number, around):
    national, spelled = number
    before, after = around
    out = redact_contacts(before + spelled + after)
    assert PHONE_MASK in out
    # nothing of the number is left: the only digits are those of the surrounding words
    assert digits_of(out) == digits_of(before + after)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["lea.martin", "jean-paul", "lea_m", "l.martin2009"]),
    st.sampled_from(["@", " @ ", "@ ", "(at)", " (at) ", " [at] ", "＠", " arobase ", "[@]"]),
    st.sampled_from(["example.net", "ac-lille.fr", "gmail.com", "laposte.net"]),
    st.sampled_from([".", " . ", " [dot] ", " (point) ", " point "]),
    st.booleans(),
)
def test_no_spelling_of_an_address_survives(local, at, domain, dot, spaced_out):
    name, tld = domain.rsplit(".", 1)
    address = f"{local}{at}{name}{dot}{tld}"
    if spaced_out and at.strip() in {"@", "＠", "(at)", "[at]", "[@]"} and dot == ".":
        # letter by letter, as one types to fool a filter (spelled-out words are not closed up)
        address = " ".join(address.replace(" ", ""))
    out = redact_contacts(f"Écrivez-moi : {address} ; merci")
    assert out == f"Écrivez-moi : {EMAIL_MASK} ; merci"


# -- Contact details masked in free text however they are spelled: each spelling of an address's "@"
# and dots, each way of writing a French number, and what is left alone (dates, ages, too many
# digits, a domain that is no real one). Exact output. Pure: no I/O.


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
