"""A submission of the forms and the API, and its rules (docs/contract.md §2 to §4).

Pure validation; no I/O. Error messages are in French because they are shown, field by
field, to the person who filled the form. The same rules, as JSON Schema, are in
domain/submission_schema.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .digits import OTHER_DIGITS, has_other_digits, whole_number
from .phone import phone_value
from .submission_schema import referent_schema, submission_schema
from .text_rules import CITY_MAX, NAME_MAX, email_value, is_blank, message_value, text_value
from .vocabulary import Need, Public, Situation, StructureType

POSTAL_CODE_RE = re.compile(r"(?:0[1-9]|[1-8][0-9]|9[0-8])[0-9]{3}")
REQUIRED = "Champ obligatoire."
WHOLE_NUMBER = "Indiquez un nombre entier."
UNKNOWN_POSTAL_CODE = "Ce code postal n'existe pas : vérifiez-le (5 chiffres, exemple : 59100)."


class FieldError(BaseModel):
    field: str
    message: str


class InvalidSubmission(Exception):
    """A submission that breaks the contract's rules: one French message per field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _json_input(info: ValidationInfo) -> bool:
    """Whether the values come from a JSON body (the API), whose types are exact: an age is
    a number, a consent a boolean. The forms send text ("17", "on") and are read leniently."""
    return bool(info.context and info.context.get("json"))


# Field validators shared by the youth's, the referent's and the volunteer's fields
# (domain/mentor_submission.py).
def strict_bool(value: Any, info: ValidationInfo) -> Any:
    """A box: a boolean in JSON, the form's text ("on") read leniently."""
    if _json_input(info) and not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "Valeur invalide.")
    return value


def whole_number_value(value: Any, info: ValidationInfo) -> Any:
    """A whole number (an age, hours per month). In JSON, a number: 17 and 17.0, never
    true or "17" (JSON Schema's "integer"). In a form, text written with the digits 0 to
    9 only (domain/digits.py), spaces around it left out as in every form field: "²" or
    "١٥" get a message saying which digits to use."""
    if isinstance(value, bool) or (_json_input(info) and not isinstance(value, (int, float))):
        raise PydanticCustomError("int_type", WHOLE_NUMBER)
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("whole_number", WHOLE_NUMBER)
        return int(value)
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("missing", REQUIRED)
        number = whole_number(value.strip())
        if number is None:
            raise PydanticCustomError("whole_number", OTHER_DIGITS if has_other_digits(value) else WHOLE_NUMBER)
        return number
    return value


def _name(value: Any) -> str | None:
    return text_value(value, NAME_MAX)


def city_value(value: Any) -> str | None:
    return text_value(value, CITY_MAX)


def required(value: str | None) -> str:
    if value is None:
        raise PydanticCustomError("missing", REQUIRED)
    return value


def required_email(value: Any) -> str:
    return required(email_value(value))


def postal_code_value(value: Any) -> Any:
    """A French postal code that exists: its shape first, then the territory's list."""
    if value is None or is_blank(value):
        raise PydanticCustomError("missing", REQUIRED)
    if not isinstance(value, str) or not POSTAL_CODE_RE.fullmatch(value):
        raise PydanticCustomError("postal_code", "Code postal invalide : 5 chiffres (exemple : 59100).")
    from .territory import is_known_postal_code

    if not is_known_postal_code(value):
        raise PydanticCustomError("postal_code", UNKNOWN_POSTAL_CODE)
    return value


def distinct_texts(value: Any) -> Any:
    """A list of choices without repeats. Only texts are deduplicated: anything else (a
    list, an object) is left for the type check to name, rather than breaking the set
    that deduplicates."""
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(dict.fromkeys(value))
    return value


