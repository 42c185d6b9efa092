"""Numbers and codes as people and programs write them: with the digits 0 to 9 only.

Python reads more than that: "²".isdigit() is True yet int("²") fails, and int() takes
"١٥", "１５" or "१५" as 15 (str.isdecimal() lets them through too). A number or a code
the service takes (an age, a count of hours, a postal code, a page or version number)
is therefore read here, from ASCII digits and nothing else, so that nothing reaches
int() unchecked and what is stored is what the person wrote. Pure; no I/O.
"""

from __future__ import annotations

import re
import unicodedata

_ASCII_DIGITS = re.compile(r"[0-9]+")

# More digits than this write no number the service takes (an age, hours per month, a
# capacity, a version number): refused before int(), which Python caps at 4,300 digits.
MAX_DIGITS = 9

# The French message for a number written with other digits (shown next to the field).
OTHER_DIGITS = "Écrivez ce nombre avec les chiffres de 0 à 9."


def ascii_digits(text: object) -> bool:
    """Whether `text` is one or more of the digits 0 to 9, and nothing else."""
    return isinstance(text, str) and _ASCII_DIGITS.fullmatch(text) is not None


def whole_number(text: object, max_digits: int = MAX_DIGITS) -> int | None:
    """The whole number `text` writes with the digits 0 to 9 only (no sign, space,
    separator, nor any other script's digit), or None."""
    if not isinstance(text, str) or len(text) > max_digits or not ascii_digits(text):
        return None
    return int(text)


def has_other_digits(text: object) -> bool:
    """Whether `text` holds a digit that is not 0 to 9: another script's ("١٥"), a
    full-width ("１５") or a superscript one ("²"). Its writer meant a number: the
    message says which digits to use."""
    return isinstance(text, str) and any(not c.isascii() and unicodedata.numeric(c, None) is not None for c in text)
