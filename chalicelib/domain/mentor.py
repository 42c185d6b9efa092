"""A volunteer's sign-up to mentor, and every way its status changes (docs/contract.md §11).

The twin of domain/request.py for volunteers, and routed the same way: its transitions
(routed or sent to triage on arrival, accepted, declined, re-routed after silence,
reminded) and its stored record's fields are the ones of domain/routed_record.py, the
one file where a request's or a sign-up's status changes on the answer path. This module
says what differs: the mails it asks for, the association's mentor capacity it takes a
place of, what mentor routing reads, the volunteer's acknowledgement and how long an
accepted sign-up is kept. Statuses are the requests' (`needs_triage`, `routed`,
`accepted`, `closed`).

Retention: a sign-up nobody accepted is erased `mentor_retention_days` after it was made
(`expires_at`, set by the service); an accepted one is kept as long as a request is
(`keep_until`, given to `accept`). An admin may erase it before (`erase`, shared with
requests: what it keeps is KEPT_ON_ERASURE).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from typing import ClassVar

from .change import MailIntent, Moment
from .mentor_routing import MentorQuery, MentorRoutingDecision
from .mentor_vocabulary import MentorMode, YouthAgeBand
from .models import Association
from .reference import REFERENCE_ALPHABET
from .routed_record import Change, RoutedMails, RoutedRecord
from .vocabulary import Need

MENTOR_REFERENCE_PREFIX = "BEN"  # bénévole: told apart from a request's MNT- at a glance


def new_mentor_reference() -> str:
    """BEN-XXXX-XXXX: docs/contract.md §2's reference shape, [A-Z0-9-]{6,24}."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(8)]
    return f"{MENTOR_REFERENCE_PREFIX}-{''.join(chars[:4])}-{''.join(chars[4:])}"


# One change for both kinds of routed record: the name services and tests import.
MentorChange = Change


@dataclass(frozen=True, kw_only=True)
class MentorSignup(RoutedRecord):
    """A volunteer's sign-up: the shared fields of a routed record (channel "form" or
    "api"), its own being the volunteer's answers in `fields`."""

    MAILS: ClassVar[RoutedMails] = RoutedMails(
        new="mentor_association_new_signup", reminder="mentor_reminder", accepted="mentor_accepted"
    )
    # What the queue's filters and the statistics read; the volunteer's age (an adult's:
    # no band to keep), occupation, hours, sector and message go with the contacts.
    KEPT_ON_ERASURE: ClassVar[tuple[str, ...]] = ("needs", "youth_ages", "modes")

    def capacity_of(self, association: Association) -> int | None:
        return association.mentor_capacity

    def volunteer_address(self) -> str | None:
        return self.fields.get("email")

    def contact_address(self) -> str | None:
        return self.volunteer_address()

    # -- what routing reads ------------------------------------------------------------

    def routing_query(self) -> MentorQuery:
        f = self.fields
        return MentorQuery(
            needs=tuple(Need(n) for n in f.get("needs") or ()),
            youth_ages=tuple(YouthAgeBand(b) for b in f.get("youth_ages") or ()),
            modes=tuple(MentorMode(m) for m in f.get("modes") or ()),
            **self._place_codes(),
        )

    # -- transitions of its own (the shared ones: domain/routed_record.py) ---------------

    def first_routing(self, decision: MentorRoutingDecision, association: Association | None, at: Moment) -> Change:
        """A new sign-up: received, then routed or sent to triage; the volunteer gets an
        acknowledgement with the reference either way."""
        change = super().first_routing(decision, association, at)
        ack = (MailIntent("mentor_acknowledgement"),) if self.volunteer_address() else ()
        return replace(change, mails=(*change.mails, *ack))

    def accept(self, association: Association, at: Moment, keep_until: int) -> Change:
        """The routed association takes the volunteer: it sees the contact details from now
        on, the volunteer is told who will call, and the sign-up is kept until `keep_until`."""
        return self._accepted(association, at, expires_at=max(self.expires_at, keep_until))
