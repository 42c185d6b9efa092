"""What the service knows: a submission, an association of the directory, a stored request.

Pure data and validation rules (contract sections 2 to 5); no I/O. Error messages are in
French because they are shown, field by field, to the person who filled the form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .vocabulary import Channel, Need, Public, Situation, StructureType

POSTAL_CODE_RE = re.compile(r"^(?:0[1-9]|[1-8][0-9]|9[0-8])[0-9]{3}$")
REFERENCE_RE = re.compile(r"^[A-Z0-9-]{6,24}$")

# --- Text rules, shared by validation and the OpenAPI document -------------------------------
#
# Each rule is a regular expression written so that Python's `re` (this module) and the
# ECMA-262/Rust engines of JSON Schema validators read it the same way: explicit character
# classes only (no \d, \s, \w, whose meaning differs between engines), `\uXXXX`/`\UXXXXXXXX`
# escapes, and anchors `^...$` used with `fullmatch` here. The schema then accepts exactly
# what the server accepts.

# Characters a person's name, a city or a structure name cannot contain: Unicode categories
# Cc (controls: NUL, ESC...), Cf (format: zero-width spaces, BOM, bidi overrides...), Zl, Zp
# (line and paragraph separators) and Co (private use), as of Unicode 14 (Python 3.11).
# tests/unit/test_text_rules.py recomputes this list from unicodedata.
FORBIDDEN_RANGES = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C),
    (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xE000, 0xF8FF),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
    (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD),
)
# The whitespace that remains allowed (str.isspace() minus the forbidden characters): a value
# made only of these is blank, that is absent.
BLANK_CHARS = (0x0020, 0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)


def _esc(cp: int) -> str:
    return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"


def _class(ranges: Any) -> str:
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

# Phones: a French number, 0X XX XX XX XX or +33 X XX XX XX XX, with one separator (space,
# dot, dash) allowed between groups. The full-width forms a phone keyboard may type (digits,
# plus, dot, dash, ideographic space) and no-break spaces are accepted as what NFKC makes of
# them, and the number is stored in one canonical form: ten ASCII digits (0612345678).
_D = "0-9\uFF10-\uFF19"
_D19 = "1-9\uFF11-\uFF19"
_SEP = " .\\-\u00A0\u202F\u3000\uFF0E\uFF0D"
PHONE_PATTERN = f"^(?:[+\uFF0B][3\uFF13][3\uFF13][{_SEP}]?[{_D19}]|[0\uFF10][{_D19}])(?:[{_SEP}]?[{_D}]{{2}}){{4}}$"
PHONE_RE = re.compile(PHONE_PATTERN)

# Email addresses: ASCII dot-atoms (at most three atoms, 64 characters) whose domain has a
# dot, labels of letters and digits joined by single hyphens, and a top-level domain of two
# or three letters or one of a few longer ones. The pattern has no lookahead (generators of
# test data cannot draw from one) and excludes by construction the special-use top-level
# domains email-validator refuses (.test, .local...): everything it allows, email-validator
# accepts (tests/unit/test_text_rules.py).
_A = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-]"
_LOCAL = f"(?:{_A}{{1,64}}|{_A}{{1,31}}\\.{_A}{{1,32}}|{_A}{{1,20}}\\.{_A}{{1,21}}\\.{_A}{{1,21}})"
_LABEL = "[A-Za-z0-9]{1,24}(?:-[A-Za-z0-9]{1,12}){0,3}"
LONG_TLDS = ("info", "paris", "bzh", "alsace", "corsica", "email", "online", "site", "club", "live", "tech", "store")
_TLD = f"(?:[A-Za-z]{{2,3}}|{'|'.join(LONG_TLDS)})"
EMAIL_MAX_LENGTH = 254
EMAIL_PATTERN = f"^{_LOCAL}@(?:{_LABEL}\\.){{1,3}}{_TLD}$"
EMAIL_RE = re.compile(EMAIL_PATTERN)

NAME_MAX = 100
CITY_MAX = 200
MESSAGE_MAX = 2000
BAD_CHARACTERS = "Caractères non autorisés (invisibles ou de contrôle) : retapez ce champ sans copier-coller."


def _text_value(value: Any, max_length: int) -> Optional[str]:
    """A name-like text: checked as sent (length, characters), then trimmed and NFC.

    Blank (only spaces) means absent: None. Lengths count what was sent, as a JSON Schema
    validator counts them, so that the OpenAPI document and this check agree.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Texte attendu.")
    if len(value) > max_length:
        raise PydanticCustomError(
            "string_too_long", "Texte trop long : {max_length} caractères au plus.", {"max_length": max_length}
        )
    if not _TEXT_RE.fullmatch(value) or _SURROGATE_RE.search(value):
        raise PydanticCustomError("text_characters", BAD_CHARACTERS)
    if _BLANK_RE.fullmatch(value):
        return None
    return unicodedata.normalize("NFC", value.strip())


