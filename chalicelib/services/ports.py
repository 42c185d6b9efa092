"""What the use cases need from the outside world; the adapters implement these.

The service layer is written against these protocols only, so that local mode and AWS
differ in the adapters `bootstrap` wires, never in the use cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ..domain.mentor import MentorSignup
from ..domain.models import Association
from ..domain.request import Event, Request
from ..domain.routed_record import RoutedRecord

if TYPE_CHECKING:  # the mail reader's types: the form-only Lambdas never load the mail parser
    from ..domain.bounces import Bounce
    from ..domain.extraction import Extraction
    from ..domain.inbound_mail import InboundMail
    from ..domain.inbound_mail.sender_verdict import SenderVerdict

__all__ = ["Event"]  # the timeline's event is the domain's; re-exported for the adapters

Record = TypeVar("Record", bound=RoutedRecord)  # one kind of routed record: Request, MentorSignup


class StorageUnavailable(Exception):
    """Storage could not be reached, or kept refusing (throttled), after the client's own
    retries. Whether the last write landed is unknown: the caller says "try again" (503),
    and a retry with the same idempotency key or form submission id cannot store twice."""


class InvalidCursor(ValueError):
    """A page cursor no store gave (a list's `next`, the console's next page), or one
    for another list: a cursor travels in a URL, where anyone may change it."""

    def __init__(self) -> None:
        super().__init__("invalid cursor")


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
    request_id: str | None = None
    kind: str = ""
    attempts: int = 0  # failed sends so far
    reply_to: str | None = None
    in_reply_to: str | None = None  # the inbound mail an acknowledgement answers


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

    request_id: str  # the id of the record the link is about (a request, or a sign-up)
    association_id: str
    attempt: int
    kind: str = "request"  # which record: "request", or "mentor" (a volunteer's sign-up)


@dataclass(kw_only=True)
class SubmissionGuards:
    """What keeps a submission from being stored twice or too often, written in its own
    transaction: the idempotency record (its key, what the key must come with again, the
    answer to replay) and the per-IP counter of the window (services.intake.hold_guards)."""

    idempotency_key: str | None = None
    idempotency_fingerprint: str | None = None
    idempotency_response: dict[str, Any] | None = None
    idempotency_expires_at: int = 0
    rate_key: str | None = None
    rate_limit: int = 0
    rate_expires_at: int = 0


@dataclass
class NewRecord(SubmissionGuards, Generic[Record]):
    """Everything one new routed record (a request, a sign-up) writes, committed in a
    single transaction: the record with its reference, timeline, mails, guards and the
    place it takes of its association's capacity."""

    record: Record  # as routed, with its expiry; its first timeline is `events`
    events: list[Event]
    mails: list[OutgoingMail]
    keep_until: int  # its reference and timeline (services/transitions.py timeline_expiry)
    mail_expires_at: int
    capacity_of: tuple[str, int | None] | None = None  # (association id, capacity)
    # When it is written: an idempotency record expired by then (TTL deletion lags) no
    # longer holds its key, so the key makes a new record, as its retention promises.
    at: int = 0


@dataclass
class RecordChange(Generic[Record]):
    """One state change of a stored routed record (answer, re-routing, the console, an
    erasure), as one transaction: refused unless the stored status and attempt are still
    `before`'s (another change won meanwhile)."""

    before: Record  # as it was read
    after: Record  # the whole new state (its expiry may move: an accepted sign-up's)
    events: list[Event]
    mails: list[OutgoingMail]
    keep_until: int  # the new events' expiry (services/transitions.py timeline_expiry)
    mail_expires_at: int
    load_changes: list[tuple[str, int, int | None]] = field(default_factory=list)  # (association, +1/-1, capacity)

    @property
    def event_seq(self) -> int:
        """The rank of the first new event in the timeline."""
        return len(self.before.events)

    @property
    def assigned_before(self) -> int | None:
        """When the association now answering was given the record (epoch): its time to
        answer for the statistics, since a decline may route it again in the same change."""
        return self.before.assigned_at


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


