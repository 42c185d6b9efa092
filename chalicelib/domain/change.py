"""What a transition of a record (a youth's request, a volunteer's sign-up) is made of:
when it happens, the timeline events it appends, the mails it asks for, the load counters
it moves. Pure data, shared by domain/routed_record.py (the transitions requests and sign-ups
share), domain/request.py and domain/mentor.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models import Association


@dataclass(frozen=True)
class Moment:
    """When a transition happens: epoch seconds (TTLs, delays) and ISO time (the timeline)."""

    epoch: int
    iso: str


@dataclass(frozen=True)
class Event:
    """One step of a request's timeline."""

    at: str
    type: str
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MailIntent:
    """A mail a transition asks for; the service layer renders it (services/mails.py)."""

    kind: str  # "association_new_request", "association_reminder", "requester_accepted"
    association: Association | None = None
    attempt: int = 0
    days_waiting: int = 0


@dataclass(frozen=True)
class LoadChange:
    """A move of an association's load counter: +1 takes a place (refused at capacity)."""

    association_id: str
    delta: int
    capacity: int | None = None


class InvalidTransition(Exception):
    """A transition asked of a request in a status that does not allow it."""