def _message_value(value: Any) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Texte attendu.")
    if len(value) > MESSAGE_MAX:
        raise PydanticCustomError(
            "string_too_long", "Texte trop long : {max_length} caractères au plus.", {"max_length": MESSAGE_MAX}
        )
    cleaned = _MESSAGE_STRIPPED_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    cleaned = unicodedata.normalize("NFC", cleaned).strip()
    return cleaned or None


def _blank_str(value: Any) -> bool:
    return isinstance(value, str) and bool(_BLANK_RE.fullmatch(value))


# --- The same rules as JSON Schema (the OpenAPI document is generated from these models) -------

_NULL = {"type": "null"}
_BLANK = {"type": "string", "pattern": BLANK_PATTERN}


def _text_schema(max_length: int, required: bool = False) -> dict[str, Any]:
    """A name-like text; `required`: it must hold something other than spaces."""
    pattern = NON_BLANK_TEXT_PATTERN if required else TEXT_PATTERN
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


def _email_schema() -> dict[str, Any]:
    return {"type": "string", "maxLength": EMAIL_MAX_LENGTH, "pattern": EMAIL_PATTERN}


def _phone_schema() -> dict[str, Any]:
    return {"type": "string", "pattern": PHONE_PATTERN}


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """Absent, null, blank (read as absent) or a valid value."""
    return {"anyOf": [_NULL, _BLANK, schema]}


def postal_codes_pattern(codes: Any) -> str:
    """A regular expression matching exactly these 5-digit codes: their digit trie, with
    siblings that end alike merged into character classes (7.7 KB for France's 6,310
    codes, where an enum would make clients enumerate every one)."""
    trie: dict[str, Any] = {}
    for code in sorted(codes):
        node = trie
        for digit in code:
            node = node.setdefault(digit, {})

    def digits(chars: list[str]) -> str:
        values, out, i = sorted(int(c) for c in chars), [], 0
        while i < len(values):
            j = i
            while j + 1 < len(values) and values[j + 1] == values[j] + 1:
                j += 1
            out.append(str(values[i]) if i == j else f"{values[i]}-{values[j]}")
            i = j + 1
        return "".join(out)

    def regex(node: dict[str, Any]) -> str:
        if not node:
            return ""
        groups: dict[str, list[str]] = {}
        for digit, child in sorted(node.items()):
            groups.setdefault(regex(child), []).append(digit)
        alternatives = [(c[0] if len(c) == 1 else f"[{digits(c)}]") + rest for rest, c in groups.items()]
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"

    return f"^{regex(trie)}$"


def _referent_schema(schema: dict[str, Any]) -> None:
    structure_types = [t.value for t in StructureType]
    schema["properties"] = {
        "name": {"anyOf": [_NULL, _text_schema(NAME_MAX)]},
        "email": _email_schema(),
        "phone": _optional(_phone_schema()),
        "structure_name": _text_schema(NAME_MAX, required=True),
        "structure_type": {"anyOf": [_NULL, _BLANK, {"type": "string", "enum": structure_types}]},
    }
    schema["required"] = ["email", "structure_name"]
    schema["additionalProperties"] = False


