"""The console's directory ("Annuaire"): list, edit in a form, "Simuler", versions, restore.

  GET  /console/annuaire                            associations, load, bounce flags
  POST /console/annuaire/signalements/effacer       clear one bounce flag
  GET  /console/annuaire/nouvelle                   the form of a new association
  POST /console/annuaire/nouvelle                   "Simuler" or "Enregistrer" it
  GET  /console/annuaire/versions                   saved versions, newest first, with their diff
  POST /console/annuaire/versions/{n}/restaurer     version n saved again, as a new version
  GET  /console/annuaire/{id}                       one association's form
  POST /console/annuaire/{id}                       "Simuler" or "Enregistrer" the change

Every page and action goes through ConsoleDoor.guard (session; CSRF on POST). "Simuler"
writes nothing: it shows what saving would do to the last days' requests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Optional, Union
from urllib.parse import parse_qsl, quote

from chalice import Response

from ..config import Settings
from ..domain import directory_changes
from ..domain.models import ASSOCIATION_ID_PATTERN, Association
from ..domain.vocabulary import Need, Public, Situation
from ..services.directory import DirectoryPreview, DirectoryService, InvalidDirectory
from .console import ConsoleDoor, console_page, redirect
from .responses import error_page, not_found_page

if TYPE_CHECKING:
    from chalice.app import Request

    from ..bootstrap import Services

VERSIONS_PAGE = 20
# Paths of this room that an association id cannot take (its form lives at /{id}).
RESERVED_IDS = {"nouvelle", "versions", "signalements"}

LIST_FIELDS = ("situations", "needs", "publics", "publics_required")
CHOICES = {
    "situations": Situation.choices(),
    "needs": Need.choices(),
    "publics": Public.choices(),
    "publics_required": Public.choices(),
}
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


def room(services: Services) -> "ConsoleDirectory":
    """This room's use cases, from the composition root's parts."""
    from .console import ConsoleDoor

    return ConsoleDirectory(
        settings=services.settings,
        door=ConsoleDoor(settings=services.settings, auth=services.console_auth),
        directory=services.directory,
        preview=DirectoryPreview(
            directory=services.directory, requests=services.stores.requests, clock=services.clock,
            weights=services.settings.routing_weights, days=services.settings.simulation_days,
        ),
    )


def paris_time(iso: str) -> str:
    """"24/11/2026 à 10:05" from an ISO UTC time, in metropolitan France's time."""
    try:
        from zoneinfo import ZoneInfo

        zone: tzinfo = ZoneInfo("Europe/Paris")
    except Exception:  # no tz database on the host: UTC
        zone = timezone.utc
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(zone)
    except ValueError:
        return iso
    return moment.strftime("%d/%m/%Y à %H:%M")


_REASONS = (
    (re.compile(r"^no association covers département (\S+)$"), "aucune association ne couvre le département {0}"),
    (re.compile(r"^no association covers commune (\S+)$"), "aucune association ne couvre la commune {0}"),
    (re.compile(r"^no association in the territory takes age (\S+)$"), "aucune association du territoire ne prend l'âge de {0} ans"),
    (re.compile(r"^no association in the territory takes situation (.+)$"), "aucune association du territoire ne prend la situation {0}"),
    (re.compile(r"^no association in the territory offers need (\S+)$"), "aucune association du territoire ne propose le besoin {0}"),
    (re.compile(r"^all candidates at capacity$"), "toutes les associations possibles sont à pleine capacité"),
    (re.compile(r"^every candidate declined this request$"), "toutes les associations possibles l'ont refusée"),
    (re.compile(r"^no association takes these publics$"), "aucune association ne prend ces publics"),
    (re.compile(r"^no active association in the directory$"), "aucune association active dans l'annuaire"),
    (re.compile(r"^no usable postal code$"), "pas de code postal utilisable"),
    (re.compile(r"^no need given$"), "besoin non indiqué"),
    (re.compile(r"^no age given$"), "âge non indiqué"),
)


def french_reason(reason: Optional[str]) -> str:
    """A triage reason of domain/routing.py as operators read it; unknown ones as they are."""
    parts = []
    for part in (reason or "").split("; national associations: "):
        for pattern, french in _REASONS:
            m = pattern.match(part)
            if m:
                parts.append(french.format(*m.groups()))
                break
        else:
            parts.append(part)
    return " ; associations nationales : ".join(parts)


