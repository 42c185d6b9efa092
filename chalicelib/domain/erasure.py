"""What an erasure (GDPR art. 17) leaves of a routed record, its timeline and its mails.

`RoutedRecord.erase` (domain/routed_record.py) keeps a stub for statistics; this module
says what a stored timeline event, an outbox mail and a routing reason keep once their
record is erased, for requests and volunteers' sign-ups alike. Nothing kept here can name
the person: coded values, association ids, an age band, a département.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

AGE_BANDS = ((6, 10), (11, 14), (15, 18), (19, 25), (26, 30))

# What a scrubbed event keeps of its detail: association ids, modes and coded reasons.
# Free text (a decline's comment, an assignment's motive, a reply's sender and text)
# may name the young person, so it goes.
_KEPT_DETAIL = {"association", "previous", "mode"}
_CODED_REASON = {"closed", "declined", "needs_triage"}

# The values a routing reason may spell out that an erasure drops: the exact age (reasons
# stored before domain/routing.py stopped naming it) and the commune (only the département
# and région are kept). Each is replaced by the words the reason now uses.
_ERASED_IN_REASONS = (
    (re.compile(r"\btakes age \d+"), "takes this age"),
    (re.compile(r"\bcommune \w+"), "this commune"),
)

ERASED_TRIAGE_REASON = "personal data erased"


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return "autre"


def erased_reason(reason: str | None) -> str | None:
    """A triage reason without what the erasure dropped (an age, a commune)."""
    if not reason:
        return reason
    for pattern, words in _ERASED_IN_REASONS:
        reason = pattern.sub(words, reason)
    return reason


def erased_routing(routing: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored routing explanation once erased: candidates and left-out associations
    name associations only; its reason loses what the erasure dropped."""
    if not routing:
        return dict(routing) if routing is not None else None
    return {**routing, "reason": erased_reason(routing.get("reason"))}


def scrub_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A stored timeline event without personal data."""
    detail = event.get("detail") or {}
    kept = {k: v for k, v in detail.items() if k in _KEPT_DETAIL}
    if event.get("type") in _CODED_REASON and "reason" in detail:
        kept["reason"] = erased_reason(detail["reason"])
    return {**{k: v for k, v in event.items() if k != "detail"}, "detail": kept}


def scrubbed_mail_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """A stored mail (the outbox's copy) once its record is erased: what it was (ids,
    kind), nothing it said."""
    kept = {k: body.get(k) for k in ("id", "message_id", "request_id", "kind", "auto_submitted")}
    return {**kept, "to": [], "subject": "", "text": "", "html": "", "reply_to": None, "in_reply_to": None}


@dataclass(frozen=True)
class ErasedTriage:
    """The routing decision of an erased record that its association lets go (declined,
    silent, bounced): triage, never another association, which would be sent a mail
    about a person whose data is gone."""

    reason: str = ERASED_TRIAGE_REASON

    def as_dict(self) -> dict[str, Any]:
        return {"policy": None, "association": None, "reason": self.reason, "candidates": [], "excluded": {}}


__all__ = [
    "AGE_BANDS",
    "ERASED_TRIAGE_REASON",
    "ErasedTriage",
    "age_band",
    "erased_reason",
    "erased_routing",
    "scrub_event",
    "scrubbed_mail_body",
]