def _submission_schema(schema: dict[str, Any]) -> None:
    """Each field's own rule, and the rules that depend on who submits as `anyOf` branches:
    with a referent (age 6-30), or without one (age 13-30, a last name, an email or a
    phone, and a parent's consent under 15)."""
    from .territory import known_postal_codes

    props = schema["properties"]
    props.update(
        {
            "first_name": _text_schema(NAME_MAX, required=True),
            "last_name": {"anyOf": [_NULL, _text_schema(NAME_MAX)]},
            "email": _optional(_email_schema()),
            "phone": _optional(_phone_schema()),
            "age": {"type": "integer"},
            "postal_code": {"type": "string", "pattern": postal_codes_pattern(known_postal_codes())},
            "city": {"anyOf": [_NULL, _text_schema(CITY_MAX)]},
            "message": {"anyOf": [_NULL, {"type": "string", "maxLength": MESSAGE_MAX}]},
            "consent": {"const": True},
            "parental_consent": {"type": "boolean"},
        }
    )
    for name in ("publics", "referent"):
        props[name].pop("default", None)
    for name in props.values():
        name.pop("title", None)
    schema["required"] = ["first_name", "age", "postal_code", "situation", "need", "consent"]
    referent_absent = {"properties": {"referent": _NULL}}
    youth = {
        "required": ["last_name"],
        "properties": {"last_name": _text_schema(NAME_MAX, required=True)},
    }
    contact = [
        {"required": ["email"], "properties": {"email": _email_schema()}},
        {"required": ["phone"], "properties": {"phone": _phone_schema()}},
    ]
    ages = [
        {"properties": {"age": {"minimum": 15, "maximum": 30}}},
        {"required": ["parental_consent"], "properties": {"age": {"minimum": 13, "maximum": 14}, "parental_consent": {"const": True}}},
    ]
    branches: list[dict[str, Any]] = [
        {"required": ["referent"], "properties": {"referent": {"type": "object"}, "age": {"minimum": 6, "maximum": 30}}}
    ]
    for c in contact:
        for a in ages:
            branches.append(
                {
                    "required": sorted({*youth["required"], *c["required"], *a.get("required", [])}),
                    "properties": {**referent_absent["properties"], **youth["properties"], **c["properties"], **a["properties"]},
                }
            )
    schema["anyOf"] = branches


class FieldError(BaseModel):
    field: str
    message: str


