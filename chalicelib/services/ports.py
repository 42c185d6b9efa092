"""What the use cases need from the outside world; the adapters implement these.

The service layer is written against these protocols only, so that local mode and AWS
differ in the adapters `bootstrap` wires, never in the use cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Protocol, Sequence

from ..domain.models import Association


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


@dataclass(frozen=True)
class Event:
    """One step of a request's timeline."""

    at: str
    type: str
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)


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


class Rejected(Exception):
    """The transaction was refused by one of its conditions."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what  # "idempotency", "rate", "capacity", "reference"


@dataclass(frozen=True)
class StoredIdempotency:
    fingerprint: str
    response: dict[str, Any]


class RequestStore(Protocol):
    def commit_intake(self, write: IntakeWrite) -> None: ...
    def idempotency(self, key: str, now: int) -> Optional[StoredIdempotency]: ...
    def get_request(self, id_or_reference: str, now: int) -> Optional[dict[str, Any]]: ...
    def list_requests(
        self, now: int, status: Optional[str], association: Optional[str], limit: int, cursor: Optional[str]
    ) -> tuple[list[dict[str, Any]], Optional[str]]: ...


class DirectoryStore(Protocol):
    def load_directory(self) -> tuple[list[Association], dict[str, int]]: ...
    def replace_directory(self, associations: Sequence[Association]) -> None: ...
    def load_counts(self) -> dict[str, int]: ...


class OutboxStore(Protocol):
    # pending -> sending (the attempt is recorded before the send) -> sent | pending (a
    # sure failure, with a later due time) | failed (given up, or outcome unknown).
    def claim_mail(self, mail_id: str, now: int, lease_seconds: int) -> Optional[ClaimedMail]: ...
    def mark_sent(self, mail_id: str, now: int, provider_message_id: Optional[str] = None) -> None: ...
    def mark_failed(self, mail_id: str, now: int, retry_at: int, error: str) -> None: ...
    def mark_failed_permanently(self, mail_id: str, now: int, error: str) -> None: ...
    def failed_mails(self, now: int, limit: int) -> list[dict[str, Any]]: ...
    def due_mails(self, now: int, limit: int) -> list[str]: ...


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
