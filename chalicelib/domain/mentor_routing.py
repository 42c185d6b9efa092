"""Routing policy "mentor v1" (docs/contract.md §11): which association gets a volunteer.

A pure function over the directory, as domain/routing.py is for requests. The directory
holds a few hundred associations at most and a sign-up is far rarer than a request, so
each rule is a plain test per association, in docs/contract.md §11's order: the first rule that
leaves an association out is the one the explanation names. What both policies share (the
territory levels and their weights, the candidates' ranking, the stored explanation) is
domain/routing_common.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import routing_common
from .mentor_vocabulary import MentorMode, YouthAgeBand
from .routing_common import ScoredCandidate, TerritoryWeights, best_first, explanation, local_level
from .vocabulary import Need

if TYPE_CHECKING:
    from .models import Association

POLICY_VERSION = "mentor-v1"

# In docs/contract.md §11's order; "capacity" last, the one rule that reads live load.
RULES = ("active", "recruits_mentors", "territory", "need", "age", "declined", "capacity")


@dataclass(frozen=True)
class MentorWeights(TerritoryWeights):
    """Score weights of mentor v1; the territory's are routing_common's."""

    need: int = 4  # per need shared with the volunteer


@dataclass(frozen=True)
class MentorQuery:
    """What routing reads of a sign-up: no name, no contact detail."""

    needs: tuple[Need, ...]
    youth_ages: tuple[YouthAgeBand, ...]
    modes: tuple[MentorMode, ...]
    commune: str | None
    departement: str | None
    region: str | None

    @property
    def remote(self) -> bool:
        return MentorMode.DISTANCE in self.modes


@dataclass(frozen=True, kw_only=True)
class MentorCandidate(ScoredCandidate):
    needs: int

    def parts(self) -> dict[str, Any]:
        return {"needs": self.needs, "territory": self.territory, "territory_level": self.territory_level}


@dataclass(frozen=True)
class MentorRoutingDecision:
    association_id: str | None
    reason: str | None  # why triage, when association_id is None
    candidates: tuple[MentorCandidate, ...] = ()  # best first
    excluded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # rule -> association ids

    def as_dict(self) -> dict[str, Any]:
        """The explanation stored with the sign-up, as requests store theirs."""
        excluded = {rule: list(ids) for rule, ids in self.excluded.items() if ids}
        return explanation(POLICY_VERSION, self.association_id, self.reason, self.candidates, excluded)


def territory_level(a: Association, q: MentorQuery) -> str | None:
    """The most specific way `a` covers the volunteer; national only for remote mentoring
    (a national association is no candidate for a volunteer who offers only presentiel)."""
    level = local_level(a.territory, q)
    if level is None and a.territory.national and q.remote:
        return "national"
    return level


def _ages_overlap(a: Association, bands: Iterable[YouthAgeBand]) -> bool:
    return any(low <= a.ages.max and a.ages.min <= high for low, high in (b.bounds for b in bands))


def _rule_failed(a: Association, q: MentorQuery, declined: set[str]) -> str | None:
    """The first rule of mentor v1 that leaves `a` out, before capacity; None if none does."""
    if not a.active:
        return "active"
    if not a.recruits_mentors:
        return "recruits_mentors"
    if territory_level(a, q) is None:
        return "territory"
    if not set(q.needs) & set(a.needs):
        return "need"
    if not _ages_overlap(a, q.youth_ages):
        return "age"
    if a.id in declined:
        return "declined"
    return None


def _where(q: MentorQuery) -> str:
    return f"département {q.departement}" if q.departement else f"commune {q.commune}"


_REASONS = {
    "active": "no active association in the directory",
    "recruits_mentors": "no association recruits mentors",
    "need": "no association recruiting mentors near the volunteer offers these needs",
    "age": "no association recruiting mentors near the volunteer takes these youth ages",
    "declined": "every candidate declined this sign-up",
    "capacity": "all candidates at mentor capacity",
}


def _triage_reason(rule: str, q: MentorQuery) -> str:
    if rule == "territory":
        reason = f"no association recruiting mentors covers {_where(q)}"
        return reason if q.remote else f"{reason} (in person only: national associations not considered)"
    return _REASONS[rule]


def route_mentor(
    query: MentorQuery,
    associations: Iterable[Association],
    load: Mapping[str, int],
    declined: Iterable[str] = (),
    weights: MentorWeights = MentorWeights(),
) -> MentorRoutingDecision:
    """Pick the association for a volunteer under mentor v1, with the explanation."""
    if routing_common.unplaced(query):
        return MentorRoutingDecision(None, routing_common.NO_PLACE)
    left_out: dict[str, list[str]] = {rule: [] for rule in RULES}
    candidates: list[MentorCandidate] = []
    refused = set(declined)
    furthest = -1  # the furthest rule any association reached: the triage reason names it
    for a in sorted(associations, key=lambda a: a.id):
        rule = _rule_failed(a, query, refused)
        if rule is None:
            in_use = load.get(a.id, 0)
            if routing_common.at_capacity(in_use, a.mentor_capacity):
                rule = "capacity"
            else:
                candidates.append(_score(a, query, in_use, weights))
                continue
        left_out[rule].append(a.id)
        furthest = max(furthest, RULES.index(rule))
    excluded = {rule: tuple(ids) for rule, ids in left_out.items()}
    if not candidates:
        reason = _triage_reason(RULES[max(furthest, 0)], query)
        return MentorRoutingDecision(None, reason, (), excluded)
    ranked = best_first(candidates)  # the share of mentor capacity in use breaks ties
    return MentorRoutingDecision(ranked[0].id, None, tuple(ranked), excluded)


def _score(a: Association, q: MentorQuery, in_use: int, w: MentorWeights) -> MentorCandidate:
    shared = sum(1 for n in q.needs if n in a.needs)
    level = territory_level(a, q) or "national"
    territory = w.of_level(level)
    return MentorCandidate(
        id=a.id,
        score=w.need * shared + territory,
        needs=w.need * shared,
        territory=territory,
        territory_level=level,
        # A capacity of 0 never gets here (at_capacity): the share is requests' alike.
        load_share=routing_common.load_share(in_use, a.mentor_capacity),
    )