class RoutedStore(Protocol[Record]):
    """One kind of routed record (RoutedRecord.KIND): the records, their timeline and
    references, their status counters and statistics, and each association's load counter
    of the kind. Idempotency records and per-IP counters are the same items for every kind.
    A store takes and gives the kind's records (Request, MentorSignup).

    `get`: with its timeline; `page`: newest first, a status, an association (its status
    filtered) or all, without timelines; `waiting_since`: routed before `before_epoch`
    (the sweeper's); `append_event`: False if there is no such record, it was erased or
    the rank is taken; `count_by_status`: every status, counted on the records' index
    (the admin API's); `load_counts`: the associations' load counters of the kind;
    `daily_counts`, `association_counts`: the console's statistics (StatsStore's)."""

    def commit_new(self, write: NewRecord[Record]) -> None: ...
    def commit_change(self, change: RecordChange[Record]) -> None: ...
    def idempotency(self, key: str, now: int) -> StoredIdempotency | None: ...
    def get(self, id_or_reference: str, now: int) -> Record | None: ...
    def page(
        self, now: int, status: str | None, association: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Record], str | None]: ...
    def waiting_since(self, before_epoch: int, now: int) -> list[Record]: ...
    def append_event(self, record_id: str, event: Event, seq: int, expires_at: int) -> bool: ...
    def count_by_status(self, now: int) -> dict[str, int]: ...
    def load_counts(self) -> dict[str, int]: ...
    def daily_counts(self, first_day: str, last_day: str) -> list[tuple[str, dict[str, int]]]: ...
    def association_counts(self, first_day: str, last_day: str) -> list[tuple[str, str, dict[str, int]]]: ...
    # The console's queue (status counters moved by every transaction; `queue_page`: the
    # records a QueueQuery names) and an erasure (services/erasure.py).
    def status_counts(self, now: int) -> dict[str, int]: ...
    def queue_page(
        self, now: int, query: QueueQuery, limit: int, cursor: str | None
    ) -> tuple[list[QueuedRecord[Record]], str | None]: ...
    def erase(self, change: RecordChange[Record], timeline: list[dict[str, Any]]) -> None: ...
    def scrub_timeline(self, record_id: str, timeline: list[dict[str, Any]], expires_at: int) -> None: ...
    def record_mail_ids(self, record_id: str, now: int) -> list[str]: ...


RequestStore = RoutedStore[Request]
MentorStore = RoutedStore[MentorSignup]


class RawMailStore(Protocol):
    """Inbound mail as received (S3 in AWS, a folder locally), kept for its retention,
    or deleted before: with the record it made or answered (an erasure), once handled
    (automatic mail), or by an operator (the quarantine)."""

    def put(self, raw: bytes) -> str: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


@dataclass(frozen=True)
class MailReading:
    """What one raw inbound mail says, read with no I/O (services.mail_intake.read_mail):
    the parsed mail, what it says of the youth (None for automatic mail), for a
    bounce of one of our mails, that bounce, and what the trusted relay's
    `Authentication-Results` header says of the sender (None: no such header)."""

    mail: InboundMail
    extraction: Extraction | None
    bounce: Bounce | None = None
    verdict: SenderVerdict | None = None


class MailOverBudget(Exception):
    """Reading one mail went past its budget (CPU time, memory or wall clock) and was
    stopped. `.reason`, a short English text for the operator, holds nothing of the mail."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class MailReader(Protocol):
    """Reads a raw mail within a budget (chalicelib/adapters/mail_reading.py): in a child
    process that can be stopped, or in this one (tests). Raises UnparseableMail for mail
    that cannot be used and MailOverBudget for mail whose reading was stopped; nothing the
    libraries print reaches this process's output."""

    def read(self, raw: bytes, envelope_sender: str | None) -> MailReading: ...


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
    def claim_mail(self, mail_id: str, now: int, lease_seconds: int) -> ClaimedMail | None: ...
    def mark_sent(self, mail_id: str, now: int, provider_message_id: str | None = None) -> None: ...
    def mark_failed(self, mail_id: str, now: int, retry_at: int, error: str) -> None: ...
    def mark_failed_permanently(self, mail_id: str, now: int, error: str) -> None: ...
    def failed_mails(self, now: int, limit: int) -> list[dict[str, Any]]: ...
    def due_mails(self, now: int, limit: int) -> list[str]: ...
    def mail_state(self, mail_id: str) -> dict[str, Any] | None: ...
    # Its record was erased (GDPR art. 17): the stored body scrubbed (domain.erasure.scrubbed_mail_body),
    # off the sweeper's and operators' lists, `cancelled` if not sent; the state it was in.
    def erase_mail(self, mail_id: str, now: int) -> str | None: ...


class MailSender(Protocol):
    def send(self, mail: OutgoingMail, sender: str) -> str | None:
        """Sends; returns the provider's message id, if any. Raises MailNotSent when the
        mail surely did not leave, MailOutcomeUnknown when it may have, UnsendableMail
        when it never can."""
        ...

    def delivered(self, mail: OutgoingMail) -> bool | None:
        """After an unknown outcome: True if it went out, False if it surely did not,
        None if this sender cannot tell (SES)."""
        ...

    def forget(self, mail_id: str) -> None:
        """Its record was erased: any copy of the sent mail this sender keeps goes (the
        local `.eml` outbox's file; SES keeps none)."""
        ...


# -- the directory's versions and bounce flags (console: directory) -----------------------


@dataclass(frozen=True)
class DirectoryVersion:
    """One saved directory: every replacement (console, `PUT /api/v1/admin/associations`,
    a restore) is one, numbered from 1, with who saved it and what changed."""

    number: int
    at: str  # ISO time, UTC
    author: str  # the operator's address, "api" for the admin token, "system" for the seed
    summary: str  # French, one line
    changes: tuple[dict[str, Any], ...]  # domain.directory_changes.diff against the directory it replaced
    changes_total: int  # `changes` keeps at most MAX_STORED_CHANGES of them
    count: int  # associations in it
    restored_from: int | None = None
    entries: tuple[dict[str, Any], ...] | None = None  # the whole directory; None in lists
    # The author's role when saved (domain.operators.Role's value; the admin token's and
    # the seed's: "admin"); None for versions saved before roles were recorded.
    role: str | None = None


