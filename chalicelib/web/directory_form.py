"""The association form of the console's directory, both ways: an entry as the form's
fields (form_values), the posted fields as an entry with French errors by field
(entry_from_form), and the model's refusals on the form's fields (model_errors).
web/console_directory.py serves the pages; nothing here reads storage.
"""

from __future__ import annotations

import re
from typing import Any

from ..domain import directory_changes
from ..domain.digits import ascii_digits, has_other_digits, whole_number
from ..domain.models import ASSOCIATION_ID_PATTERN
from ..domain.text_rules import email_refusal
from ..domain.vocabulary import Need, Public, Situation
from ..services.directory import InvalidDirectory

# Paths of this room that an association id cannot take (its form lives at /{id}).
RESERVED_IDS = {"nouvelle", "versions", "signalements"}

LIST_FIELDS = ("situations", "needs", "publics", "publics_required")
# The boxes of each list; the publics an association requires are among the publics.
CHOICES = {"situations": Situation.choices(), "needs": Need.choices(), "publics": Public.choices()}
CHOICES["publics_required"] = CHOICES["publics"]
FORM_LABELS = {
    "id": "Identifiant",
    "name": "Nom",
    "emails": "Adresses e-mail",
    "regions": "Régions",
    "departements": "Départements",
    "communes": "Communes",
    "age_min": "Âge minimum",
    "age_max": "Âge maximum",
    "situations": "Situations",
    "needs": "Besoins",
    "first_need": "Besoin principal",
    "publics": "Publics",
    "publics_required": "Publics exigés",
    "capacity": "Capacité",
    "mentor_capacity": "Places pour des mentors",
}


