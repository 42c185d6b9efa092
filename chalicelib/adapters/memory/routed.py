"""RoutedStore in memory: one store for every kind of routed record, given its record
class and so its kind (domain/record_kind.py), as dynamodb/routed.py over the table: a
record, its timeline and reference, the association's load counter, the status counters
and statistics of the kind (state.RoutedState), and the idempotency records and per-IP
counters of the shared state. The same conditions as the DynamoDB transactions, checked
under one lock before any write (state.Transaction): a taken reference or idempotency
key, a full per-IP counter or association, a record that moved since it was read, an
event rank already taken. An erasure is a change with its timeline rewritten scrubbed.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any, Generic

from ...domain.reference import is_reference
from ...domain.statistics import change_counts
from ...domain.vocabulary import Status
from ...services.ports import (
    Event,
    NewRecord,
    QueuedRecord,
    QueueQuery,
    Record,
    RecordChange,
    Refusal,
    Rejected,
    StoredIdempotency,
)
from ..counters import counter_expiry
from ..page_cursor import decode_cursor, encode_cursor
from ..routed_record import counter_day, stored_body
from . import directory, outbox, stats
from .state import MemoryState, StoredRequest, Transaction, count_within, dump, expired


class MemoryRoutedStore(Generic[Record]):
    """RoutedStore of one kind: `record_type` (Request, MentorSignup) says which."""

    def __init__(self, state: MemoryState, record_type: type[Record], mail_grace_seconds: int = 120):
        self.state = state
        self.record_type = record_type
        self.kind = record_type.KIND
        self.mail_grace_seconds = mail_grace_seconds
        held = state.of_kind(self.kind.name)
        self.records = held.records  # id -> the record
        self.events = held.events  # id -> sort key (<at>#<n>) -> (event, expires)
        self.references = held.references  # reference -> (id, expires)
        self.load = held.load  # association id -> records waiting on it
        self.counters = held.status_counts  # <status>#<day> -> (records, expires)
        self.aggregates = held.stats  # the console's statistics of the kind
        view = stats.MemoryStatsStore(state, mail_grace_seconds, aggregates=self.aggregates)
        self.daily_counts, self.association_counts = view.daily_counts, view.association_counts

    # -- writing (under the state's lock) ----------------------------------------------

    def commit_new(self, w: NewRecord[Record]) -> None:
        """A new record's conditions and writes: the record, its reference and events,
        mails, idempotency record, per-IP counter, load counter, status counter and statistics."""
        st, new = self.state, w.record
        record = stored_body(new)
        rid, reference = new.id, new.reference
        stored = StoredRequest(dump(record), new.status.value, new.expires_at, f"{new.created_at}#{rid}")
        stored.attempt = new.attempt
        if new.association_id:
            stored.association_id, stored.assigned_at = new.association_id, new.assigned_at
        if w.events:
            stored.last_event = w.events[-1].type  # the queue's activity badge
        with st.lock:
            tx = Transaction()
            tx.require(rid not in self.records, Refusal.STALE)
            tx.require(reference not in self.references, Refusal.REFERENCE)
            tx.then(lambda: self.records.__setitem__(rid, stored))
            tx.then(lambda: self.references.__setitem__(reference, (rid, w.keep_until)))
            self._add_events(tx, rid, w.events, 0, w.keep_until)
            self._insert_mails(tx, rid, w.mails, new.created_at, w.mail_expires_at)
            if w.idempotency_key:
                key = w.idempotency_key
                held = st.idempotency.get(key)
                answer = (w.idempotency_fingerprint or "", dump(w.idempotency_response), w.idempotency_expires_at)
                tx.require(held is None or expired(held[2], w.at), Refusal.IDEMPOTENCY)
                tx.then(lambda: st.idempotency.__setitem__(key, answer))
            if w.rate_key:
                count_within(tx, st.rate, w.rate_key, w.rate_limit)
            if w.capacity_of:
                directory.take_capacity(self.load, tx, *w.capacity_of)
            self._count(tx, new, 1)
            stats.add_counts(st, tx, change_counts(w.events, record), self.aggregates)
            tx.commit()

    def commit_change(self, change: RecordChange[Record]) -> None:
        with self.state.lock:
            self._change(change).commit()

    def erase(self, change: RecordChange[Record], timeline: list[dict[str, Any]]) -> None:
        """The change, and each stored event rewritten in place with its scrubbed content."""
        with self.state.lock:
            tx = self._change(change)
            self._rewrite(tx, change.after.id, timeline, change.keep_until)
            tx.commit()

    def _change(self, t: RecordChange[Record]) -> Transaction:
        """A change's conditions and writes, to commit under the state's lock: only from
        the status and attempt it was read in."""
        before, after = t.before, t.after
        record = stored_body(after)
        rid = after.id
        seen = self.records.get(rid)
        tx = Transaction()
        tx.require(
            seen is not None and seen.status == before.status.value and (seen.attempt or 0) == before.attempt,
            Refusal.STALE,
        )

        def write() -> None:
            assert seen is not None
            seen.body = dump(record)
            seen.status = after.status.value
            seen.expires_at = after.expires_at
            seen.association_id = after.association_id or None
            if seen.association_id:
                seen.attempt, seen.assigned_at = after.attempt, after.assigned_at
            if t.events:  # the queue's activity badge
                seen.last_event = t.events[-1].type

        tx.then(write)
        self._add_events(tx, rid, t.events, t.event_seq, t.keep_until)
        self._insert_mails(tx, rid, t.mails, after.updated_at, t.mail_expires_at)
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                directory.take_capacity(self.load, tx, association_id, capacity)
            else:
                tx.then(partial(directory.move_load, self.load, association_id, delta))
        if (before.status, counter_day(self.kind, before)) != (after.status, counter_day(self.kind, after)):
            self._count(tx, before, -1)
            self._count(tx, after, 1)
        stats.add_counts(self.state, tx, change_counts(t.events, record, t.assigned_before), self.aggregates)
        return tx

    def _count(self, tx: Transaction, record: Record, delta: int) -> None:
        """The status counter of (status, day), as DynamoDB's (dynamodb/routed.py counter_day)."""
        key, until = f"{record.status.value}#{counter_day(self.kind, record)}", counter_expiry(record.expires_at)

        def move() -> None:
            n, _ = self.counters.get(key, (0, until))
            self.counters[key] = (n + delta, until)

        tx.then(move)

    def _add_events(self, tx: Transaction, record_id: str, events: list[Event], first: int, expires_at: int) -> None:
        timeline = self.events.get(record_id, {})
        # As DynamoDB's sort key: events of one instant still read in their rank's order,
        # and a rank is taken only at the same instant.
        new = {
            f"{e.at}#{first + i:04d}": dump(
                {"at": e.at, "seq": first + i, "type": e.type, "actor": e.actor, "detail": e.detail}
            )
            for i, e in enumerate(events)
        }
        tx.require(not any(key in timeline for key in new), Refusal.STALE)
        tx.then(lambda: self.events.setdefault(record_id, {}).update({k: (v, expires_at) for k, v in new.items()}))

    def _insert_mails(self, tx: Transaction, record_id: str, mails: list[Any], created: str, expires_at: int) -> None:
        """The outbox's mails, each noted with the record (dynamodb/routed.py's pointers)."""
        for m in mails:
            outbox.insert_mail(self.state, tx, m, created, expires_at, self.mail_grace_seconds)
        if mails:
            tx.then(lambda: self.state.record_mails.setdefault(record_id, []).extend(m.id for m in mails))

    def _rewrite(self, tx: Transaction, record_id: str, timeline: list[dict[str, Any]], expires_at: int) -> None:
        """Each event of `timeline` (as stored, scrubbed) written again at its own key."""

        def rewrite() -> None:
            stored = self.events.setdefault(record_id, {})
            for e in timeline:
                key = f"{e['at']}#{int(e['seq']):04d}"
                stored[key] = (dump(e), stored.get(key, ("", expires_at))[1])

        tx.then(rewrite)

    def append_event(self, record_id: str, event: Event, seq: int, expires_at: int) -> bool:
        with self.state.lock:
            tx = Transaction()
            stored = self.records.get(record_id)
            # As DynamoDB's condition: an erased record's stub takes no new event.
            tx.require(stored is not None and not json.loads(stored.body).get("erased_at"), Refusal.STALE)
            self._add_events(tx, record_id, [event], seq, expires_at)
            if stored is not None:
                tx.then(lambda: setattr(stored, "last_event", event.type))
            try:
                tx.commit()
            except Rejected:  # no such record, or the rank is taken
                return False
        return True

    def scrub_timeline(self, record_id: str, timeline: list[dict[str, Any]], expires_at: int) -> None:
        """As DynamoDB's: events of an erased record written again, scrubbed."""
        with self.state.lock:
            tx = Transaction()
            self._rewrite(tx, record_id, timeline, expires_at)
            tx.commit()

    def record_mail_ids(self, record_id: str, now: int) -> list[str]:
        with self.state.lock:
            return list(self.state.record_mails.get(record_id, []))

    # -- reading -------------------------------------------------------------------

    def idempotency(self, key: str, now: int) -> StoredIdempotency | None:
        with self.state.lock:
            found = self.state.idempotency.get(key)
        if found is None or expired(found[2], now):
            return None
        return StoredIdempotency(found[0], json.loads(found[1]))

    def _record(self, stored: StoredRequest, events: list[dict[str, Any]] | None = None) -> Record:
        record = {**json.loads(stored.body), "expires_at": stored.expires_at}
        if events is not None:
            record["events"] = events
        return self.record_type.from_record(record)

    def get(self, id_or_reference: str, now: int) -> Record | None:
        """The record with its timeline; None once expired."""
        with self.state.lock:
            rid: str | None = id_or_reference
            if is_reference(id_or_reference):
                ref = self.references.get(id_or_reference)
                rid = ref[0] if ref and not expired(ref[1], now) else None
            stored = self.records.get(rid) if rid else None
            if stored is None or expired(stored.expires_at, now):
                return None
            timeline = self.events.get(rid or "", {})
            events = [json.loads(e) for _, (e, exp) in sorted(timeline.items()) if not expired(exp, now)]
            return self._record(stored, events)

    def page(
        self, now: int, status: str | None, association: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Record], str | None]:
        """Newest first. Like a DynamoDB Query with a filter, `limit` counts the records
        read, expired ones included, and a full page always gives a cursor."""
        rows, next_cursor = self.queue_page(now, QueueQuery(status, association), limit, cursor)
        return [r.record for r in rows], next_cursor

    def queue_page(
        self, now: int, query: QueueQuery, limit: int, cursor: str | None
    ) -> tuple[list[QueuedRecord[Record]], str | None]:
        """`page` of the records `query` names, each with `last_event` (the queue's
        activity badge)."""
        low, high = query.created_from or "", query.created_to or "\uffff"
        after = decode_cursor(cursor, low, high) if cursor else None
        with self.state.lock:
            listed = [
                r
                for r in self.records.values()
                if (query.association is None or r.association_id == query.association)
                and (query.status is None or r.status == query.status)
                and low <= r.list_sk <= high
                and (after is None or r.list_sk < after)
            ]
            page = sorted(listed, key=lambda r: r.list_sk, reverse=True)[:limit]
            rows = [QueuedRecord(self._record(r), r.last_event) for r in page if not expired(r.expires_at, now)]
        next_cursor = encode_cursor(page[-1].list_sk) if len(page) == limit else None
        return rows, next_cursor

    def waiting_since(self, before_epoch: int, now: int) -> list[Record]:
        """Records waiting on an association since before `before_epoch` (the sweeper)."""
        with self.state.lock:
            waiting = sorted(
                (
                    r
                    for r in self.records.values()
                    if r.status == "routed"
                    and r.assigned_at is not None
                    and r.assigned_at <= before_epoch
                    and not expired(r.expires_at, now)
                ),
                key=lambda r: r.list_sk,
            )
            return [self._record(r) for r in waiting]

    def status_counts(self, now: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.state.lock:
            for key, (n, until) in self.counters.items():
                if not expired(until, now):
                    status = key.split("#")[0]
                    counts[status] = counts.get(status, 0) + n
        return counts

    def count_by_status(self, now: int) -> dict[str, int]:
        with self.state.lock:
            counts = {s.value: 0 for s in Status}
            for r in self.records.values():
                if not expired(r.expires_at, now):
                    counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def load_counts(self) -> dict[str, int]:
        with self.state.lock:
            return dict(sorted(self.load.items()))