class DirectoryHistoryStore(Protocol):
    """The directory together with its versions: a saved directory and its version are
    written together, and the version's number is taken only once (refused: Rejected).
    `mails` (the notices of changed addresses) go to the outbox with the version: none
    of them when the number is refused."""

    def save_directory(
        self,
        associations: Sequence[Association],
        version: DirectoryVersion,
        mails: Sequence[OutgoingMail] = (),
        mail_expires_at: int = 0,
    ) -> None: ...
    def versions(self, limit: int, before: int | None = None) -> list[DirectoryVersion]: ...
    def version(self, number: int) -> DirectoryVersion | None: ...


class FlagClearing(Protocol):
    """An operator clears a bounce flag once the address is corrected (MailLogStore)."""

    def clear_flag(self, association_id: str, address: str) -> bool: ...


# -- the console's statistics, exports and quarantine (docs/console.md) --------------------


class DailyCounts(Protocol):
    """The daily aggregates the transactions of one kind of record keep (domain/statistics.py):
    reads are one range of days, never a Scan of records (StatsStore's, a RoutedStore's)."""

    def daily_counts(self, first_day: str, last_day: str) -> list[tuple[str, dict[str, int]]]: ...
    def association_counts(self, first_day: str, last_day: str) -> list[tuple[str, str, dict[str, int]]]: ...


class StatsStore(DailyCounts, Protocol):
    """The requests' daily aggregates (DailyCounts), and the log of CSV exports."""

    def record_export(self, at: str, record: dict[str, Any], expires_at: int) -> str: ...
    def list_exports(self, now: int, limit: int) -> list[dict[str, Any]]: ...
    def store_digest(self, day: str, mails: list[OutgoingMail], created_at: str, expires_at: int) -> bool:
        """The operators' digest of `day` with its mark, once: False if stored already."""
        ...


# -- the console's queue and request page (docs/console.md) -------------------------------


@dataclass(frozen=True)
class QueueQuery:
    """Which records a page of the console's queue lists: a status, an association (None:
    any), created in [created_from, created_to] (ISO text; None: no bound)."""

    status: str | None = None
    association: str | None = None
    created_from: str | None = None
    created_to: str | None = None


@dataclass(frozen=True)
class QueuedRecord(Generic[Record]):
    """A record of the console's queue with the type of its newest timeline event (the
    activity badge), read with it from the record's item."""

    record: Record
    last_event: str | None


class QuarantineStore(Protocol):
    """What the console reads and removes of the quarantine, and the replies the daily
    digest lists (MailLogStore's stores implement it)."""

    def quarantined(self, key: str, now: int) -> dict[str, Any] | None: ...
    def delete_quarantined(self, key: str) -> bool: ...
    # The quarantined mails whose headers or text name `reference` (their `references`),
    # expired ones too (TTL deletion lags): what an erasure of that record deletes.
    def quarantine_naming(self, reference: str) -> list[dict[str, Any]]: ...
    def note_reply(self, at: str, request_id: str, reference: str, expires_at: int) -> None: ...
    def replies_since(self, since: str, now: int) -> list[dict[str, Any]]: ...


class DirectoryStore(DirectoryHistoryStore, Protocol):
    """The directory's entries and each association's load counter, with its versions."""

    def load_directory(self) -> tuple[list[Association], dict[str, int]]: ...
    def replace_directory(self, associations: Sequence[Association]) -> None: ...
    def load_counts(self) -> dict[str, int]: ...


class MailLogStore(FlagClearing, QuarantineStore, Protocol):
    """What mail intake remembers besides requests: quarantine, per-sender budgets, and
    the association addresses whose mail bounced (flags an operator clears), the quarantine
    the console reads and the replies the digest lists."""

    def quarantine(self, at: str, record: dict[str, Any], expires_at: int) -> str: ...
    def list_quarantine(self, now: int, limit: int) -> list[dict[str, Any]]: ...
    def take_ack_budget(self, sender_key: str, window: int, limit: int, expires_at: int) -> bool: ...
    def take_sender_budget(self, sender_key: str, day: int, limit: int, expires_at: int) -> bool: ...
    def flag_address(self, association_id: str, address: str, at: str, reason: str) -> None: ...
    def address_flags(self) -> list[dict[str, Any]]: ...


class RecountStore(Protocol):
    """The offline recount of the tab counts and daily aggregates (scripts/recount.py):
    every stored request read whole (a Scan: never in a page), and the counters replaced,
    not added to, so that running it again changes nothing."""

    def stored_requests(self, now: int) -> list[dict[str, Any]]: ...  # unexpired, each with its events
    # (status, creation day) -> (requests, their latest expiry): every status counter.
    def replace_status_counts(self, counts: dict[tuple[str, str], tuple[int, int]]) -> None: ...
    # The aggregates of the days in [first_day, last_day]; the other days are left as they are.
    def replace_aggregates(
        self, first_day: str, last_day: str, counts: dict[tuple[str, str | None], dict[str, int]]
    ) -> None: ...
