"""French phone numbers: the form's rule, the one stored form, and how people read them.

A number is 0X XX XX XX XX or +33 X XX XX XX XX, with one separator (space, dot, dash)
allowed between groups. The full-width forms a phone keyboard may type (digits, plus, dot,
dash, ideographic space) and no-break spaces are accepted as what NFKC makes of them, and
the number is stored in one canonical form: ten ASCII digits (0612345678). The pattern
follows the engine-neutral rules of domain/text_rules.py, so that the OpenAPI document
holds it as it is.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic_core import PydanticCustomError

from .text_rules import is_blank

_D = "0-9\uff10-\uff19"
_D19 = "1-9\uff11-\uff19"
_SEP = " .\\-\u00a0\u202f\u3000\uff0e\uff0d"
PHONE_PATTERN = f"^(?:[+\uff0b][3\uff13][3\uff13][{_SEP}]?[{_D19}]|[0\uff10][{_D19}])(?:[{_SEP}]?[{_D}]{{2}}){{4}}$"
PHONE_RE = re.compile(PHONE_PATTERN)
INVALID_PHONE = "Numéro de téléphone invalide (exemple : 06 12 34 56 78 ou +33 6 12 34 56 78)."


def phone_value(value: Any) -> str | None:
    """Blank is absent; otherwise a French number, stored as ten ASCII digits."""
    if value is None or is_blank(value):
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Texte attendu.")
    if not PHONE_RE.fullmatch(value):
        raise PydanticCustomError("phone", INVALID_PHONE)
    digits = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", value))
    return "0" + digits[2:] if digits.startswith("33") else digits


def phone_schema() -> dict[str, Any]:
    return {"type": "string", "pattern": PHONE_PATTERN}


def display_phone(value: str | None) -> str | None:
    """A French number as people read it, `06 12 34 56 78`, however it was typed or stored.

    `+33 6…`, `0033 6…`, `+33 (0)6…`, dots, dashes or no separator at all give the same
    text. Anything else (a foreign number, a typo kept by mail intake) is shown as it is
    rather than regrouped wrongly.
    """
    if not value:
        return value
    digits = re.sub(r"\D", "", value)
    if digits.startswith("0033"):
        digits = digits[2:]
    if digits.startswith("33") and len(digits) in (11, 12):
        national = digits[2:]
        digits = national if national.startswith("0") else "0" + national
    if len(digits) == 10 and digits[0] == "0" and digits[1] != "0":
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return value.strip()


def phone_uri(value: str | None) -> str | None:
    """`tel:+33612345678` for a French number, so that a tap calls it from any country."""
    shown = display_phone(value)
    if not shown:
        return None
    digits = re.sub(r"\D", "", shown)
    if len(digits) == 10 and digits.startswith("0"):
        return f"tel:+33{digits[1:]}"
    return "tel:" + re.sub(r"[^\d+]", "", value or "")
