"""What the use cases need from the outside world; the adapters implement these.

The service layer is written against these protocols only, so that local mode and AWS
differ in the adapters `bootstrap` wires, never in the use cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional, Protocol, Sequence

from ..domain.models import Association
from ..domain.request import Event

__all__ = ["Event"]  # the timeline's event is the domain's; re-exported for the adapters


class StorageUnavailable(Exception):
    """Storage could not be reached, or kept refusing (throttled), after the client's own
    retries. Whether the last write landed is unknown: the caller says "try again" (503),
    and a retry with the same idempotency key or form submission id cannot store twice."""


@dataclass(frozen=True)
class OutgoingMail:
    """One message of the outbox, rendered before the transaction that stores it."""

    id: str
    message_id: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    auto_submitted: str = "auto-generated"
    request_id: Optional[str] = None
    kind: str = ""
    attempts: int = 0  # failed sends so far
    reply_to: Optional[str] = None
    in_reply_to: Optional[str] = None  # the inbound mail an acknowledgement answers


@dataclass(frozen=True)
class ClaimedMail:
    """A mail taken for sending (state `sending`, with a lease).

    `interrupted`: it was found still `sending` after its lease ran out, so an earlier
    attempt stopped between the send and its mark (a crash, storage down): whether it
    went out is unknown, and it must be reconciled, never simply sent again.
    """

    mail: OutgoingMail
    interrupted: bool = False


class MailNotSent(Exception):
    """The mail service surely did not take the mail (it answered an error, or the
    connection was never established): sending again cannot deliver it twice."""


class MailOutcomeUnknown(Exception):
    """The request may have reached the mail service (read timeout once it was sent,
    connection closed mid-way): the mail may have gone out, or not."""


@dataclass(frozen=True)
class Assignment:
    """Who an answer link is for: one association, for one routing of one request."""

    request_id: str
    association_id: str
    attempt: int


@dataclass
class IntakeWrite:
    """Everything one intake writes, committed in a single transaction (contract 7)."""

    request: dict[str, Any]  # id, reference, status, association_id, created_at, ...
    events: list[Event]
    mails: list[OutgoingMail]
    expires_at: int
    mail_expires_at: int
    idempotency_key: Optional[str] = None
    idempotency_fingerprint: Optional[str] = None
    idempotency_response: Optional[dict[str, Any]] = None
    idempotency_expires_at: int = 0
    rate_key: Optional[str] = None
    rate_limit: int = 0
    rate_expires_at: int = 0
    capacity_of: Optional[tuple[str, Optional[int]]] = None  # (association id, capacity)
    # When it is written: an idempotency record expired by then (TTL deletion lags) no
    # longer holds its key, so the key makes a new request, as its retention promises.
    at: int = 0


@dataclass
class Transition:
    """One state change of a stored request (answer, re-routing), as one transaction."""

    request: dict[str, Any]  # the whole new state
    from_status: str  # the state it was seen in: the write is refused if it changed
    from_attempt: int
    events: list[Event]
    mails: list[OutgoingMail]
    expires_at: int
    mail_expires_at: int
    load_changes: list[tuple[str, int, Optional[int]]] = field(default_factory=list)  # (association, +1/-1, capacity)
    event_seq: int = 0  # rank of the first new event in the timeline


class Refusal(str, Enum):
    """Which condition of a transaction refused it."""

    IDEMPOTENCY = "idempotency"  # the idempotency key is taken: answer what it answered
    RATE = "rate"  # the per-IP counter is full
    CAPACITY = "capacity"  # the association is full: route again on fresh counts
    CONFLICT = "conflict"  # another transaction held an item: nothing written, try again
    REFERENCE = "reference"  # the reference exists already: draw another
    STALE = "stale"  # the request moved on since it was read (another answer won)


class Rejected(Exception):
    """The transaction was refused by one of its conditions; nothing was written."""

    def __init__(self, what: Refusal):
        super().__init__(what.value)
        self.what = what

    @property
    def contention(self) -> bool:
        """Refused by someone else's concurrent write: the same change, rebuilt, may pass."""
        return self.what in {Refusal.CAPACITY, Refusal.CONFLICT}


