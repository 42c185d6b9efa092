"""The console's directory ("Annuaire"): list, edit in a form, "Simuler", versions, restore.

  GET  /console/annuaire                            associations, load, bounce flags
  POST /console/annuaire/signalements/effacer       clear one bounce flag
  GET  /console/annuaire/nouvelle                   the form of a new association
  POST /console/annuaire/nouvelle                   "Simuler" or "Enregistrer" it
  GET  /console/annuaire/versions                   saved versions, newest first, with their diff
  GET  /console/annuaire/versions/{n}               version n: its associations, what restoring it would do
  POST /console/annuaire/versions/{n}/restaurer     version n saved again, as a new version
  GET  /console/annuaire/{id}                       one association's form
  POST /console/annuaire/{id}                       "Simuler" or "Enregistrer" the change

Every page and action goes through ConsoleDoor.guard (session; CSRF on POST). "Simuler"
writes nothing: it shows what saving would do to the last days' requests. A save or a
restore that would change an association's addresses, by an operator who is not an admin,
is refused with 403 (services/directory.py: AddressChangeRefused), the form kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from chalice import Response

from ..domain import directory_changes
from ..domain.digits import whole_number
from ..domain.models import Association
from ..domain.operators import Role
from ..domain.paris_time import french_time
from ..domain.vocabulary import Need
from ..services.console_auth import ConsoleSession
from ..services.directory import (
    API_AUTHOR,
    SYSTEM_AUTHOR,
    AddressChangeRefused,
    DirectoryPreview,
    DirectoryService,
    InvalidDirectory,
)
from ..services.ports import DirectoryVersion
from .console import ConsoleRoom, console_page, guarded_page, invalid_page_link, redirect
from .directory_form import CHOICES, FORM_LABELS, entry_from_form, form_values, model_errors
from .parsing import body_bytes, query_of
from .responses import error_page, not_found_page

if TYPE_CHECKING:
    from chalice.app import Request


VERSIONS_PAGE = 20


# The triage reasons of domain/routing.py, each with its French; `{}` stands for the
# value the reason names (a code, a situation).
_REASONS = {
    "no association covers département {}": "aucune association ne couvre le département {}",
    "no association covers commune {}": "aucune association ne couvre la commune {}",
    "no association in the territory takes this age": (
        "hors tranche d'âge : aucune association du territoire ne prend cet âge"
    ),
    "no association in the territory takes situation {}": "aucune association du territoire ne prend la situation {}",
    "no association in the territory offers need {}": "aucune association du territoire ne propose le besoin {}",
    "all candidates at capacity": "toutes les associations possibles sont à pleine capacité",
    "every candidate declined this request": "toutes les associations possibles l'ont refusée",
    "no association takes these publics": "aucune association ne prend ces publics",
    "no active association in the directory": "aucune association active dans l'annuaire",
    "no usable postal code": "pas de code postal utilisable",
    "no need given": "besoin non indiqué",
    "no age given": "âge non indiqué",
}


def _translated(part: str) -> str:
    for english, french in _REASONS.items():
        prefix, placeholder, _ = english.partition("{}")
        if not placeholder:
            if part == english:
                return french
        elif part.startswith(prefix) and part != prefix:
            return french.format(part[len(prefix) :])
    return part


def french_reason(reason: str | None) -> str:
    """A triage reason of domain/routing.py as operators read it; unknown ones as they are."""
    return " ; associations nationales : ".join(
        _translated(part) for part in (reason or "").split("; national associations: ")
    )


def author_label(version: DirectoryVersion) -> str:
    """Who saved a version, as the versions list and a version's page name them."""
    if version.author == API_AUTHOR:
        return "l'API (jeton d'administration)"
    if version.author == SYSTEM_AUTHOR:
        return "le système"
    if not version.author:
        return "un auteur inconnu"
    roles = {r.value: r for r in Role}
    # Versions saved before roles were recorded have none.
    role = roles[version.role].label if version.role in roles else "rôle inconnu"
    return f"{version.author} ({role})"


