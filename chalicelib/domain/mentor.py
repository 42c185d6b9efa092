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

from dataclasses import dataclass, replace
from typing import ClassVar, Self

from .change import MailIntent, Moment
from .mentor_routing import MentorQuery
from .mentor_vocabulary import MentorMode, YouthAgeBand
from .models import Association
from .record_kind import VOLUNTEER, RecordKind, RoutedMails
from .routed_record import Change, Decision, RoutedRecord
from .vocabulary import Need


def new_mentor_reference() -> str:
    """BEN-XXXX-XXXX (record_kind.VOLUNTEER): told apart from a request's MNT- at a glance."""
    return VOLUNTEER.new_reference()


@dataclass(frozen=True, kw_only=True)
class MentorSignup(RoutedRecord):
    """A volunteer's sign-up: the shared fields of a routed record (channel "form" or
    "api"), its own being the volunteer's answers in `fields`."""

    KIND: ClassVar[RecordKind] = VOLUNTEER
    MAILS: ClassVar[RoutedMails] = VOLUNTEER.mails
    # What the queue's filters and the statistics read; the volunteer's age (an adult's:
    # no band to keep), occupation, hours, sector and message go with the contacts.
    KEPT_ON_ERASURE: ClassVar[tuple[str, ...]] = ("needs", "youth_ages", "modes")

    def contact_address(self) -> str | None:
        """The volunteer's own address."""
        return self.fields.get("email")

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

    def first_routing(self, decision: Decision, association: Association | None, at: Moment) -> Change[Self]:
        """A new sign-up: received, then routed or sent to triage; the volunteer gets an
        acknowledgement with the reference either way."""
        change = super().first_routing(decision, association, at)
        ack = (MailIntent(self.MAILS.acknowledgement),) if self.contact_address() else ()
        return replace(change, mails=(*change.mails, *ack))
