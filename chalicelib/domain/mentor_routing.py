"""Routing policy "mentor v1" (contract section 11): which association gets a volunteer.

A pure function over the directory, as domain/routing.py is for requests. The directory
holds a few hundred associations at most and a sign-up is far rarer than a request, so
each rule is a plain test per association, in the contract's order: the first rule that
leaves an association out is the one the explanation names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping, Optional

from .mentor_vocabulary import MentorMode, YouthAgeBand
from .vocabulary import Need

if TYPE_CHECKING:
    from .models import Association

POLICY_VERSION = "mentor-v1"

# In the contract's order; "capacity" last, the one rule that reads live load.
RULES = ("active", "recruits_mentors", "territory", "need", "age", "declined", "capacity")


@dataclass(frozen=True)
class MentorWeights:
    need: int = 4  # per need shared with the volunteer
    commune: int = 8
    departement: int = 6
    region: int = 3
    national: int = 0


@dataclass(frozen=True)
class MentorQuery:
    """What routing reads of a sign-up: no name, no contact detail."""

    needs: tuple[Need, ...]
    youth_ages: tuple[YouthAgeBand, ...]
    modes: tuple[MentorMode, ...]
    commune: Optional[str]
    departement: Optional[str]
    region: Optional[str]

    @property
    def remote(self) -> bool:
        return MentorMode.DISTANCE in self.modes


@dataclass(frozen=True)
class MentorCandidate:
    id: str
    score: int
    needs: int
    territory: int
    territory_level: str
    load_share: float

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "score": self.score,
            "parts": {"needs": self.needs, "territory": self.territory, "territory_level": self.territory_level},
            "load_share": round(self.load_share, 4),
        }


@dataclass(frozen=True)
class MentorRoutingDecision:
    association_id: Optional[str]
    reason: Optional[str]  # why triage, when association_id is None
    candidates: tuple[MentorCandidate, ...] = ()  # best first
    excluded: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # rule -> association ids

    def as_dict(self) -> dict:
        """The explanation stored with the sign-up, as requests store theirs."""
        return {
            "policy": POLICY_VERSION,
            "association": self.association_id,
            "reason": self.reason,
            "candidates": [c.as_dict() for c in self.candidates],
            "excluded": {rule: list(ids) for rule, ids in self.excluded.items() if ids},
        }


def territory_level(a: Association, q: MentorQuery) -> Optional[str]:
    """The most specific way `a` covers the volunteer; national only for remote mentoring
    (a national association is no candidate for a volunteer who offers only presentiel)."""
    t = a.territory
    if q.commune and q.commune in t.communes:
        return "commune"
    if q.departement and q.departement in t.departements:
        return "departement"
    if q.region and q.region in t.regions:
        return "region"
    if t.national and q.remote:
        return "national"
    return None


def _ages_overlap(a: Association, bands: Iterable[YouthAgeBand]) -> bool:
    return any(low <= a.ages.max and a.ages.min <= high for low, high in (b.bounds for b in bands))


def _rule_failed(a: Association, q: MentorQuery, declined: set[str]) -> Optional[str]:
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
    if query.departement is None and query.commune is None:
        return MentorRoutingDecision(None, "no usable postal code")
    left_out: dict[str, list[str]] = {rule: [] for rule in RULES}
    candidates: list[MentorCandidate] = []
    refused = set(declined)
    furthest = -1  # the furthest rule any association reached: the triage reason names it
    for a in sorted(associations, key=lambda a: a.id):
        rule = _rule_failed(a, query, refused)
        if rule is None:
            in_use = load.get(a.id, 0)
            if a.mentor_capacity is not None and in_use >= a.mentor_capacity:
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
    # Highest score; ties: lower share of mentor capacity in use, then smaller id.
    candidates.sort(key=lambda c: (-c.score, c.load_share, c.id))
    return MentorRoutingDecision(candidates[0].id, None, tuple(candidates), excluded)


def _score(a: Association, q: MentorQuery, in_use: int, w: MentorWeights) -> MentorCandidate:
    shared = sum(1 for n in q.needs if n in a.needs)
    level = territory_level(a, q) or "national"
    territory = {"commune": w.commune, "departement": w.departement, "region": w.region, "national": w.national}[level]
    share = in_use / a.mentor_capacity if a.mentor_capacity else 0.0
    return MentorCandidate(a.id, w.need * shared + territory, w.need * shared, territory, level, share)
