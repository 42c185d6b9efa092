"""The directory's associations, and a new request as every channel hands it to intake.

Pure data and validation rules (docs/contract.md §2 and §5); no I/O. The submission of the
forms and the API, with its French messages, is domain/submission.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .text_rules import NON_BLANK_TEXT_PATTERN, email_schema, email_value, is_blank, text_value
from .vocabulary import Channel, Need, Public, Situation

if TYPE_CHECKING:  # the directory's readers need not load the submission's rules
    from .submission import Submission


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
            "anyOf": [{"properties": {"min": {"maximum": k}, "max": {"minimum": k}}} for k in range(AGE_LIMIT + 1)]
        },
    )

    min: int = Field(ge=0, le=AGE_LIMIT)
    max: int = Field(ge=0, le=AGE_LIMIT)

    _ints = field_validator("min", "max", mode="before")(_exact_int)

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.min > self.max:
            raise ValueError("ages.min must not exceed ages.max")
        return self


ASSOCIATION_ID_PATTERN = "^[a-z0-9][a-z0-9-]{0,63}$"
ASSOCIATION_NAME_MAX = 200


class Association(BaseModel):
    """One member association of the directory (docs/contract.md §5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=ASSOCIATION_ID_PATTERN)]
    name: Annotated[
        str,
        WithJsonSchema({"type": "string", "maxLength": ASSOCIATION_NAME_MAX, "pattern": NON_BLANK_TEXT_PATTERN}),
    ]
    emails: list[Annotated[str, WithJsonSchema(email_schema())]] = Field(min_length=1)
    active: bool = True
    territory: Territory
    ages: AgeRange
    situations: list[Situation] = Field(default_factory=list)
    needs: list[Need] = Field(min_length=1)
    publics: list[Public] = Field(default_factory=list)
    publics_required: list[Public] = Field(default_factory=list)
    capacity: int | None = Field(default=None, ge=0)
    # Volunteer mentors (docs/contract.md §11): whether it takes sign-ups, and how many may
    # wait on it at once (None: no limit). A load counter of their own, apart from requests'.
    recruits_mentors: bool = False
    mentor_capacity: int | None = Field(default=None, ge=0)

    _active = field_validator("active", "recruits_mentors", mode="before")(_exact_bool)
    _capacity = field_validator("capacity", "mentor_capacity", mode="before")(_exact_int)

    @field_validator("name", mode="before")
    @classmethod
    def _name_ok(cls, v: Any) -> Any:
        try:
            v = text_value(v, ASSOCIATION_NAME_MAX)
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
            if not isinstance(e, str) or is_blank(e):
                raise ValueError("each email must be an address")
            try:
                out.append(email_value(e))
            except PydanticCustomError as refused:
                if refused.type == "email_non_ascii":
                    raise ValueError(
                        "invalid email address: its local part is not ASCII (the mail service has no SMTPUTF8)"
                    ) from None
                raise ValueError("invalid email address") from None
        return out


@dataclass(frozen=True)
class NewRequest:
    """A request as every channel hands it to the intake use case.

    The forms and the API build it from a valid Submission; mail intake builds it from
    what it could extract, so routing fields may be missing (then: triage).
    """

    channel: Channel
    age: int | None = None
    situation: Situation | None = None
    need: Need | None = None
    publics: tuple[Public, ...] = ()
    postal_code: str | None = None
    city: str | None = None
    departement: str | None = None  # mail intake: the place, when only its département is known
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    message: str | None = None
    consent: bool = False
    parental_consent: bool = False
    referent: dict[str, Any] | None = None  # name, email, phone, structure_name, structure_type
    extraction: dict[str, Any] | None = None  # mail intake: what was found, and in which words
    inbound: dict[str, Any] | None = None  # mail intake: message id, subject, raw mail key
    acknowledge: bool = True
    triage_reason: str | None = None  # known before routing: straight to triage, with this reason
    # Timeline events the channel adds at intake, after routing's: (type, detail).
    notes: tuple[tuple[str, dict[str, Any]], ...] = ()

    @staticmethod
    def from_submission(s: Submission, channel: Channel) -> NewRequest:
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
        """The youth's fields as stored and shown by the admin API (docs/contract.md §2 names)."""
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
