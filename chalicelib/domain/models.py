"""What the service knows: a submission, an association of the directory, a stored request.

Pure data and validation rules (contract sections 2 to 5); no I/O. Error messages are in
French because they are shown, field by field, to the person who filled the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .vocabulary import Channel, Need, Public, Situation, StructureType

POSTAL_CODE_RE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
REFERENCE_RE = re.compile(r"^[A-Z0-9-]{6,24}$")
# 0X XX XX XX XX or +33 X XX XX XX XX, separators (space, dot, dash) allowed.
PHONE_RE = re.compile(r"^(?:\+33\s?[1-9]|0[1-9])(?:[\s.-]?\d{2}){4}$")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class FieldError(BaseModel):
    field: str
    message: str


class InvalidSubmission(Exception):
    """A submission that breaks the contract's rules: one French message per field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _email(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        # No DNS lookup: validation must not depend on the network (and stays fast).
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise PydanticCustomError(
            "email", "Adresse e-mail invalide : vérifiez-la (exemple : prenom.nom@exemple.fr)."
        ) from None


def _phone(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    if not PHONE_RE.match(value):
        raise PydanticCustomError(
            "phone", "Numéro de téléphone invalide (exemple : 06 12 34 56 78 ou +33 6 12 34 56 78)."
        )
    digits = re.sub(r"\D", "", value)
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


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


class Referent(BaseModel):
    """The professional who submits for a youth (contract section 3)."""

    model_config = ConfigDict(extra="forbid")

    name: Optional[Name] = None
    email: str
    phone: Optional[str] = None
    structure_name: Name
    structure_type: StructureType = StructureType.AUTRE

    _blank = field_validator("name", "phone", mode="before")(_blank_to_none)

    @field_validator("email", mode="before")
    @classmethod
    def _email_required(cls, v: Any) -> Any:
        v = _blank_to_none(v)
        if v is None:
            raise PydanticCustomError("missing", "Champ obligatoire.")
        return _email(v)

    _phone_ok = field_validator("phone")(lambda v: _phone(v))

    @field_validator("structure_type", mode="before")
    @classmethod
    def _default_type(cls, v: Any) -> Any:
        return StructureType.AUTRE if _blank_to_none(v) is None else v


class Submission(BaseModel):
    """A request as the forms and the API take it (contract sections 2 to 4).

    The rules differ when a referent submits: younger children allowed, the youth's own
    contact optional. They are checked together in `_channel_rules`.
    """

    model_config = ConfigDict(extra="ignore")

    first_name: Optional[Name] = None
    last_name: Optional[Name] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    age: int
    postal_code: str
    city: Optional[ShortText] = None
    situation: Situation
    need: Need
    publics: list[Public] = Field(default_factory=list)
    message: Optional[Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]] = None
    consent: bool = False
    parental_consent: bool = False
    referent: Optional[Referent] = None

    _blank = field_validator(
        "first_name", "last_name", "email", "phone", "city", "message", "postal_code", mode="before"
    )(_blank_to_none)

    @field_validator("email")
    @classmethod
    def _email_ok(cls, v: Optional[str]) -> Optional[str]:
        return _email(v)

    @field_validator("phone")
    @classmethod
    def _phone_ok(cls, v: Optional[str]) -> Optional[str]:
        return _phone(v)

    @field_validator("postal_code", mode="before")
    @classmethod
    def _postal_code_ok(cls, v: Any) -> Any:
        if v is None:
            raise PydanticCustomError("missing", "Champ obligatoire.")
        v = str(v).replace(" ", "")
        if not POSTAL_CODE_RE.match(v):
            raise PydanticCustomError("postal_code", "Code postal invalide : 5 chiffres (exemple : 59100).")
        return v

    @field_validator("publics", mode="before")
    @classmethod
    def _dedupe_publics(cls, v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return list(dict.fromkeys(v))
        return v

    @model_validator(mode="after")
    def _channel_rules(self) -> "Submission":
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


def parse_submission(data: dict[str, Any]) -> Submission:
    """Validate a submission, raising InvalidSubmission with one message per field."""
    try:
        return Submission.model_validate(data)
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


class Territory(BaseModel):
    model_config = ConfigDict(extra="forbid")

    national: bool = False
    regions: list[str] = Field(default_factory=list)
    departements: list[str] = Field(default_factory=list)
    communes: list[str] = Field(default_factory=list)


class AgeRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: int = Field(ge=0, le=120)
    max: int = Field(ge=0, le=120)

    @model_validator(mode="after")
    def _ordered(self) -> "AgeRange":
        if self.min > self.max:
            raise ValueError("ages.min must not exceed ages.max")
        return self


class Association(BaseModel):
    """One member association of the directory (contract section 5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    emails: list[str] = Field(min_length=1)
    active: bool = True
    territory: Territory
    ages: AgeRange
    situations: list[Situation] = Field(default_factory=list)
    needs: list[Need] = Field(min_length=1)
    publics: list[Public] = Field(default_factory=list)
    publics_required: list[Public] = Field(default_factory=list)
    capacity: Optional[int] = Field(default=None, ge=0)

    @field_validator("emails")
    @classmethod
    def _emails_ok(cls, v: list[str]) -> list[str]:
        from email_validator import EmailNotValidError, validate_email

        try:
            return [validate_email(e, check_deliverability=False).normalized for e in v]
        except EmailNotValidError as exc:
            raise ValueError(f"invalid email: {exc}") from None


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