class Referent(BaseModel):
    """The professional who submits for a youth (docs/contract.md §3)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=lambda s: referent_schema(s))

    name: str | None = None
    # Validated when absent too: their validators say "Champ obligatoire."
    email: str | None = Field(default=None, validate_default=True)
    phone: str | None = None
    structure_name: str | None = Field(default=None, validate_default=True)
    structure_type: StructureType = StructureType.AUTRE

    _names = field_validator("name", "structure_name", mode="before")(_name)
    _structure_name_required = field_validator("structure_name")(required)
    _email_required = field_validator("email", mode="before")(required_email)
    _phone_ok = field_validator("phone", mode="before")(phone_value)

    @field_validator("structure_type", mode="before")
    @classmethod
    def _default_type(cls, v: Any) -> Any:
        return StructureType.AUTRE if v is None or is_blank(v) else v


class PersonFields(BaseModel):
    """Who submits and where they live, the fields every submission begins with (the
    youth's here, the volunteer's in domain/mentor_submission.py), with the checks of
    those and of the message and consent every submission has. A subclass adds its own
    fields after these, and may declare a name or the email again with its own default (a
    field declared again keeps its place)."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    age: int
    postal_code: str
    city: str | None = None

    _phone_ok = field_validator("phone", mode="before")(phone_value)
    _message = field_validator("message", mode="before", check_fields=False)(message_value)
    _postal_code_ok = field_validator("postal_code", mode="before")(postal_code_value)
    _city = field_validator("city", mode="before")(city_value)
    _age = field_validator("age", mode="before")(whole_number_value)
    _consent = field_validator("consent", mode="before", check_fields=False)(strict_bool)


class Submission(PersonFields):
    """A request as the forms and the API take it (docs/contract.md §2 to §4).

    The rules differ when a referent submits: younger children allowed, the youth's own
    contact optional. They are checked together in `_channel_rules`.
    """

    model_config = ConfigDict(extra="ignore", json_schema_extra=lambda s: submission_schema(s))

    situation: Situation
    need: Need
    publics: list[Public] = Field(default_factory=list)
    message: str | None = None
    consent: bool = False
    parental_consent: bool = False
    referent: Referent | None = None

    _names = field_validator("first_name", "last_name", mode="before")(_name)
    _email_ok = field_validator("email", mode="before")(email_value)
    _parental_consent = field_validator("parental_consent", mode="before")(strict_bool)
    _dedupe_publics = field_validator("publics", mode="before")(distinct_texts)

    @model_validator(mode="after")
    def _channel_rules(self) -> Submission:
        errors = channel_rule_errors(self.model_dump())
        if errors:
            raise _Collected(errors)
        return self


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
        errors.append(("first_name", REQUIRED))
    age = values.get("age")
    if isinstance(age, str):
        age = whole_number(age.strip())
    age = age if isinstance(age, int) and not isinstance(age, bool) else None
    low, high = (6, 30) if with_referent else (13, 30)
    if not with_referent:
        if not _present(values.get("last_name")):
            errors.append(("last_name", REQUIRED))
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
    "missing": REQUIRED,
    "int_parsing": WHOLE_NUMBER,
    "int_type": WHOLE_NUMBER,
    "int_from_float": WHOLE_NUMBER,
    "string_too_short": REQUIRED,
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


def _french(error: Any) -> str:
    kind = error["type"]
    if kind in _STANDARD_MESSAGES:
        return _STANDARD_MESSAGES[kind].format(**(error.get("ctx") or {}))
    return str(error["msg"])  # our own PydanticCustomError messages are already French


def _field_name(loc: tuple[Any, ...]) -> str:
    # publics.1 -> publics ; referent.email -> referent.email
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return ".".join(parts) or "body"


Model = TypeVar("Model", bound=BaseModel)


def parse_fields(
    model: type[Model],
    data: dict[str, Any],
    json: bool = False,
    rules: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None,
) -> Model:
    """Validate a submission of `model` (a request, a sign-up), raising InvalidSubmission
    with one French message per field.

    `json`: the values come from a JSON body, whose types are exact (see `_json_input`).
    `rules`: the model's rules across fields (its `_Collected` errors), run on the raw
    values too when some field failed to parse, so that the person sees every problem at
    once.
    """
    try:
        return model.model_validate(data, context={"json": json})
    except ValidationError as exc:
        found: dict[str, str] = {}
        collected_rules: list[tuple[str, str]] | None = None
        for error in exc.errors():
            collected = (error.get("ctx") or {}).get("error")
            if isinstance(collected, _Collected):
                collected_rules = collected.errors  # every field parsed: the rules saw clean values
                continue
            found.setdefault(_field_name(error["loc"]), _french(error))
        if rules is not None:
            for name, message in collected_rules if collected_rules is not None else rules(data):
                found.setdefault(name, message)
        raise InvalidSubmission([FieldError(field=k, message=v) for k, v in found.items()]) from None


def parse_submission(data: dict[str, Any], json: bool = False) -> Submission:
    """Validate a request's submission (`parse_fields`), its channel's rules included."""
    return parse_fields(Submission, data, json, channel_rule_errors)
