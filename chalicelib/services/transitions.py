"""What every use case that commits a change of a routed record (a request, a sign-up) shares.

A domain transition (`Request` or `MentorSignup` method) returns the state before and
after, the events and the mails to record and the load counters to move; the use case
turns it into one conditional transaction of its store (ports.RecordChange). When it
happens, how long the timeline lives and the transaction's fields are the same for every
kind of record, given its kind (domain/record_kind.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..config import Settings
from ..domain.change import MailIntent, Moment
from ..domain.routed_record import Change, RoutedRecord
from .clock import Clock
from .ports import OutgoingMail, RecordChange

RenderMail = Callable[[MailIntent, Any], OutgoingMail]


def moment_now(clock: Clock) -> Moment:
    now = clock.now()
    return Moment(now.epoch, now.iso)


def mail_expires_at(at_epoch: int, settings: Settings) -> int:
    """When the outbox forgets the mails a change stores now."""
    return at_epoch + settings.mail_retention_days * 86400


def retention_seconds(setting: str, settings: Settings) -> int:
    """One of the kinds' retentions (RecordKind.retention_setting, ...), in seconds."""
    days: int = getattr(settings, setting)
    return days * 86400


def timeline_expiry(record: RoutedRecord, settings: Settings) -> int:
    """How long a record's reference and timeline may live: as its data, or, for a kind
    whose acceptance keeps the data longer (a sign-up), as long as an acceptance (before
    the data expires) may keep it. They hold no contact detail, and every read goes
    through the record itself."""
    longer = record.KIND.accepted_retention_setting
    return record.expires_at + (retention_seconds(longer, settings) if longer else 0)


def record_change(change: Change[Any], render: RenderMail, clock: Clock, settings: Settings) -> RecordChange[Any]:
    """A change as the transaction that commits it (answers, the console, an erasure): the
    write is refused unless the record is still in the state it was read in."""
    before, after = change.before, change.after
    return RecordChange(
        before=before,
        after=after,
        events=list(change.events),
        # Rendered from the new state, before the commit: what is stored is what is sent.
        mails=[render(intent, after) for intent in change.mails],
        keep_until=timeline_expiry(before, settings),
        mail_expires_at=mail_expires_at(clock.now().epoch, settings),
        load_changes=[(c.association_id, c.delta, c.capacity) for c in change.load],
    )