@dataclass(frozen=True)
class StoredIdempotency:
    fingerprint: str
    response: dict[str, Any]


class RequestStore(Protocol):
    """Requests, their timeline, references, idempotency records and per-IP counters."""

    def commit_intake(self, write: IntakeWrite) -> None: ...
    def commit_transition(self, transition: Transition) -> None: ...
    def idempotency(self, key: str, now: int) -> Optional[StoredIdempotency]: ...
    def get_request(self, id_or_reference: str, now: int) -> Optional[dict[str, Any]]: ...
    def list_requests(
        self, now: int, status: Optional[str], association: Optional[str], limit: int, cursor: Optional[str]
    ) -> tuple[list[dict[str, Any]], Optional[str]]: ...
    def routed_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]: ...
    def append_event(self, request_id: str, event: Event, seq: int, expires_at: int) -> bool: ...


class DirectoryStore(Protocol):
    """The directory's entries and each association's load counter."""

    def load_directory(self) -> tuple[list[Association], dict[str, int]]: ...
    def replace_directory(self, associations: Sequence[Association]) -> None: ...
    def load_counts(self) -> dict[str, int]: ...


class MailLogStore(Protocol):
    """What mail intake remembers besides requests: quarantine, per-sender budgets, and
    the association addresses whose mail bounced."""

    def quarantine(self, at: str, record: dict[str, Any], expires_at: int) -> str: ...
    def list_quarantine(self, now: int, limit: int) -> list[dict[str, Any]]: ...
    def take_ack_budget(self, sender_key: str, window: int, limit: int, expires_at: int) -> bool: ...
    def take_sender_budget(self, sender_key: str, day: int, limit: int, expires_at: int) -> bool: ...
    def flag_address(self, association_id: str, address: str, at: str, reason: str) -> None: ...
    def address_flags(self) -> list[dict[str, Any]]: ...


class RawMailStore(Protocol):
    """Inbound mail as received (S3 in AWS, a folder locally), kept for its retention."""

    def put(self, raw: bytes) -> str: ...
    def get(self, key: str) -> bytes: ...


class AnswerLinks(Protocol):
    """Signed answer links (adapters/links.py); an invalid or expired one raises InvalidLink."""

    def answer_url(self, assignment: Assignment) -> str: ...
    def read_answer_token(self, token: str) -> Assignment: ...
    def csrf_for(self, token: str) -> str: ...
    def csrf_ok(self, token: str, value: str) -> bool: ...


class InvalidLink(Exception):
    """An answer link that was tampered with ("invalid") or is too old ("expired")."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


class OutboxStore(Protocol):
    # pending -> sending (the attempt is recorded before the send) -> sent | pending (a
    # sure failure, with a later due time) | failed (given up, or outcome unknown).
    def claim_mail(self, mail_id: str, now: int, lease_seconds: int) -> Optional[ClaimedMail]: ...
    def mark_sent(self, mail_id: str, now: int, provider_message_id: Optional[str] = None) -> None: ...
    def mark_failed(self, mail_id: str, now: int, retry_at: int, error: str) -> None: ...
    def mark_failed_permanently(self, mail_id: str, now: int, error: str) -> None: ...
    def failed_mails(self, now: int, limit: int) -> list[dict[str, Any]]: ...
    def due_mails(self, now: int, limit: int) -> list[str]: ...
    def mail_state(self, mail_id: str) -> Optional[dict[str, Any]]: ...


class MailSender(Protocol):
    def send(self, mail: OutgoingMail, sender: str) -> Optional[str]:
        """Sends; returns the provider's message id, if any. Raises MailNotSent when the
        mail surely did not leave, MailOutcomeUnknown when it may have, UnsendableMail
        when it never can."""
        ...

    def delivered(self, mail: OutgoingMail) -> Optional[bool]:
        """After an unknown outcome: True if it went out, False if it surely did not,
        None if this sender cannot tell (SES)."""
        ...
