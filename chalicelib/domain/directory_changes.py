"""What a change of the directory does: its readable diff, and its effect on routing.

Pure functions over directory entries (the JSON shape of docs/contract.md §5) and
requests; no I/O. The console shows `diff` on each saved version ("capacité : 40 → 30"),
and `simulate` before a change is saved ("Simuler"): the recent requests routed under
the directory as it is and as it would be, with the same load counts, so that what the
operator sees is the effect of the change alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .request import Request
from .routing import DirectoryIndex, RoutingWeights, route_request
from .territory import departement_name
from .vocabulary import Need, Public, Situation, Status

# The fields of an entry in the order a person reads them, with their French names.
FIELD_LABELS: dict[str, str] = {
    "name": "nom",
    "emails": "adresses e-mail",
    "active": "active",
    "territory.national": "nationale",
    "territory.regions": "régions",
    "territory.departements": "départements",
    "territory.communes": "communes",
    "ages": "âges",
    "situations": "situations",
    "needs": "besoins",
    "publics": "publics",
    "publics_required": "publics exigés",
    "capacity": "capacité",
    "recruits_mentors": "recrute des mentors",
    "mentor_capacity": "capacité de mentors",
}
_UNLIMITED = {"capacity", "mentor_capacity"}
# Lists whose order is part of the value: the first need scores (domain/routing.py), and
# the first address is the one requests are mailed to (services/mails.py: `emails[0]`).
_ORDERED = {"needs", "emails"}
_LABELS = {m.value: m.label for enum in (Situation, Need, Public) for m in enum}

# A version keeps at most this many lines of diff (a whole directory replaced by the API
# can change thousands of fields); the total is kept beside them.
MAX_STORED_CHANGES = 200


def _flat(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One level: territory's parts become fields of their own."""
    out = {k: v for k, v in entry.items() if k not in {"id", "territory"}}
    for k, v in (entry.get("territory") or {}).items():
        out[f"territory.{k}"] = v
    return out


def _field_order(name: str) -> tuple[int, str]:
    keys = list(FIELD_LABELS)
    return (keys.index(name) if name in keys else len(keys), name)