def form_values(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry (docs/contract.md §5) as the form's fields."""
    t = entry.get("territory") or {}
    needs = list(entry.get("needs") or [])
    capacity = entry.get("capacity")
    return {
        "id": entry.get("id", ""),
        "name": entry.get("name", ""),
        "emails": "\n".join(entry.get("emails") or []),
        "active": bool(entry.get("active", True)),
        "national": bool(t.get("national")),
        "regions": ", ".join(t.get("regions") or []),
        "departements": ", ".join(t.get("departements") or []),
        "communes": ", ".join(t.get("communes") or []),
        "age_min": str((entry.get("ages") or {}).get("min", "")),
        "age_max": str((entry.get("ages") or {}).get("max", "")),
        "situations": list(entry.get("situations") or []),
        "needs": needs,
        "first_need": needs[0] if needs else "",
        "publics": list(entry.get("publics") or []),
        "publics_required": list(entry.get("publics_required") or []),
        "capacity": "" if capacity is None else str(capacity),
        "recruits_mentors": bool(entry.get("recruits_mentors")),
        "mentor_capacity": "" if entry.get("mentor_capacity") is None else str(entry["mentor_capacity"]),
    }


def _whole(text: str) -> int | None:
    return whole_number(text.strip(), max_digits=6)


def _number_message(text: str, message: str) -> str:
    """`message`, or which digits to use when `text` was written with others ("１２", "²")."""
    return "écrivez ce nombre avec les chiffres de 0 à 9" if has_other_digits(text) else message


def entry_from_form(
    values: dict[str, Any], base: dict[str, Any], new: bool
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]:
    """(the entry, the form's values to show again, French errors by form field).

    `base`: the association as stored (fields this form does not show are kept)."""
    shown: dict[str, Any] = {
        "id": str(values.get("id", base.get("id", ""))).strip() if new else base.get("id", ""),
        "name": str(values.get("name", "")).strip(),
        "emails": str(values.get("emails", "")),
        "active": values.get("active") == "on",
        "national": values.get("national") == "on",
        "regions": str(values.get("regions", "")),
        "departements": str(values.get("departements", "")),
        "communes": str(values.get("communes", "")),
        "age_min": str(values.get("age_min", "")).strip(),
        "age_max": str(values.get("age_max", "")).strip(),
        "first_need": str(values.get("first_need", "")),
        "capacity": str(values.get("capacity", "")).strip(),
        "recruits_mentors": values.get("recruits_mentors") == "on",
        "mentor_capacity": str(values.get("mentor_capacity", "")).strip(),
    }
    for name in LIST_FIELDS:
        known = {v for v, _ in CHOICES[name]}
        shown[name] = [v for v in values.get(f"{name}[]", []) if v in known]
    errors: list[dict[str, str]] = []

    def wrong(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    if new:
        if not shown["id"]:
            wrong("id", "indiquez un identifiant")
        elif not re.fullmatch(ASSOCIATION_ID_PATTERN, shown["id"]):
            wrong("id", "lettres minuscules sans accent, chiffres et tirets (par exemple afev-59)")
        elif shown["id"] in RESERVED_IDS:
            wrong("id", "cet identifiant est réservé, choisissez-en un autre")
    if not shown["name"]:
        wrong("name", "indiquez le nom de l'association")
    emails = [e for e in re.split(r"[\s,;]+", shown["emails"]) if e]
    if not emails:
        wrong("emails", "indiquez au moins une adresse")
    for address in emails:  # the rule of every address (domain/email_address.py)
        refusal = email_refusal(address)
        if refusal:
            wrong("emails", f"« {address} » : {refusal}")
            break
    territory: dict[str, Any] = {"national": shown["national"]}
    for kind in ("regions", "departements", "communes"):
        codes = directory_changes.split_codes(shown[kind])
        if kind == "departements":
            codes = [c.zfill(2) if ascii_digits(c) and len(c) == 1 else c for c in codes]
        unknown = directory_changes.unknown_codes(kind, codes)
        if any(has_other_digits(c) for c in unknown):
            wrong(kind, "écrivez les codes INSEE avec les chiffres de 0 à 9 : " + ", ".join(unknown))
        elif unknown:
            wrong(kind, "codes INSEE inconnus : " + ", ".join(unknown))
        territory[kind] = codes
    age_min, age_max = _whole(shown["age_min"]), _whole(shown["age_max"])
    if age_min is None or age_min > 120:
        wrong("age_min", _number_message(shown["age_min"], "un nombre entier de 0 à 120"))
    if age_max is None or age_max > 120:
        wrong("age_max", _number_message(shown["age_max"], "un nombre entier de 0 à 120"))
    if age_min is not None and age_max is not None and age_min > age_max:
        wrong("age_max", "l'âge maximum doit être au moins l'âge minimum")
    needs = shown["needs"]
    if not needs:
        wrong("needs", "cochez au moins un besoin")
    elif shown["first_need"] not in needs:
        wrong("first_need", "le besoin principal doit faire partie des besoins cochés")
    else:
        # The first need scores (+2): it leads, the others follow in the usual order.
        needs = [shown["first_need"]] + [n for n in needs if n != shown["first_need"]]
    capacities: dict[str, int | None] = {"capacity": None, "mentor_capacity": None}
    for name in capacities:
        if shown[name]:
            capacities[name] = _whole(shown[name])
            if capacities[name] is None:
                wrong(name, _number_message(shown[name], "un nombre entier, ou vide pour sans limite"))
    entry = {
        **base,
        "id": shown["id"],
        "name": shown["name"],
        "emails": emails,
        "active": shown["active"],
        "territory": territory,
        "ages": {"min": age_min if age_min is not None else 0, "max": age_max if age_max is not None else 0},
        "situations": shown["situations"],
        "needs": needs,
        "publics": shown["publics"],
        "publics_required": shown["publics_required"],
        "capacity": capacities["capacity"],
        "recruits_mentors": shown["recruits_mentors"],
        "mentor_capacity": capacities["mentor_capacity"],
    }
    return entry, shown, errors


def model_errors(exc: InvalidDirectory) -> list[dict[str, str]]:
    """The model's refusals (an address it does not take...) on the form's fields."""
    out = []
    for e in exc.errors:
        where = e["field"].split(".")
        field = where[1] if len(where) > 1 else "id"
        if field == "territory" and len(where) > 2:
            field = where[2]
        if field == "ages":
            field = "age_max"
        if e.get("message") == "id already in use":
            out.append({"field": "id", "message": "une association a déjà cet identifiant"})
        elif e.get("message") == "no such association":
            out.append({"field": "id", "message": "cette association n'est plus dans l'annuaire"})
        elif field == "emails":
            out.append({"field": "emails", "message": "une adresse n'est pas valide"})
        else:
            out.append(
                {"field": field if field in FORM_LABELS else "id", "message": f"valeur refusée ({e['message']})"}
            )
    return out
