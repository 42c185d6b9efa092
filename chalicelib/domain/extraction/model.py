"""What extraction returns: each value with its words, where they were, and a confidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..vocabulary import Public

ACCEPT = 0.6  # below this confidence a value is stored as a hint but not used to route

# docs/contract.md §2's order of publics (vocabulary.Public), used to list what was found.
PUBLICS = tuple(p.value for p in Public)

AGE_MIN, AGE_MAX = 5, 30
# Several young people in one mail: single-youth values are at most hints (operators triage).
SEVERAL_CAP = 0.5
# Conflicting values for one field: the first one is kept as a hint only.
CONFLICT_CAP = 0.45


@dataclass(frozen=True)
class Found:
    value: Any  # int for age, str for situation/need/postal_code/city/departement, str for each public
    evidence: str  # the words it came from, as written in the mail (short excerpt)
    confidence: float  # 0..1
    source: str = "body"  # "subject", "body", "forwarded", "signature" or "attachment:<file name>"

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "evidence": self.evidence,
            "confidence": round(self.confidence, 2),
            "source": self.source,
        }


@dataclass(frozen=True)
class Extraction:
    age: Found | None
    situation: Found | None
    postal_code: Found | None
    city: Found | None
    need: Found | None
    publics: tuple[Found, ...]
    several_youths: bool
    departement: Found | None = None  # the place when only the département is said

    def as_dict(self) -> dict[str, Any]:
        def one(f: Found | None) -> dict[str, Any] | None:
            return f.as_dict() if f is not None else None

        return {
            "age": one(self.age),
            "situation": one(self.situation),
            "postal_code": one(self.postal_code),
            "city": one(self.city),
            "departement": one(self.departement),
            "need": one(self.need),
            "publics": [p.as_dict() for p in self.publics],
            "several_youths": self.several_youths,
        }