class InvalidSubmission(Exception):
    """A submission that breaks the contract's rules: one French message per field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


INVALID_EMAIL = "Adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@exemple.fr)."
INVALID_PHONE = "Numéro de téléphone invalide (exemple : 06 12 34 56 78 ou +33 6 12 34 56 78)."


def _email(value: Any) -> Optional[str]:
    """Blank is absent; otherwise the address must match EMAIL_PATTERN, then is normalised."""
    if value is None or _blank_str(value):
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Texte attendu.")
    if len(value) > EMAIL_MAX_LENGTH or not EMAIL_RE.fullmatch(value):
        raise PydanticCustomError("email", INVALID_EMAIL)
    from email_validator import EmailNotValidError, validate_email

    try:
        # No DNS lookup: validation must not depend on the network (and stays fast).
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:  # the pattern is meant to make this unreachable
        raise PydanticCustomError("email", INVALID_EMAIL) from None


def _phone(value: Any) -> Optional[str]:
    """Blank is absent; otherwise a French number, stored as ten ASCII digits."""
    if value is None or _blank_str(value):
        return None
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Texte attendu.")
    if not PHONE_RE.fullmatch(value):
        raise PydanticCustomError("phone", INVALID_PHONE)
    digits = re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", value))
    return "0" + digits[2:] if digits.startswith("33") else digits


def display_phone(value: Optional[str]) -> Optional[str]:
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


def phone_uri(value: Optional[str]) -> Optional[str]:
    """`tel:+33612345678` for a French number, so that a tap calls it from any country."""
    shown = display_phone(value)
    if not shown:
        return None
    digits = re.sub(r"\D", "", shown)
    if len(digits) == 10 and digits.startswith("0"):
        return f"tel:+33{digits[1:]}"
    return "tel:" + re.sub(r"[^\d+]", "", value or "")


def _json_input(info: ValidationInfo) -> bool:
    """Whether the values come from a JSON body (the API), whose types are exact: an age is
    a number, a consent a boolean. The forms send text ("17", "on") and are read leniently."""
    return bool(info.context and info.context.get("json"))


def _strict_bool(value: Any, info: ValidationInfo) -> Any:
    if _json_input(info) and not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Valeur invalide.")
    return value


class Referent(BaseModel):
    """The professional who submits for a youth (contract section 3)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=lambda s: _referent_schema(s))

    name: Optional[str] = None
    # Validated when absent too: their validators say "Champ obligatoire."
    email: Optional[str] = Field(default=None, validate_default=True)
    phone: Optional[str] = None
    structure_name: Optional[str] = Field(default=None, validate_default=True)
    structure_type: StructureType = StructureType.AUTRE

    @field_validator("name", "structure_name", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return _text_value(v, NAME_MAX)

    @field_validator("structure_name")
    @classmethod
    def _structure_name_required(cls, v: Optional[str]) -> str:
        if v is None:
            raise PydanticCustomError("missing", "Champ obligatoire.")
        return v

    @field_validator("email", mode="before")
    @classmethod
    def _email_required(cls, v: Any) -> Any:
        v = _email(v)
        if v is None:
            raise PydanticCustomError("missing", "Champ obligatoire.")
        return v

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_ok(cls, v: Any) -> Any:
        return _phone(v)

    @field_validator("structure_type", mode="before")
    @classmethod
    def _default_type(cls, v: Any) -> Any:
        return StructureType.AUTRE if v is None or _blank_str(v) else v


class Submission(BaseModel):
    """A request as the forms and the API take it (contract sections 2 to 4).

    The rules differ when a referent submits: younger children allowed, the youth's own
    contact optional. They are checked together in `_channel_rules`.
    """

    model_config = ConfigDict(extra="ignore", json_schema_extra=lambda s: _submission_schema(s))

    first_name: Optional[str] = None
    last_name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    age: int
    postal_code: str
    city: Optional[str] = None
    situation: Situation
    need: Need
    publics: list[Public] = Field(default_factory=list)
    message: Optional[str] = None
    consent: bool = False
    parental_consent: bool = False
    referent: Optional[Referent] = None

    @field_validator("first_name", "last_name", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return _text_value(v, NAME_MAX)

    @field_validator("city", mode="before")
    @classmethod
    def _city(cls, v: Any) -> Any:
        return _text_value(v, CITY_MAX)

    @field_validator("message", mode="before")
    @classmethod
    def _message(cls, v: Any) -> Any:
        return _message_value(v)

    @field_validator("email", mode="before")
    @classmethod
    def _email_ok(cls, v: Any) -> Any:
        return _email(v)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_ok(cls, v: Any) -> Any:
        return _phone(v)

    @field_validator("age", mode="before")
    @classmethod
    def _age_type(cls, v: Any, info: ValidationInfo) -> Any:
        # JSON Schema's "integer" holds 17 and 17.0, never true or "17".
        if isinstance(v, bool) or (_json_input(info) and not isinstance(v, (int, float))):
            raise PydanticCustomError("int_type", "Indiquez un nombre entier.")
        return v

    _consents = field_validator("consent", "parental_consent", mode="before")(_strict_bool)

    @field_validator("postal_code", mode="before")
    @classmethod
    def _postal_code_ok(cls, v: Any) -> Any:
        if v is None or _blank_str(v):
            raise PydanticCustomError("missing", "Champ obligatoire.")
        if not isinstance(v, str) or not POSTAL_CODE_RE.match(v):
            raise PydanticCustomError("postal_code", "Code postal invalide : 5 chiffres (exemple : 59100).")
        from .territory import is_known_postal_code

        if not is_known_postal_code(v):
            raise PydanticCustomError("postal_code", UNKNOWN_POSTAL_CODE)
        return v

    @field_validator("publics", mode="before")
    @classmethod
    def _dedupe_publics(cls, v: Any) -> Any:
        # Only texts are deduplicated: anything else (a list, an object) is left for the
        # type check to name, rather than breaking the set that deduplicates.
        if isinstance(v, (list, tuple)) and all(isinstance(p, str) for p in v):
            return list(dict.fromkeys(v))
        return v

    @model_validator(mode="after")
    def _channel_rules(self) -> "Submission":
        errors = channel_rule_errors(self.model_dump())
        if errors:
            raise _Collected(errors)
        return self


UNKNOWN_POSTAL_CODE = "Ce code postal n'existe pas : vérifiez-le (5 chiffres, exemple : 59100)."


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in {"on", "true", "1", "yes", "oui"})


def channel_rule_errors(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The rules that depend on who submits (sections 2 and 3).

    Written over plain values so that they also run on raw input when some field failed to
    parse: the person then sees every problem at once, not one round trip per mistake.
    """
    errors: list[tuple[str, str]] = []
    with_referent = _present(values.get("referent"))
    if not _present(values.get("first_name")):
        errors.append(("first_name", "Champ obligatoire."))
    age = values.get("age")
    if isinstance(age, str) and age.strip().isdigit():
        age = int(age)
    age = age if isinstance(age, int) and not isinstance(age, bool) else None
    low, high = (6, 30) if with_referent else (13, 30)
    if not with_referent:
        if not _present(values.get("last_name")):
            errors.append(("last_name", "Champ obligatoire."))
        if not _present(values.get("email")) and not _present(values.get("phone")):
            errors.append(("email", "Indiquez une adresse e-mail ou un numéro de téléphone."))
        # An age outside the form's range has its own message; asking a parent's consent
        # for a 12-year-old on top of it would be a second, misleading one.
        if age is not None and low <= age < 15 and not _truthy(values.get("parental_consent")):
            errors.append(
                ("parental_consent", "Avant 15 ans, l'accord d'un parent ou responsable légal est nécessaire.")
            )
    if age is not None and not low <= age <= high:
        hint = " Pour un enfant plus jeune, un professionnel peut faire la demande." if low == 13 else ""
        errors.append(("age", f"L'âge doit être compris entre {low} et {high} ans.{hint}"))
    if not _truthy(values.get("consent")):
        errors.append(("consent", "Votre accord est nécessaire pour transmettre la demande."))
    return errors


class _Collected(ValueError):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("several errors")
        self.errors = errors


_STANDARD_MESSAGES = {
    "missing": "Champ obligatoire.",
    "int_parsing": "Indiquez un nombre entier.",
    "int_type": "Indiquez un nombre entier.",
    "int_from_float": "Indiquez un nombre entier.",
    "string_too_short": "Champ obligatoire.",
    "string_too_long": "Texte trop long : {max_length} caractères au plus.",
    "string_type": "Texte attendu.",
    "enum": "Choisissez une des propositions.",
    "bool_parsing": "Valeur invalide.",
    "bool_type": "Valeur invalide.",
    "list_type": "Une liste est attendue.",
    "model_type": "Un objet est attendu.",
    "model_attributes_type": "Un objet est attendu.",
    "extra_forbidden": "Champ inconnu.",
}


def _french(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind in _STANDARD_MESSAGES:
        return _STANDARD_MESSAGES[kind].format(**(error.get("ctx") or {}))
    if kind == "value_error" and isinstance(error.get("ctx", {}).get("error"), _Collected):
        return ""  # expanded by the caller
    return error["msg"]  # our own PydanticCustomError messages are already French


def _field_name(loc: tuple[Any, ...]) -> str:
    # publics.1 -> publics ; referent.email -> referent.email
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return ".".join(parts) or "body"


def parse_submission(data: dict[str, Any], json: bool = False) -> Submission:
    """Validate a submission, raising InvalidSubmission with one message per field.

    `json`: the values come from a JSON body, whose types are exact (see `_json_input`).
    """
    try:
        return Submission.model_validate(data, context={"json": json})
    except ValidationError as exc:
        found: dict[str, str] = {}
        rules: Optional[list[tuple[str, str]]] = None
        for error in exc.errors():
            collected = (error.get("ctx") or {}).get("error")
            if isinstance(collected, _Collected):
                rules = collected.errors  # every field parsed: the rules saw clean values
                continue
            found.setdefault(_field_name(error["loc"]), _french(error))
        # Some field failed to parse: the rules still run on the raw values, so that the
        # person sees every problem at once.
        for name, message in rules if rules is not None else channel_rule_errors(data):
            found.setdefault(name, message)
        raise InvalidSubmission([FieldError(field=k, message=v) for k, v in found.items()]) from None


def _exact_bool(v: Any) -> Any:
    # The directory always arrives as JSON (PUT body, seed file, stored item): its types are exact.
    if not isinstance(v, bool):
        raise PydanticCustomError("bool_type", "a boolean is expected")
    return v


def _exact_int(v: Any) -> Any:
    # JSON Schema's "integer" holds 8 and 8.0, never true or "8".
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
        raise PydanticCustomError("int_type", "a whole number is expected")
    return v


class Territory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national: bool = False
    regions: list[str] = Field(default_factory=list)
    departements: list[str] = Field(default_factory=list)
    communes: list[str] = Field(default_factory=list)

    _national = field_validator("national", mode="before")(_exact_bool)


AGE_LIMIT = 120


class AgeRange(BaseModel):
    # min <= max compares two fields, which JSON Schema cannot do directly; written as "some
    # k with min <= k <= max", one branch per k, it says exactly the same.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"properties": {"min": {"maximum": k}, "max": {"minimum": k}}} for k in range(AGE_LIMIT + 1)
            ]
        },
    )

    min: int = Field(ge=0, le=AGE_LIMIT)
    max: int = Field(ge=0, le=AGE_LIMIT)

    _ints = field_validator("min", "max", mode="before")(_exact_int)

    @model_validator(mode="after")
    def _ordered(self) -> "AgeRange":
        if self.min > self.max:
            raise ValueError("ages.min must not exceed ages.max")
        return self


ASSOCIATION_ID_PATTERN = "^[a-z0-9][a-z0-9-]{0,63}$"
ASSOCIATION_NAME_MAX = 200


class Association(BaseModel):
    """One member association of the directory (contract section 5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=ASSOCIATION_ID_PATTERN)]
    name: Annotated[
        str,
        WithJsonSchema({"type": "string", "maxLength": ASSOCIATION_NAME_MAX, "pattern": NON_BLANK_TEXT_PATTERN}),
    ]
    emails: list[Annotated[str, WithJsonSchema(_email_schema())]] = Field(min_length=1)
    active: bool = True
    territory: Territory
    ages: AgeRange
    situations: list[Situation] = Field(default_factory=list)
    needs: list[Need] = Field(min_length=1)
    publics: list[Public] = Field(default_factory=list)
    publics_required: list[Public] = Field(default_factory=list)
    capacity: Optional[int] = Field(default=None, ge=0)

    _active = field_validator("active", mode="before")(_exact_bool)
    _capacity = field_validator("capacity", mode="before")(_exact_int)

    @field_validator("name", mode="before")
    @classmethod
    def _name_ok(cls, v: Any) -> Any:
        try:
            v = _text_value(v, ASSOCIATION_NAME_MAX)
        except PydanticCustomError as exc:
            raise ValueError(f"invalid name ({exc.type})") from None
        if v is None:
            raise ValueError("a name is required")
        return v

    @field_validator("emails", mode="before")
    @classmethod
    def _emails_ok(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        out = []
        for e in v:
            if not isinstance(e, str) or _blank_str(e):
                raise ValueError("each email must be an address")
            try:
                out.append(_email(e))
            except PydanticCustomError:
                raise ValueError("invalid email address") from None
        return out


@dataclass(frozen=True)
class NewRequest:
    """A request as every channel hands it to the intake use case.

    The forms and the API build it from a valid Submission; mail intake builds it from
    what it could extract, so routing fields may be missing (then: triage).
    """

    channel: Channel
    age: Optional[int] = None
    situation: Optional[Situation] = None
    need: Optional[Need] = None
    publics: tuple[Public, ...] = ()
    postal_code: Optional[str] = None
    city: Optional[str] = None
    departement: Optional[str] = None  # mail intake: the place, when only its département is known
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    message: Optional[str] = None
    consent: bool = False
    parental_consent: bool = False
    referent: Optional[dict[str, Any]] = None  # name, email, phone, structure_name, structure_type
    extraction: Optional[dict[str, Any]] = None  # mail intake: what was found, and in which words
    inbound: Optional[dict[str, Any]] = None  # mail intake: message id, subject, raw mail key
    acknowledge: bool = True
    triage_reason: Optional[str] = None  # known before routing: straight to triage, with this reason

    @staticmethod
    def from_submission(s: Submission, channel: Channel) -> "NewRequest":
        return NewRequest(
            channel=channel,
            age=s.age,
            situation=s.situation,
            need=s.need,
            publics=tuple(s.publics),
            postal_code=s.postal_code,
            city=s.city,
            first_name=s.first_name,
            last_name=s.last_name,
            email=s.email,
            phone=s.phone,
            message=s.message,
            consent=s.consent,
            parental_consent=s.parental_consent,
            referent=s.referent.model_dump(mode="json") if s.referent else None,
        )

    def fields(self) -> dict[str, Any]:
        """The youth's fields as stored and shown by the admin API (contract section 2 names)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone": self.phone,
            "age": self.age,
            "postal_code": self.postal_code,
            "city": self.city,
            "situation": self.situation.value if self.situation else None,
            "need": self.need.value if self.need else None,
            "publics": [p.value for p in self.publics],
            "message": self.message,
            "consent": self.consent,
            "parental_consent": self.parental_consent,
        }
