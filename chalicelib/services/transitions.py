"""What every use case that commits a change of a request or a sign-up shares.

A domain transition (`Request` or `MentorSignup` method) returns the state before and
after, the events and the mails to record and the load counters to move; the use case
turns it into one conditional transaction of its store. The parts below are the same for
both kinds of record: when it happens, the record as stored, the transaction's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..config import Settings
from ..domain.change import MailIntent, Moment
from ..domain.mentor import MentorSignup
from ..domain.request import Change, Request
from .clock import Clock
from .ports import MentorTransition, OutgoingMail, Transition

RenderMail = Callable[[MailIntent, Any], OutgoingMail]


def moment_now(clock: Clock) -> Moment:
    now = clock.now()
    return Moment(now.epoch, now.iso)


def stored_record(entity: Request | MentorSignup) -> dict[str, Any]:
    """The record as the store writes it: its timeline and expiry are written apart."""
    record = entity.to_record()
    record.pop("events"), record.pop("expires_at")
    return record


def mail_expires_at(at_epoch: int, settings: Settings) -> int:
    """When the outbox forgets the mails a change stores now."""
    return at_epoch + settings.mail_retention_days * 86400


def transition_fields(change: Change, render: RenderMail, clock: Clock, settings: Settings) -> dict[str, Any]:
    """The fields a request's Transition and a sign-up's MentorTransition share: the
    write is refused unless the record is still in the state it was read in."""
    before, after = change.before, change.after
    return {
        "from_status": before.status.value,
        "from_attempt": before.attempt,
        "events": list(change.events),
        # Rendered from the new state, before the commit: what is stored is what is sent.
        "mails": [render(intent, after) for intent in change.mails],
        "mail_expires_at": mail_expires_at(clock.now().epoch, settings),
        "load_changes": [(c.association_id, c.delta, c.capacity) for c in change.load],
        "event_seq": len(before.events),
    }


def request_transition(change: Change, render: RenderMail, clock: Clock, settings: Settings) -> Transition:
    """A request's change as the transaction that commits it (answers, the console)."""
    return Transition(
        request=stored_record(change.after),
        expires_at=change.before.expires_at,
        assigned_before=change.before.assigned_at,  # the time to answer, for the statistics
        **transition_fields(change, render, clock, settings),
    )


def signup_keep_until(signup: MentorSignup, settings: Settings) -> int:
    """How long a sign-up's reference and timeline may outlive its data: an acceptance
    (before the data expires) keeps the data `retention_days` more. They hold no contact
    detail, and every read goes through the sign-up itself."""
    return signup.expires_at + settings.retention_days * 86400


def signup_transition(change: Change, render: RenderMail, clock: Clock, settings: Settings) -> MentorTransition:
    """A sign-up's change as the transaction that commits it (answers, the console)."""
    return MentorTransition(
        signup=stored_record(change.after),
        expires_at=change.after.expires_at,
        from_expires_at=change.before.expires_at,
        assigned_before=change.before.assigned_at,  # the time to answer, for the statistics
        keep_until=signup_keep_until(change.before, settings),  # type: ignore[arg-type]
        **transition_fields(change, render, clock, settings),
    )
