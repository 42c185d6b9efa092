"""The two HTML forms: from a url-encoded body to the submission the use case takes."""

from __future__ import annotations

from typing import Any

from ..domain.vocabulary import Need, Public, Situation, StructureType

# Who fills a form and where they are: the first fields of every form (the volunteer's
# too, web/mentor_pages.py).
PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "age", "postal_code", "city")
YOUTH_FIELDS = PERSON_FIELDS + (
    "situation",
    "need",
    "publics",
    "message",
    "consent",
    "parental_consent",
)
# Order of the fields on the page, for the error summary (referent first on /orienter).
PAGE_ORDER = {
    "youth": YOUTH_FIELDS,
    "referent": tuple(f"referent_{f}" if f in {"name", "email", "phone"} else f for f in ("name", "email", "phone"))
    + ("structure_name", "structure_type")
    + YOUTH_FIELDS,
}
CHOICES = {
    "situation": Situation.choices(),
    "need": Need.choices(),
    "publics": Public.choices(),
    "structure_type": StructureType.choices(),
}


def choices_for(form_kind: str) -> dict[str, list]:
    """The options each form shows. A youth writing for themselves is 13 to 30: primary
    school is not offered there (a referent still can choose it for a younger child)."""
    if form_kind == "youth":
        return {
            **CHOICES,
            "situation": [(v, label) for v, label in CHOICES["situation"] if v != Situation.PRIMAIRE.value],
        }
    return CHOICES


def parse_form_body(raw: bytes) -> dict[str, Any]:
    """Field -> value (the last one), `publics` -> list; parsing.BodyRefused over the limits."""
    from .parsing import parse_form

    return parse_form(raw)


def _typed(value: Any) -> Any:
    # What people type around a value (a space after an autocompleted address, a postal
    # code written "59 100") is not part of it; the API takes values exactly.
    return value.strip() if isinstance(value, str) else value


def typed_fields(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields as typed, spaces around each left out; a postal code written
    "59 100" is read 59100."""
    data = {k: _typed(values.get(k)) for k in names}
    if isinstance(data.get("postal_code"), str):
        data["postal_code"] = "".join(data["postal_code"].split())
    return data


def submission_data(values: dict[str, Any], form_kind: str) -> dict[str, Any]:
    """The form's flat fields as the nested submission of the API (docs/contract.md §4)."""
    data = typed_fields(values, YOUTH_FIELDS)
    data["consent"] = values.get("consent") == "on"
    data["parental_consent"] = values.get("parental_consent") == "on"
    if form_kind == "referent":
        data["parental_consent"] = False
        data["referent"] = {
            "name": _typed(values.get("referent_name")),
            "email": _typed(values.get("referent_email")),
            "phone": _typed(values.get("referent_phone")),
            "structure_name": _typed(values.get("structure_name")),
            "structure_type": _typed(values.get("structure_type")) or None,
        }
    return data


def form_field(error_field: str) -> str:
    """Where a validation error is shown on the page: referent.email -> referent_email."""
    if error_field.startswith("referent."):
        name = error_field.split(".", 1)[1]
        return f"referent_{name}" if name in {"name", "email", "phone"} else name
    if error_field == "referent":
        return "referent_email"
    return error_field


# What each error-summary item names (RGAA 11.10: the person knows which field to fix
# before following the link). Short forms of the labels on the page.
FIELD_LABELS = {
    "referent_name": "Vos prénom et nom",
    "referent_email": "Votre e-mail professionnel",
    "referent_phone": "Votre téléphone",
    "structure_name": "Nom de la structure",
    "structure_type": "Type de structure",
    "first_name": "Prénom",
    "last_name": "Nom",
    "email": "E-mail",
    "phone": "Téléphone",
    "age": "Âge",
    "postal_code": "Code postal",
    "city": "Commune",
    "situation": "Situation",
    "need": "Besoin",
    "publics": "Situation particulière",
    "message": "Message",
    "consent": "Accord",
    "parental_consent": "Accord d'un parent",
    "reason": "Motif du refus",
    "comment": "Commentaire",
}