def named(changes: list[directory_changes.AddressChange]) -> str:
    """« Nom » (id), « Nom » (id): the associations whose addresses would change."""
    return ", ".join(f"« {c.name} » ({c.id})" for c in changes)


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


@dataclass(frozen=True, kw_only=True)
class ConsoleDirectory(ConsoleRoom):
    directory: DirectoryService
    preview: DirectoryPreview

    def _page(self, name: str, session: Any, status: int = 200, **context: Any) -> Response:
        return console_page(
            self.settings,
            name,
            session,
            status,
            section="annuaire",
            describe=directory_changes.describe,
            paris_time=lambda iso: french_time(iso, joiner=" à "),
            french_reason=french_reason,
            author=author_label,
            **context,
        )

    def _post(self, request: Request, admin: bool = False) -> tuple[Any, dict[str, Any]] | Response:
        """(session, fields) of a console POST, or the answer refusing it. Repeated
        fields (checkboxes named `x[]`) are lists."""
        posted = self.door.guard_post(request, admin=admin)
        if isinstance(posted, Response):
            return posted
        session, values = posted
        lists: dict[str, list[str]] = {}
        raw = body_bytes(request).decode("utf-8", errors="replace")
        for key, value in parse_qsl(raw, keep_blank_values=True, max_num_fields=1000):
            if key.endswith("[]"):
                lists.setdefault(key, []).append(value)
        return session, {**values, **lists}

    # -- the list ----------------------------------------------------------------------

    @guarded_page
    def list_page(self, request: Request, session: ConsoleSession) -> Response:
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
        q = query_of(request)
        cleared = q.get("signalement") == "efface"
        return self._page(
            "directory",
            session,
            page_title="Annuaire",
            rows=rows,
            flags=flags,
            names=names,
            need_labels=dict(Need.choices()),
            saved=whole_number(q.get("enregistre")),
            cleared=cleared,
        )

    def clear_flag(self, request: Request) -> Response:
        posted = self._post(request)
        if isinstance(posted, Response):
            return posted
        _, values = posted
        self.directory.clear_flag(str(values.get("association", "")), str(values.get("address", "")))
        return redirect("/console/annuaire?signalement=efface#signalements")

    # -- one association's form ----------------------------------------------------------

    @guarded_page
    def edit_page(self, request: Request, session: ConsoleSession, association_id: str | None) -> Response:
        if association_id is None:
            blank = {
                "id": "",
                "name": "",
                "emails": [],
                "active": True,
                "ages": {"min": 6, "max": 25},
                "needs": [],
                "territory": {},
                "capacity": None,
            }
            return self._form(session, None, form_values(blank))
        found = self.directory.entry(association_id)
        if found is None:
            return not_found_page(self.settings)
        return self._form(session, found, form_values(found.model_dump(mode="json")))

    def _form(
        self, session: Any, found: Association | None, shown: dict[str, Any], status: int = 200, **context: Any
    ) -> Response:
        title = f"Modifier : {found.name}" if found else "Nouvelle association"
        return self._page(
            "directory_edit",
            session,
            status,
            page_title=title,
            association=found,
            v=shown,
            choices=CHOICES,
            labels=FORM_LABELS,
            action=f"/console/annuaire/{quote(found.id)}" if found else "/console/annuaire/nouvelle",
            days=self.preview.days,
            **context,
        )

    def edit_post(self, request: Request, association_id: str | None) -> Response:
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
        proposed: list[Association] | None = None
        if not errors:
            try:
                proposed = DirectoryService.with_entry(current, entry, new)
            except InvalidDirectory as exc:
                errors = model_errors(exc)
        if errors or proposed is None:
            return self._form(session, found, shown, 422, errors=errors)
        if values.get("action") == "enregistrer":
            try:
                version = self.directory.save_entry(entry, session.operator.email, new, role=session.operator.role)
            except InvalidDirectory as exc:  # another save took the id meanwhile
                return self._form(session, found, shown, 422, errors=model_errors(exc))
            except AddressChangeRefused:
                return self._form(
                    session,
                    found,
                    shown,
                    403,
                    errors=[
                        {
                            "field": "emails",
                            "message": (
                                "seul un administrateur peut ajouter une association : ses adresses recevraient "
                                "des demandes. Rien n'a été enregistré ; demandez à un administrateur du réseau de "
                                "l'ajouter"
                                if new
                                else "seul un administrateur peut changer les adresses d'une association : "
                                "elles reçoivent les demandes et leurs liens de réponse. Rien n'a été enregistré ; "
                                "demandez ce changement à un administrateur du réseau, ou remettez les adresses "
                                "d'origine pour enregistrer vos autres changements"
                            ),
                        }
                    ],
                )
            return redirect(f"/console/annuaire?enregistre={version.number}")
        # "Simuler": nothing is written.
        changes = directory_changes.diff(
            [a.model_dump(mode="json") for a in current], [a.model_dump(mode="json") for a in proposed]
        )
        simulation = self.preview.simulate(proposed, all_departements=values.get("couverture") == "tous")
        shown["couverture"] = values.get("couverture") == "tous"
        return self._form(session, found, shown, simulation=simulation, changes=changes)

    # -- versions ----------------------------------------------------------------------

    @guarded_page
    def versions_page(self, request: Request, session: ConsoleSession) -> Response:
        q = query_of(request)
        before = whole_number(q["avant"]) if q.get("avant") else None
        if q.get("avant") and before is None:
            return invalid_page_link(self.settings, "/console/annuaire/versions")
        versions = self.directory.versions(VERSIONS_PAGE + 1, before)
        latest = versions[:1] if before is None else self.directory.versions(1)
        return self._page(
            "directory_versions",
            session,
            page_title="Versions de l'annuaire",
            versions=versions[:VERSIONS_PAGE],
            older=versions[VERSIONS_PAGE - 1].number if len(versions) > VERSIONS_PAGE else None,
            latest=latest[0].number if latest else None,
            restored=whole_number(q.get("restauree")),
        )

    @guarded_page
    def version_page(self, request: Request, session: ConsoleSession, number: str) -> Response:
        """One version: who saved it, its diff, its associations and their addresses, and
        what restoring it would change now."""
        version_number = whole_number(number)
        found = self.directory.restoring(version_number) if version_number is not None else None
        if found is None:
            return not_found_page(self.settings)
        version, restoring, moved = found
        latest = self.directory.versions(1)
        associations = sorted(version.entries or (), key=lambda e: str(e.get("name", "")).lower())
        return self._page(
            "directory_version",
            session,
            page_title=f"Version {version.number} de l'annuaire",
            v=version,
            latest=latest[0].number if latest else None,
            associations=associations,
            restoring=restoring[: directory_changes.MAX_STORED_CHANGES],
            restoring_total=len(restoring),
            moved=named(moved),
            reserved=bool(moved) and not session.operator.is_admin,
        )

    def restore(self, request: Request, number: str) -> Response:
        posted = self._post(request)
        if isinstance(posted, Response):
            return posted
        session, _ = posted
        version_number = whole_number(number)
        if version_number is None:
            return not_found_page(self.settings)
        try:
            version = self.directory.restore(version_number, session.operator.email, role=session.operator.role)
        except AddressChangeRefused as refused:
            return error_page(
                self.settings,
                403,
                "Restauration réservée aux administrateurs",
                f"Restaurer la version {number} changerait les adresses e-mail de {named(refused.changes)}. "
                "Ces adresses reçoivent les demandes des jeunes et leurs liens de réponse : seul un administrateur "
                "du réseau peut les changer. Rien n'a été modifié ; demandez à un administrateur de restaurer "
                "cette version.",
                f"/console/annuaire/versions/{number}",
                f"Revenir à la version {number}",
            )
        except InvalidDirectory:
            # Saved under rules that have changed since (a field now refused).
            return error_page(
                self.settings,
                422,
                "Version non restaurable",
                f"La version {version_number} ne respecte plus les règles de l'annuaire : elle ne peut pas être "
                "restaurée.",
                "/console/annuaire/versions",
                "Revenir aux versions",
            )
        if version is None:
            return not_found_page(self.settings)
        return redirect(f"/console/annuaire/versions?restauree={version_number}")