def territory_summary(a: Association) -> str:
    t = a.territory
    parts = []
    if t.national:
        parts.append("national")
    if t.regions:
        from ..domain.territory import region_name

        parts.append("régions : " + ", ".join(region_name(r) or r for r in t.regions))
    if t.departements:
        parts.append("départements : " + ", ".join(t.departements))
    if t.communes:
        n = len(t.communes)
        parts.append(f"{n} commune{'s' if n > 1 else ''}" if n > 3 else "communes : " + ", ".join(t.communes))
    return " ; ".join(parts) or "aucun"


def form_values(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry (contract section 5) as the form's fields."""
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


def _whole(text: str) -> Optional[int]:
    text = text.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else None


def entry_from_form(
    values: dict[str, Any], base: dict[str, Any], new: bool
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, str]]]:
    """(the entry, the form's values to show again, French errors by form field).

    `base`: the association as stored (fields this form does not show are kept)."""
    shown = {
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
    territory: dict[str, Any] = {"national": shown["national"]}
    for kind in ("regions", "departements", "communes"):
        codes = directory_changes.split_codes(shown[kind])
        if kind == "departements":
            codes = [c.zfill(2) if c.isdigit() and len(c) == 1 else c for c in codes]
        unknown = directory_changes.unknown_codes(kind, codes)
        if unknown:
            wrong(kind, "codes INSEE inconnus : " + ", ".join(unknown))
        territory[kind] = codes
    age_min, age_max = _whole(shown["age_min"]), _whole(shown["age_max"])
    if age_min is None or age_min > 120:
        wrong("age_min", "un nombre entier de 0 à 120")
    if age_max is None or age_max > 120:
        wrong("age_max", "un nombre entier de 0 à 120")
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
    capacities: dict[str, Optional[int]] = {"capacity": None, "mentor_capacity": None}
    for name in capacities:
        if shown[name]:
            capacities[name] = _whole(shown[name])
            if capacities[name] is None:
                wrong(name, "un nombre entier, ou vide pour sans limite")
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
            out.append({"field": field if field in FORM_LABELS else "id", "message": f"valeur refusée ({e['message']})"})
    return out


@dataclass(frozen=True, kw_only=True)
class ConsoleDirectory:
    settings: Settings
    door: ConsoleDoor
    directory: DirectoryService
    preview: DirectoryPreview

    def _page(self, name: str, session: Any, status: int = 200, **context: Any) -> Response:
        return console_page(
            self.settings, name, session, status, section="annuaire", describe=directory_changes.describe,
            paris_time=paris_time, french_reason=french_reason, **context,
        )

    def _post(self, request: Request, admin: bool = False) -> Union[tuple[Any, dict[str, Any]], Response]:
        """(session, fields) of a console POST, or the answer refusing it. Repeated
        fields (checkboxes named `x[]`) are lists."""
        values = self.door.form(request)
        if isinstance(values, Response):
            return values
        session = self.door.guard(request, admin=admin, form=values)
        if isinstance(session, Response):
            return session
        lists: dict[str, list[str]] = {}
        raw = (request.raw_body or b"").decode("utf-8", errors="replace")
        for key, value in parse_qsl(raw, keep_blank_values=True, max_num_fields=1000):
            if key.endswith("[]"):
                lists.setdefault(key, []).append(value)
        return session, {**values, **lists}

    # -- the list ----------------------------------------------------------------------

    def list_page(self, request: Request) -> Response:
        session = self.door.guard(request)
        if isinstance(session, Response):
            return session
        associations, load = self.directory.directory()
        flags = self.directory.address_flags()
        flagged: dict[str, list[dict[str, Any]]] = {}
        for f in flags:
            flagged.setdefault(f["association"], []).append(f)
        rows = [
            {
                "a": a,
                "territory": territory_summary(a),
                "load": load.get(a.id, 0),
                "flags": flagged.get(a.id, []),
            }
            for a in sorted(associations, key=lambda a: a.name.lower())
        ]
        names = {a.id: a.name for a in associations}
        q = request.query_params or {}
        saved = q.get("enregistre")
        cleared = q.get("signalement") == "efface"
        return self._page(
            "directory", session, page_title="Annuaire", rows=rows, flags=flags, names=names,
            need_labels=dict(Need.choices()), saved=saved if saved and saved.isdigit() else None, cleared=cleared,
        )

    def clear_flag(self, request: Request) -> Response:
        posted = self._post(request)
        if isinstance(posted, Response):
            return posted
        _, values = posted
        self.directory.clear_flag(str(values.get("association", "")), str(values.get("address", "")))
        return redirect("/console/annuaire?signalement=efface#signalements")

    # -- one association's form ----------------------------------------------------------

    def edit_page(self, request: Request, association_id: Optional[str]) -> Response:
        session = self.door.guard(request)
        if isinstance(session, Response):
            return session
        if association_id is None:
            blank = {"id": "", "name": "", "emails": [], "active": True, "ages": {"min": 6, "max": 25},
                     "needs": [], "territory": {}, "capacity": None}
            return self._form(session, None, form_values(blank))
        found = self.directory.entry(association_id)
        if found is None:
            return not_found_page(self.settings)
        return self._form(session, found, form_values(found.model_dump(mode="json")))

    def _form(
        self, session: Any, found: Optional[Association], shown: dict[str, Any], status: int = 200, **context: Any
    ) -> Response:
        title = f"Modifier : {found.name}" if found else "Nouvelle association"
        return self._page(
            "directory_edit", session, status, page_title=title, association=found, v=shown, choices=CHOICES,
            labels=FORM_LABELS, action=f"/console/annuaire/{quote(found.id)}" if found else "/console/annuaire/nouvelle",
            days=self.preview.days, **context,
        )

    def edit_post(self, request: Request, association_id: Optional[str]) -> Response:
        posted = self._post(request)
        if isinstance(posted, Response):
            return posted
        session, values = posted
        new = association_id is None
        found = None if new else self.directory.entry(association_id or "")
        if not new and found is None:
            return not_found_page(self.settings)
        base = found.model_dump(mode="json") if found else {}
        entry, shown, errors = entry_from_form(values, base, new)
        current, _ = self.directory.directory()
        proposed: Optional[list[Association]] = None
        if not errors:
            try:
                proposed = DirectoryService.with_entry(current, entry, new)
            except InvalidDirectory as exc:
                errors = model_errors(exc)
        if errors or proposed is None:
            return self._form(session, found, shown, 422, errors=errors)
        if values.get("action") == "enregistrer":
            try:
                version = self.directory.save_entry(entry, session.operator.email, new)
            except InvalidDirectory as exc:  # another save took the id meanwhile
                return self._form(session, found, shown, 422, errors=model_errors(exc))
            return redirect(f"/console/annuaire?enregistre={version.number}")
        # "Simuler": nothing is written.
        changes = directory_changes.diff(
            [a.model_dump(mode="json") for a in current], [a.model_dump(mode="json") for a in proposed]
        )
        simulation = self.preview.simulate(proposed, all_departements=values.get("couverture") == "tous")
        shown["couverture"] = values.get("couverture") == "tous"
        return self._form(session, found, shown, simulation=simulation, changes=changes)

    # -- versions ----------------------------------------------------------------------

    def versions_page(self, request: Request) -> Response:
        session = self.door.guard(request)
        if isinstance(session, Response):
            return session
        q = request.query_params or {}
        before = int(q["avant"]) if (q.get("avant") or "").isdigit() else None
        versions = self.directory.versions(VERSIONS_PAGE + 1, before)
        latest = versions[:1] if before is None else self.directory.versions(1)
        restored = q.get("restauree")
        return self._page(
            "directory_versions", session, page_title="Versions de l'annuaire", versions=versions[:VERSIONS_PAGE],
            older=versions[VERSIONS_PAGE - 1].number if len(versions) > VERSIONS_PAGE else None,
            latest=latest[0].number if latest else None,
            restored=restored if restored and restored.isdigit() else None,
        )

    def restore(self, request: Request, number: str) -> Response:
        posted = self._post(request)
        if isinstance(posted, Response):
            return posted
        session, _ = posted
        if not number.isdigit():
            return not_found_page(self.settings)
        try:
            version = self.directory.restore(int(number), session.operator.email)
        except InvalidDirectory:
            # Saved under rules that have changed since (a field now refused).
            return error_page(
                self.settings, 422, "Version non restaurable",
                f"La version {number} ne respecte plus les règles de l'annuaire : elle ne peut pas être restaurée.",
                "/console/annuaire/versions", "Revenir aux versions",
            )
        if version is None:
            return not_found_page(self.settings)
        return redirect(f"/console/annuaire/versions?restauree={number}")
