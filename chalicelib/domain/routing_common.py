"""What the two routing policies share: policy v1 for a youth's request (domain/routing.py)
and mentor v1 for a volunteer's sign-up (domain/mentor_routing.py).

Both score how near an association works, at the most specific level its territory covers
(commune, département, région, national), and both store the same explanation with the
record: the policy, the association chosen or why triage, the scored candidates, and who
each rule left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from .models import Territory


class PlaceCodes(Protocol):
    """Where a request or a sign-up is, as routing reads it (a routing query)."""

    # Read-only, so that frozen dataclasses (the routing queries) match.
    @property
    def commune(self) -> str | None: ...
    @property
    def departement(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...


@dataclass(frozen=True)
class TerritoryWeights:
    """How much nearness scores, by territory level; configuration, defaults from docs/contract.md §6."""

    commune: int = 8
    departement: int = 6
    region: int = 3
    national: int = 0

    def of_level(self, level: str) -> int:
        """The weight of a level: "commune", "departement", "region" or "national"."""
        return {
            "commune": self.commune,
            "departement": self.departement,
            "region": self.region,
            "national": self.national,
        }[level]


def local_level(territory: Territory, where: PlaceCodes) -> str | None:
    """The most specific level at which `territory` lists the place: "commune",
    "departement" or "region"; None when it does not list it (a national association
    covers it or not: each policy says)."""
    if where.commune and where.commune in territory.communes:
        return "commune"
    if where.departement and where.departement in territory.departements:
        return "departement"
    if where.region and where.region in territory.regions:
        return "region"
    return None


NO_PLACE = "no usable postal code"  # the triage reason of a record routing cannot place


def unplaced(where: PlaceCodes) -> bool:
    """Neither commune nor département: no territory rule can read the record."""
    return where.departement is None and where.commune is None


def at_capacity(in_use: int, capacity: int | None) -> bool:
    """Whether an association holds as many records of a kind as it takes (None: no limit)."""
    return capacity is not None and in_use >= capacity


def load_share(in_use: int, capacity: int | None) -> float:
    """The share of its capacity in use, which breaks ties: none when it has no limit, all
    of it when it takes none."""
    return in_use / capacity if capacity else (1.0 if capacity == 0 else 0.0)


@dataclass(frozen=True, kw_only=True)
class ScoredCandidate:
    """An association that passed every rule, with its score and what it is made of."""

    id: str
    score: int
    territory: int  # the nearness part of the score
    territory_level: str
    load_share: float  # the share of its capacity in use: ties go to the less loaded

    def parts(self) -> dict[str, Any]:
        """The parts of the score, as the stored explanation lists them."""
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "score": self.score, "parts": self.parts(), "load_share": round(self.load_share, 4)}


Candidate = TypeVar("Candidate", bound=ScoredCandidate)


def best_first(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Highest score first; ties: lower share of capacity in use, then smaller id."""
    return sorted(candidates, key=lambda c: (-c.score, c.load_share, c.id))


def explanation(
    policy: str,
    association_id: str | None,
    reason: str | None,
    candidates: Iterable[ScoredCandidate],
    excluded: Mapping[str, list[str]],
) -> dict[str, Any]:
    """The explanation stored with the record (docs/contract.md §6, last line)."""
    return {
        "policy": policy,
        "association": association_id,
        "reason": reason,
        "candidates": [c.as_dict() for c in candidates],
        "excluded": excluded,
    }
