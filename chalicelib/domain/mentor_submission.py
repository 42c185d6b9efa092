"""A volunteer's sign-up, from the mentor form or the API, and its rules (docs/contract.md §11).

Pure validation, in the style of domain/submission.py: French messages, one per field,
and the JSON types of the API taken exactly (an age is a number, a box a boolean) while
the form's text is read leniently. `mentor_submission_schema` writes the same rules into
the OpenAPI document, so that a client learns them there rather than by trial.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .mentor_vocabulary import MentorMode, Occupation, YouthAgeBand
from .phone import phone_schema
from .submission import (
    PersonFields,
    distinct_texts,
    parse_fields,
    required,
    required_email,
    strict_bool,
    whole_number_value,
)
from .submission_schema import postal_codes_pattern
from .text_rules import (
    BLANK_PATTERN,
    CITY_MAX,
    MESSAGE_MAX,
    NAME_MAX,
    email_schema,
    text_schema,
    text_value,
)
from .vocabulary import Need

AGE_MIN, AGE_MAX = 18, 99  # volunteers are adults
HOURS_MIN, HOURS_MAX = 1, 40
SECTOR_MAX = 100
AT_LEAST_ONE = "Cochez au moins une proposition."

# Field -> message when a required box is left unticked.
_REQUIRED_BOXES = {
    "commitment": "Le mentorat demande un engagement d'au moins 6 mois : cochez cette case si vous le pouvez.",
    "consent": "Votre accord est nécessaire pour transmettre votre profil à une association.",
}


def _at_least_one(value: list[Any]) -> list[Any]:
    if not value:
        raise PydanticCustomError("at_least_one", AT_LEAST_ONE)
    return value


def _required_name(value: Any) -> str:
    return required(text_value(value, NAME_MAX))


def _sector_value(value: Any) -> str | None:
    return text_value(value, SECTOR_MAX)


class MentorSubmission(PersonFields):
    """A volunteer who wants to mentor (docs/contract.md §11)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra=lambda s: mentor_submission_schema(s))

    # Validated when absent too: their validators say "Champ obligatoire."
    first_name: str | None = Field(default=None, validate_default=True)
    last_name: str | None = Field(default=None, validate_default=True)
    email: str | None = Field(default=None, validate_default=True)
    occupation: Occupation
    modes: list[MentorMode]
    hours_per_month: int
    youth_ages: list[YouthAgeBand]
    needs: list[Need]
    sector: str | None = None
    message: str | None = None
    commitment: bool = Field(default=False, validate_default=True)
    consent: bool = Field(default=False, validate_default=True)

    _name = field_validator("first_name", "last_name", mode="before")(_required_name)
    _email = field_validator("email", mode="before")(required_email)
    _hours_number = field_validator("hours_per_month", mode="before")(whole_number_value)
    _lists = field_validator("modes", "youth_ages", "needs", mode="before")(distinct_texts)
    _non_empty = field_validator("modes", "youth_ages", "needs")(_at_least_one)
    _sector = field_validator("sector", mode="before")(_sector_value)

    @field_validator("age")
    @classmethod
    def _adult(cls, v: int) -> int:
        if not AGE_MIN <= v <= AGE_MAX:
            raise PydanticCustomError(
                "age_range",
                "Le mentorat bénévole est ouvert aux adultes : "
                f"l'âge doit être compris entre {AGE_MIN} et {AGE_MAX} ans.",
            )
        return v

    @field_validator("hours_per_month")
    @classmethod
    def _hours(cls, v: int) -> int:
        if not HOURS_MIN <= v <= HOURS_MAX:
            raise PydanticCustomError(
                "hours_range", f"Indiquez un nombre d'heures par mois entre {HOURS_MIN} et {HOURS_MAX}."
            )
        return v

    _commitment_box = field_validator("commitment", mode="before")(strict_bool)

    @field_validator("commitment", "consent")
    @classmethod
    def _ticked(cls, v: bool, info: ValidationInfo) -> bool:
        if v is not True:
            raise PydanticCustomError("required_box", _REQUIRED_BOXES[info.field_name or "consent"])
        return v


def parse_mentor_submission(data: dict[str, Any], json: bool = False) -> MentorSubmission:
    """Validate a sign-up (domain/submission.py's `parse_fields`): one French message per
    field."""
    return parse_fields(MentorSubmission, data, json)


_NULL = {"type": "null"}
_BLANK = {"type": "string", "pattern": BLANK_PATTERN}


def _list_of(values: list[str]) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "items": {"type": "string", "enum": values}}


def mentor_submission_schema(schema: dict[str, Any]) -> None:
    """Each field's rule as JSON Schema, exactly what `MentorSubmission` checks."""
    from .territory import known_postal_codes

    schema["properties"] = {
        "first_name": text_schema(NAME_MAX, required=True),
        "last_name": text_schema(NAME_MAX, required=True),
        "email": email_schema(),
        "phone": {"anyOf": [_NULL, _BLANK, phone_schema()]},
        "age": {"type": "integer", "minimum": AGE_MIN, "maximum": AGE_MAX},
        "postal_code": {"type": "string", "pattern": postal_codes_pattern(known_postal_codes())},
        "city": {"anyOf": [_NULL, text_schema(CITY_MAX)]},
        "occupation": {"type": "string", "enum": [o.value for o in Occupation]},
        "modes": _list_of([m.value for m in MentorMode]),
        "hours_per_month": {"type": "integer", "minimum": HOURS_MIN, "maximum": HOURS_MAX},
        "youth_ages": _list_of([b.value for b in YouthAgeBand]),
        "needs": _list_of([n.value for n in Need]),
        "sector": {"anyOf": [_NULL, text_schema(SECTOR_MAX)]},
        "message": {"anyOf": [_NULL, {"type": "string", "maxLength": MESSAGE_MAX}]},
        "commitment": {"const": True},
        "consent": {"const": True},
    }
    schema["required"] = [
        "first_name",
        "last_name",
        "email",
        "age",
        "postal_code",
        "occupation",
        "modes",
        "hours_per_month",
        "youth_ages",
        "needs",
        "commitment",
        "consent",
    ]
