"""Which characters a typed text may hold, and the field rule of an email address.

Each rule is a regular expression written so that Python's `re` (this module) and the
ECMA-262/Rust engines of JSON Schema validators read it the same way: explicit character
classes only (no \\d, \\s, \\w, whose meaning differs between engines), `\\uXXXX`/`\\UXXXXXXXX`
escapes, and anchors `^...$` used with `fullmatch` here. The OpenAPI document then accepts
exactly what the server accepts (domain/submission_schema.py, tests/unit/test_hostile_input.py).
An email address is the exception: no regular expression states its rule, which is
domain/email_address.py's, and its schema says `format: email` (`email_schema`).

The value functions raise pydantic's PydanticCustomError with the French message shown next
to the field: they are the validators of the submission and directory models.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from pydantic_core import PydanticCustomError

from .email_address import EMAIL_MAX_LENGTH, NotAnAddress, read_email

# Characters a person's name, a city or a structure name cannot contain: Unicode categories
# Cc (controls: NUL, ESC...), Cf (format: zero-width spaces, BOM, bidi overrides...), Zl, Zp
# (line and paragraph separators) and Co (private use), as of Unicode 14 (Python 3.11).
# tests/unit/test_hostile_input.py recomputes this list from unicodedata.
FORBIDDEN_RANGES = (
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xE000, 0xF8FF),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
    (0xF0000, 0xFFFFD),
    (0x100000, 0x10FFFD),
)
# The whitespace that remains allowed (str.isspace() minus the forbidden characters): a value
# made only of these is blank, that is absent.
BLANK_CHARS = (0x0020, 0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)


def _esc(cp: int) -> str:
    return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(_esc(a) if a == b else f"{_esc(a)}-{_esc(b)}" for a, b in ranges)


_F = _class(FORBIDDEN_RANGES)
_B = _class((c, c) for c in BLANK_CHARS)
# Any text without forbidden characters (blank included).
TEXT_PATTERN = f"^[^{_F}]*$"
# The same, with at least one character that is neither forbidden nor blank.
NON_BLANK_TEXT_PATTERN = f"^[^{_F}]*[^{_F}{_B}][^{_F}]*$"
BLANK_PATTERN = f"^[{_B}]*$"
_TEXT_RE = re.compile(f"[^{_F}]*")
_BLANK_RE = re.compile(f"[{_B}]*")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# A message keeps tabs and line breaks; other controls, bidi embeddings, overrides and
# isolates (which can make a text read differently from what it holds) and lone surrogates
# are removed rather than refused: they come from copy-paste, and the person cannot see them.
_MESSAGE_STRIPPED_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

NAME_MAX = 100
CITY_MAX = 200
MESSAGE_MAX = 2000
BAD_CHARACTERS = "Caractères non autorisés (invisibles ou de contrôle) : retapez ce champ sans copier-coller."
INVALID_EMAIL = "Adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@exemple.fr)."
# A valid address we cannot write to: our mail service (SES) has no SMTPUTF8, so a local
# part with non-ASCII letters cannot be delivered (domain/email_address.py).
NON_ASCII_EMAIL = (
    "Adresse e-mail impossible à utiliser : notre service d'envoi de mails ne peut pas écrire aux adresses "
    "dont la partie avant « @ » contient des lettres accentuées ou d'un autre alphabet (ici : {letters}). "
    "Indiquez une autre adresse : certaines messageries en donnent une version sans accent."
)
EMAIL_DESCRIPTION = (
    "An address as the email-validator library reads it (no DNS; at most 64 characters before the @): any number "
    "of dot-separated atoms, any top-level domain. An internationalised domain may be sent in Unicode or in "
    "punycode; it is stored and returned in punycode. A local part with non-ASCII characters is refused: the mail "
    "service has no SMTPUTF8."
)


def _too_long(max_length: int) -> PydanticCustomError:
    return PydanticCustomError(
        "string_too_long", "Texte trop long : {max_length} caractères au plus.", {"max_length": max_length}
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Texte attendu.")
    return value


def is_blank(value: Any) -> bool:
    """A text of spaces only (any of BLANK_CHARS), which every field reads as absent."""
    return isinstance(value, str) and bool(_BLANK_RE.fullmatch(value))


def text_value(value: Any, max_length: int) -> str | None:
    """A name-like text: checked as sent (length, characters), then trimmed and NFC.

    Blank (only spaces) means absent: None. Lengths count what was sent, as a JSON Schema
    validator counts them, so that the OpenAPI document and this check agree.
    """
    if value is None:
        return None
    if len(_string(value)) > max_length:
        raise _too_long(max_length)
    if not _TEXT_RE.fullmatch(value) or _SURROGATE_RE.search(value):
        raise PydanticCustomError("text_characters", BAD_CHARACTERS)
    if _BLANK_RE.fullmatch(value):
        return None
    return unicodedata.normalize("NFC", value.strip())


def message_value(value: Any) -> str | None:
    """The free message: line breaks kept, invisible controls removed, None if empty."""
    if value is None:
        return None
    if len(_string(value)) > MESSAGE_MAX:
        raise _too_long(MESSAGE_MAX)
    cleaned = _MESSAGE_STRIPPED_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    cleaned = unicodedata.normalize("NFC", cleaned).strip()
    return cleaned or None


def email_value(value: Any) -> str | None:
    """Blank is absent; otherwise an address we can write to (domain/email_address.py), as
    stored: its ASCII form, the domain in punycode."""
    if value is None or is_blank(value):
        return None
    try:
        address = read_email(_string(value))
    except NotAnAddress:
        raise PydanticCustomError("email", INVALID_EMAIL) from None
    if address.ascii is None:
        letters = ", ".join(f"« {c} »" for c in address.non_ascii_letters)
        raise PydanticCustomError("email_non_ascii", NON_ASCII_EMAIL, {"letters": letters})
    return address.ascii


def email_refusal(value: str) -> str | None:
    """What `email_value` says of `value` in French (a form that checks addresses itself,
    web/directory_form.py), or None when it is an address we can write to."""
    try:
        email_value(value)
    except PydanticCustomError as refused:
        return refused.message()
    return None


def text_schema(max_length: int, required: bool = False) -> dict[str, Any]:
    """A name-like text as JSON Schema; `required`: it must hold something other than spaces."""
    pattern = NON_BLANK_TEXT_PATTERN if required else TEXT_PATTERN
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


def email_schema() -> dict[str, Any]:
    """`format: email` is email-validator's rule here (domain/email_address.py), which no
    regular expression states: tests/e2e/schemathesis_hooks.py teaches it to schemathesis,
    and tests/unit/web/test_openapi.py checks it with the server's rule."""
    return {"type": "string", "maxLength": EMAIL_MAX_LENGTH, "format": "email", "description": EMAIL_DESCRIPTION}
