"""Routing policy v1 (docs/contract.md §6): which association gets a request, and why.

A pure function over the directory. The directory is compiled once into bit masks (one
bit per association, Python ints as bit sets) so that each rule of the policy is one
AND over the whole directory, whatever its size: a decision over 500 associations costs
a few microseconds and only the surviving candidates are scored one by one. What mentor
routing shares with it (the territory levels and their weights, the candidates' ranking,
the stored explanation) is domain/routing_common.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import routing_common
from .routing_common import ScoredCandidate, TerritoryWeights, best_first, explanation, local_level
from .vocabulary import Need, Public, Situation

if TYPE_CHECKING:  # the pydantic models are not needed to route, only to type
    from .models import Association

POLICY_VERSION = "v1"

# The rules in the order docs/contract.md §6 lists them: an association left out is reported
# with the first rule that left it out.
RULES = ("active", "territory", "age", "situation", "need", "publics_required", "declined", "capacity")


@dataclass(frozen=True)
class RoutingWeights(TerritoryWeights):
    """Score weights; configuration (ROUTING_WEIGHTS), defaults from docs/contract.md §6. The
    territory's (commune, departement, region, national) are routing_common's."""

    public: int = 10
    first_need: int = 2


@dataclass(frozen=True)
class RoutingQuery:
    """What routing needs to know of a request; no contact details."""

    age: int | None
    situation: Situation | None
    need: Need | None
    publics: tuple[Public, ...]
    commune: str | None
    departement: str | None
    region: str | None


@dataclass(frozen=True, kw_only=True)
class Candidate(ScoredCandidate):
    publics: int
    first_need: int

    def parts(self) -> dict[str, Any]:
        return {
            "publics": self.publics,
            "territory": self.territory,
            "territory_level": self.territory_level,
            "first_need": self.first_need,
        }


@dataclass(frozen=True)
class RoutingDecision:
    association_id: str | None
    reason: str | None  # why triage, when association_id is None
    candidates: tuple[Candidate, ...]  # best first
    excluded: Mapping[str, int] = field(repr=False)  # rule -> mask of associations
    index: DirectoryIndex = field(repr=False, compare=False)

    def excluded_ids(self) -> dict[str, list[str]]:
        return {rule: self.index.ids(mask) for rule, mask in self.excluded.items() if mask}

    def as_dict(self) -> dict[str, Any]:
        """The explanation stored with the request (docs/contract.md §6, last line)."""
        return explanation(POLICY_VERSION, self.association_id, self.reason, self.candidates, self.excluded_ids())


class DirectoryIndex:
    """The directory compiled into one bit mask per rule value."""

    def __init__(self, associations: Iterable[Association]):
        self.associations: tuple[Association, ...] = tuple(sorted(associations, key=lambda a: a.id))
        self.position = {a.id: i for i, a in enumerate(self.associations)}
        self.all = (1 << len(self.associations)) - 1
        self.active = 0
        self.national = 0
        self.by_region: dict[str, int] = {}
        self.by_departement: dict[str, int] = {}
        self.by_commune: dict[str, int] = {}
        self.by_age = [0] * 121
        self.by_situation: dict[str | None, int] = {}
        self.by_need: dict[str, int] = {}
        self.no_public_required = 0
        self.by_public_required: dict[str, int] = {}
        any_situation = 0
        for i, a in enumerate(self.associations):
            bit = 1 << i
            if a.active:
                self.active |= bit
            if a.territory.national:
                self.national |= bit
            for table, codes in (
                (self.by_region, a.territory.regions),
                (self.by_departement, a.territory.departements),
                (self.by_commune, a.territory.communes),
            ):
                for code in codes:
                    table[code] = table.get(code, 0) | bit
            for age in range(a.ages.min, min(a.ages.max, 120) + 1):
                self.by_age[age] |= bit
            if not a.situations:
                any_situation |= bit
            for s in a.situations:
                self.by_situation[s.value] = self.by_situation.get(s.value, 0) | bit
            for n in a.needs:
                self.by_need[n.value] = self.by_need.get(n.value, 0) | bit
            if not a.publics_required:
                self.no_public_required |= bit
            for p in a.publics_required:
                self.by_public_required[p.value] = self.by_public_required.get(p.value, 0) | bit
        # An association with no situation listed takes every situation, including an
        # unknown one (mail intake may not find it).
        self.by_situation = {k: v | any_situation for k, v in self.by_situation.items()}
        self.by_situation[None] = any_situation
        self.any_situation = any_situation

    def ids(self, mask: int) -> list[str]:
        out = []
        i = 0
        while mask:
            if mask & 1:
                out.append(self.associations[i].id)
            mask >>= 1
            i += 1
        return out

    def mask_of(self, ids: Iterable[str]) -> int:
        mask = 0
        for i in ids:
            pos = self.position.get(i)
            if pos is not None:
                mask |= 1 << pos
        return mask


def _triage_reason(rule: str, query: RoutingQuery) -> str:
    if rule == "active":
        return "no active association in the directory"
    if rule == "territory":
        if query.departement:
            return f"no association covers département {query.departement}"
        return f"no association covers commune {query.commune}"
    if rule == "age":
        # Not the age itself: a reason is stored with the request and its timeline, and an
        # erasure keeps only an age band (domain/erasure.py); the request page shows the age.
        return "no association in the territory takes this age"
    if rule == "situation":
        what = query.situation.value if query.situation else "an unknown situation"
        return f"no association in the territory takes situation {what}"
    if rule == "need":
        return f"no association in the territory offers need {query.need.value if query.need else None}"
    if rule == "publics_required":
        return "no association takes these publics"
    if rule == "declined":
        return "every candidate declined this request"
    return "all candidates at capacity"


def route_request(
    query: RoutingQuery,
    index: DirectoryIndex,
    load: Mapping[str, int],
    declined: Iterable[str] = (),
    weights: RoutingWeights = RoutingWeights(),
) -> RoutingDecision:
    """Pick the association for a request under policy v1, with the explanation."""
    if routing_common.unplaced(query):
        return RoutingDecision(None, routing_common.NO_PLACE, (), {}, index)
    if query.need is None:
        return RoutingDecision(None, "no need given", (), {}, index)
    if query.age is None:
        return RoutingDecision(None, "no age given", (), {}, index)

    territory_mask = (
        index.national
        | index.by_region.get(query.region or "", 0)
        | index.by_departement.get(query.departement or "", 0)
        | index.by_commune.get(query.commune or "", 0)
    )
    publics_mask = index.no_public_required
    for p in query.publics:
        publics_mask |= index.by_public_required.get(p.value, 0)
    situation_key = query.situation.value if query.situation else None
    rule_masks = (
        ("active", index.active),
        ("territory", territory_mask),
        ("age", index.by_age[query.age] if 0 <= query.age <= 120 else 0),
        ("situation", index.by_situation.get(situation_key, index.any_situation)),
        ("need", index.by_need.get(query.need.value, 0)),
        ("publics_required", publics_mask),
        ("declined", index.all & ~index.mask_of(declined)),
    )
    remaining = index.all
    excluded: dict[str, int] = {}
    last_rule = "active"
    for rule, mask in rule_masks:
        kept = remaining & mask
        excluded[rule] = remaining & ~mask
        if remaining and not kept:
            last_rule = rule
        remaining = kept

    # Capacity last, and only for the survivors: it is the one rule that reads live load.
    candidates: list[Candidate] = []
    full = 0
    for pos in _bits(remaining):
        a = index.associations[pos]
        in_use = load.get(a.id, 0)
        if routing_common.at_capacity(in_use, a.capacity):
            full |= 1 << pos
            continue
        candidates.append(_score(a, query, in_use, weights))
    excluded["capacity"] = full
    if not candidates:
        rule = "capacity" if full else last_rule
        reason = _triage_reason(rule, query)
        if rule not in {"active", "territory"} and not territory_mask & index.active & ~index.national:
            # Only national associations reach this place: the operator's first fact is
            # that nobody works there, then why the national ones did not fit.
            reason = f"{_triage_reason('territory', query)}; national associations: {reason}"
        return RoutingDecision(None, reason, (), excluded, index)
    ranked = best_first(candidates)
    return RoutingDecision(ranked[0].id, None, tuple(ranked), excluded, index)


def _bits(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _score(a: Association, q: RoutingQuery, in_use: int, w: RoutingWeights) -> Candidate:
    publics = w.public * sum(1 for p in q.publics if p in a.publics)
    level = local_level(a.territory, q) or "national"  # past the territory rule: national covers it
    territory = w.of_level(level)
    first_need = w.first_need if a.needs[0] == q.need else 0
    return Candidate(
        id=a.id,
        score=publics + territory + first_need,
        publics=publics,
        territory=territory,
        territory_level=level,
        first_need=first_need,
        load_share=routing_common.load_share(in_use, a.capacity),
    )
