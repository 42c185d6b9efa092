"""What the in-memory stores share: their records (one "table") and one lock.

Records are kept as JSON text where DynamoDB keeps JSON text, so that a caller never
holds a live reference into the store and reads the same types DynamoDB gives back.
Expired records are kept, as DynamoDB keeps them until its TTL deletion: conditions still
see them, reads skip them.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...services.ports import Refusal, Rejected


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def expired(expires_at: int | None, now: int) -> bool:
    return expires_at is not None and expires_at <= now


def add_to_log(
    state: MemoryState, log: dict[str, tuple[str, int]], at: str, record: dict[str, Any], expires_at: int
) -> str:
    """Put `record` (given an id and `at`) in a time-ordered log (<at>#<id> -> (record,
    expires): the quarantine, the exports), as DynamoTable.add_to_log; its id."""
    entry_id = uuid.uuid4().hex
    with state.lock:
        log[f"{at}#{entry_id}"] = (dump({"id": entry_id, "at": at, **record}), expires_at)
    return entry_id


def newest_in_log(state: MemoryState, log: dict[str, tuple[str, int]], now: int, limit: int) -> list[dict[str, Any]]:
    """Newest first; like a DynamoDB Query, `limit` counts before expired ones are skipped."""
    with state.lock:
        newest = [log[k] for k in sorted(log, reverse=True)[:limit]]
    return [json.loads(record) for record, expires_at in newest if not expired(expires_at, now)]


@dataclass
class StoredRequest:
    body: str  # the request's record, without its events
    status: str
    expires_at: int
    list_sk: str  # <created_at>#<id>: lists sort on it, as DynamoDB's indexes do
    association_id: str | None = None
    # Set when routed and kept when the request leaves its association, as DynamoDB's
    # top-level attributes are: a transition's condition compares them.
    attempt: int | None = None
    assigned_at: int | None = None
    last_event: str | None = None  # the newest timeline event's type (the queue's badge)


@dataclass
class StoredMail:
    body: str
    state: str  # pending, sending, sent, failed
    expires_at: int
    attempts: int = 0
    queue: str | None = None  # "due" (the sweeper's), "failed" (the operators'), None once sent
    queued_at: int = 0  # when it is due (queue "due"), or when it was given up ("failed")
    lease_until: int | None = None
    attempt_at: int | None = None
    provider_message_id: str | None = None
    last_error: str | None = None
    failed_at: int | None = None
    erased_at: int | None = None  # its request was erased: body scrubbed (outbox.erase_mail)


@dataclass
class RoutedState:
    """One kind's routed records (memory/routed.py), as the table keeps them under the
    kind's keys (domain/record_kind.py)."""

    records: dict[str, StoredRequest] = field(default_factory=dict)  # id -> the record
    events: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)  # id -> <at>#<n> -> (event, expires)
    references: dict[str, tuple[str, int]] = field(default_factory=dict)  # reference -> (id, expires)
    load: dict[str, int] = field(default_factory=dict)  # association id -> records waiting on it
    # <status>#<day> -> (records, expires): the console's tab counts, moved with the
    # transactions as DynamoDB's counter items are.
    status_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The console's statistics (memory/stats.py): (Paris day, association or None) -> counters.
    stats: dict[tuple[str, str | None], dict[str, int]] = field(default_factory=dict)


@dataclass
class MemoryState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    requests: dict[str, StoredRequest] = field(default_factory=dict)
    events: dict[str, dict[str, tuple[str, int]]] = field(default_factory=dict)  # id -> sort key -> (event, expires)
    references: dict[str, tuple[str, int]] = field(default_factory=dict)  # reference -> (id, expires)
    idempotency: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # key -> (fingerprint, answer, expires)
    rate: dict[str, int] = field(default_factory=dict)
    mails: dict[str, StoredMail] = field(default_factory=dict)
    inserted_mails: list[str] = field(default_factory=list)  # what a table's stream would carry
    associations: dict[str, str] = field(default_factory=dict)
    load: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, tuple[str, int]] = field(default_factory=dict)  # <at>#<id> -> (record, expires)
    budgets: dict[tuple[str, str], int] = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)  # <association>#<address> -> record
    # <status>#<creation day> -> (requests, expires): the console's tab counts, moved with
    # the transactions as DynamoDB's COUNTS items are.
    status_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    directory_versions: dict[int, str] = field(default_factory=dict)  # number -> the version, JSON
    # The console's statistics (memory/stats.py): (Paris day, association or None) -> counters,
    # and the export log: <at>#<id> -> (record, expires).
    stats: dict[tuple[str, str | None], dict[str, int]] = field(default_factory=dict)
    exports: dict[str, tuple[str, int]] = field(default_factory=dict)
    replies: dict[str, tuple[str, int]] = field(default_factory=dict)  # <at>#<request> -> (note, expires)
    digests: set[str] = field(default_factory=set)  # days whose operators' digest was stored
    # record id (a request's, a sign-up's) -> its mails' ids (an erasure's)
    record_mails: dict[str, list[str]] = field(default_factory=dict)
    # Each kind's records by its name (RecordKind.name); the requests' are the fields above,
    # which the directory (its load), the recount and the statistics read.
    kinds: dict[str, RoutedState] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.kinds.setdefault(
            "request",
            RoutedState(self.requests, self.events, self.references, self.load, self.status_counts, self.stats),
        )

    def of_kind(self, name: str) -> RoutedState:
        """The records of the kind named `name`."""
        with self.lock:
            return self.kinds.setdefault(name, RoutedState())


class Transaction:
    """All or nothing, as TransactWriteItems: every condition is checked (in the order
    of the items, the first refused one names the refusal) before any write is made.
    Used under the state's lock."""

    def __init__(self) -> None:
        self._refused: Refusal | None = None
        self._writes: list[Callable[[], None]] = []

    def require(self, condition: bool, refusal: Refusal) -> None:
        if not condition and self._refused is None:
            self._refused = refusal

    def then(self, write: Callable[[], None]) -> None:
        self._writes.append(write)

    def commit(self) -> None:
        if self._refused is not None:
            raise Rejected(self._refused)
        for write in self._writes:
            write()


def count_within(tx: Transaction, counters: dict[Any, int], key: Any, limit: int) -> None:
    """A counter's +1 in `tx`, refused (Refusal.RATE) when it holds `limit` already: the
    per-IP counters and the sign-in budgets, as DynamoTable.counter. Their keys name
    their window, so an old window's count is never read again."""
    counted = counters.get(key)
    tx.require(counted is None or counted < limit, Refusal.RATE)
    tx.then(lambda: counters.__setitem__(key, (counted or 0) + 1))