def diff(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The changes from one directory to another, by association id, then field.

    Each change: {"kind": "added" | "removed" | "changed", "id", "name", and for "changed":
    "field", "old", "new"}. A list whose order changes is a change only where order
    matters (`needs`: the first need scores); elsewhere it is the same set.
    """
    old = {e["id"]: e for e in before}
    new = {e["id"]: e for e in after}
    changes: list[dict[str, Any]] = []
    for aid in sorted(old.keys() | new.keys()):
        if aid not in old:
            changes.append({"kind": "added", "id": aid, "name": new[aid].get("name")})
        elif aid not in new:
            changes.append({"kind": "removed", "id": aid, "name": old[aid].get("name")})
        else:
            a, b = _flat(old[aid]), _flat(new[aid])
            for name in sorted(a.keys() | b.keys(), key=_field_order):
                va, vb = a.get(name), b.get(name)
                if _same(name, va, vb):
                    continue
                changes.append(
                    {"kind": "changed", "id": aid, "name": new[aid].get("name"), "field": name, "old": va, "new": vb}
                )
    return changes


def _same(name: str, a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list) and name not in _ORDERED:
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


@dataclass(frozen=True)
class AddressChange:
    """An association whose addresses differ between two directories: `before` is empty
    for an association added, `after` for one removed."""

    id: str
    name: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def kept(self) -> bool:
        """In both directories: its previous addresses are told of the change."""
        return bool(self.before) and bool(self.after)


def address_changes(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> list[AddressChange]:
    """Where requests would be mailed differently, by association id: an association
    added or removed, or whose addresses differ (in their order too)."""
    old = {e["id"]: e for e in before}
    new = {e["id"]: e for e in after}
    out = []
    for aid in sorted(old.keys() | new.keys()):
        a, b = old.get(aid) or {}, new.get(aid) or {}
        if aid in old and aid in new and _same("emails", a.get("emails"), b.get("emails")):
            continue
        out.append(
            AddressChange(
                aid,
                str(b.get("name") or a.get("name") or aid),
                tuple(a.get("emails") or ()),
                tuple(b.get("emails") or ()),
            )
        )
    return out


def format_value(name: str, value: Any) -> str:
    if value is None:
        return "sans limite" if name in _UNLIMITED else "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if name == "ages" and isinstance(value, Mapping):
        return f"{value.get('min')} à {value.get('max')} ans"
    if isinstance(value, list):
        if not value:
            return "toutes" if name == "situations" else "aucun"
        return ", ".join(str(v) for v in value)
    return str(value)


def describe(change: Mapping[str, Any]) -> str:
    """One change in French, as the versions page lists it."""
    who = f"« {change.get('name') or change['id']} » ({change['id']})"
    if change["kind"] == "added":
        return f"Association ajoutée : {who}"
    if change["kind"] == "removed":
        return f"Association retirée : {who}"
    name = change["field"]
    label = FIELD_LABELS.get(name, name)
    return f"{who}, {label} : {format_value(name, change['old'])} → {format_value(name, change['new'])}"


def summary(changes: Sequence[Mapping[str, Any]]) -> str:
    """A version's one line: how many associations were added, removed, modified."""
    added = sum(1 for c in changes if c["kind"] == "added")
    removed = sum(1 for c in changes if c["kind"] == "removed")
    modified = len({c["id"] for c in changes if c["kind"] == "changed"})
    parts = []
    if modified:
        parts.append(f"{modified} association{'s' if modified > 1 else ''} modifiée{'s' if modified > 1 else ''}")
    if added:
        parts.append(f"{added} ajoutée{'s' if added > 1 else ''}")
    if removed:
        parts.append(f"{removed} retirée{'s' if removed > 1 else ''}")
    return ", ".join(parts) if parts else "aucun changement"


# -- "Simuler": the recent requests under the directory as it would be --------------------


@dataclass(frozen=True)
class Move:
    """One request that would go elsewhere: `before`/`after` an association id, or None
    for triage (then `reason` says why)."""

    reference: str
    before: str | None
    after: str | None
    reason: str | None = None


@dataclass(frozen=True)
class AssociationEffect:
    id: str
    name: str
    moving_in: int
    moving_out: int


@dataclass(frozen=True)
class Gap:
    """A département and a need that no active association serves."""

    departement: str
    departement_name: str
    need: str
    need_label: str


@dataclass
class Simulation:
    days: int
    requests: int = 0  # in the window
    rerouted: int = 0  # needs_triage and routed ones, routed again in the simulation
    unchanged: int = 0
    manual: int = 0  # assigned by an operator: never moved
    answered: int = 0  # accepted or closed: not moved
    held: int = 0  # sent to triage before any rule ran (mail intake): not moved
    effects: list[AssociationEffect] = field(default_factory=list)
    to_triage: list[tuple[str, int]] = field(default_factory=list)  # (reason, count), most first
    from_triage: int = 0  # in triage today, routed under the new directory
    moves: list[Move] = field(default_factory=list)  # the first few, for an example
    new_gaps: list[Gap] = field(default_factory=list)
    closed_gaps: list[Gap] = field(default_factory=list)
    remaining_gaps: list[Gap] = field(default_factory=list)
    gap_scope: str = "requests"  # "requests": départements the window's requests came from; "all"
    names: dict[str, str] = field(default_factory=dict)  # association id -> name, both directories

    def name(self, association_id: str | None) -> str:
        return self.names.get(association_id or "", association_id or "")

    @property
    def moved(self) -> int:
        return self.rerouted - self.unchanged


MOVES_SHOWN = 20


def simulate(
    requests: Iterable[Request],
    current: DirectoryIndex,
    proposed: DirectoryIndex,
    load: Mapping[str, int],
    weights: RoutingWeights = RoutingWeights(),
    days: int = 30,
    all_departements: Mapping[str, str] | None = None,
) -> Simulation:
    """Route `requests` under `current` and under `proposed`, and compare.

    Only requests in triage or waiting on an association are routed again: accepted and
    closed ones stay where they are, and so do manual assignments (an operator chose).
    Each request is routed as if its own place were free (it leaves its association to be
    routed again), with the declines it had. `all_departements` (code -> name): look for
    coverage gaps over all of them, else over the départements the requests came from.
    """
    sim = Simulation(days=days, gap_scope="all" if all_departements is not None else "requests")
    moving_in: Counter[str] = Counter()
    moving_out: Counter[str] = Counter()
    to_triage: Counter[str] = Counter()
    seen_departements: set[str] = set()
    for r in requests:
        sim.requests += 1
        place = r.place or {}
        if place.get("departement"):
            seen_departements.add(place["departement"])
        if r.status in {Status.ACCEPTED, Status.CLOSED}:
            sim.answered += 1
            continue
        if r.manual:
            sim.manual += 1
            continue
        if r.status == Status.NEEDS_TRIAGE and not (r.routing or {}).get("excluded"):
            # No rule ran over the directory (mail intake held it: several youths, an
            # unreadable place): no directory routes it.
            sim.held += 1
            continue
        sim.rerouted += 1
        own_load = dict(load)
        if r.status == Status.ROUTED and r.association_id:
            own_load[r.association_id] = max(own_load.get(r.association_id, 0) - 1, 0)
        query = r.routing_query()
        before = route_request(query, current, own_load, r.declined, weights)
        after = route_request(query, proposed, own_load, r.declined, weights)
        if before.association_id == after.association_id:
            sim.unchanged += 1
            continue
        if before.association_id:
            moving_out[before.association_id] += 1
        if after.association_id:
            moving_in[after.association_id] += 1
        else:
            to_triage[after.reason or ""] += 1
        if before.association_id is None:
            sim.from_triage += 1
        if len(sim.moves) < MOVES_SHOWN:
            sim.moves.append(Move(r.reference, before.association_id, after.association_id, after.reason))
    names = {a.id: a.name for a in current.associations} | {a.id: a.name for a in proposed.associations}
    sim.names = names
    sim.effects = [
        AssociationEffect(aid, names.get(aid, aid), moving_in[aid], moving_out[aid])
        for aid in sorted(moving_in.keys() | moving_out.keys())
    ]
    sim.to_triage = sorted(to_triage.items(), key=lambda kv: (-kv[1], kv[0]))
    scope = (
        dict(all_departements)
        if all_departements is not None
        else {d: departement_name(d) or d for d in seen_departements}
    )
    before_gaps = coverage_gaps(current, scope)
    after_gaps = coverage_gaps(proposed, scope)
    sim.new_gaps = [g for g in after_gaps if g not in before_gaps]
    sim.closed_gaps = [g for g in before_gaps if g not in after_gaps]
    sim.remaining_gaps = [g for g in after_gaps if g in before_gaps]
    return sim


def coverage_gaps(index: DirectoryIndex, departements: Mapping[str, str]) -> list[Gap]:
    """Each (département, need) that no active association serves, in code order.

    An association serves a département when it is national, lists its région or the
    département, or lists one of its communes (it then serves part of it: not a gap).
    Ages and situations are not considered: a gap is a place and a need nobody works on.
    """
    from .territory import departement_place

    communes_by_departement: dict[str, int] = {}
    for commune, mask in index.by_commune.items():
        dep = commune_departement(commune)
        if dep:
            communes_by_departement[dep] = communes_by_departement.get(dep, 0) | mask
    gaps = []
    for code in sorted(departements):
        place = departement_place(code)
        region = place.region if place else None
        reach = (
            index.national
            | index.by_region.get(region or "", 0)
            | index.by_departement.get(code, 0)
            | communes_by_departement.get(code, 0)
        ) & index.active
        for need in Need:
            if not reach & index.by_need.get(need.value, 0):
                gaps.append(Gap(code, departements[code] or code, need.value, need.label))
    return gaps


def commune_departement(code: str) -> str | None:
    """The département of an INSEE commune code, from the official data; None if unknown."""
    from .territory import _data

    entry = _data()["communes"].get(code)
    return entry[1] if entry else None


# -- territory codes typed by an operator --------------------------------------------------


def split_codes(text: str) -> list[str]:
    """ "59, 62 ; 2a" -> ["59", "62", "2A"]: commas, semicolons or spaces separate."""
    out: list[str] = []
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        for code in part.split():
            code = code.strip().upper()
            if code and code not in out:
                out.append(code)
    return out


def unknown_codes(kind: str, codes: Iterable[str]) -> list[str]:
    """The codes of `kind` ("regions", "departements", "communes") that the official
    territory data does not know."""
    from .territory import _data

    table = {"regions": "regions", "departements": "departements", "communes": "communes"}[kind]
    known = _data()[table]
    return [c for c in codes if c not in known]
