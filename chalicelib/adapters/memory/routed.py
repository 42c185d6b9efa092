"""What requests (requests.py) and volunteers' sign-ups (mentors.py) share in memory, as
dynamodb/routed.py does over the table: a routed record, its timeline and reference, the
association's load counter, and the idempotency records and per-IP counters of the
shared state. Each store hands over its own dicts; the conditions are DynamoDB's.
An erasure is a change with its timeline rewritten scrubbed, as DynamoDB's.
"""

from __future__ import annotations

import json
from typing import Any

from ...domain.reference import is_reference
from ...services.ports import Event, Refusal, StoredIdempotency
from ..page_cursor import decode_cursor, encode_cursor
from . import directory, outbox
from .state import MemoryState, StoredRequest, Transaction, count_within, dump, expired


class MemoryRoutedStore:
    """The writes and reads a routed record's store shares. Each port's store gives the
    reads its port's names (get_request = get_record, ...); `idempotency` is the same
    for both."""

    # Whether a record keeps its newest event's type (the console queue's badge).
    tracks_last_event = False

    def __init__(
        self,
        state: MemoryState,
        mail_grace_seconds: int,
        records: dict[str, StoredRequest],
        events: dict[str, dict[str, tuple[str, int]]],
        references: dict[str, tuple[str, int]],
        load: dict[str, int],
    ):
        self.state = state
        self.mail_grace_seconds = mail_grace_seconds
        self.records = records  # id -> the record
        self.events = events  # id -> sort key (<at>#<n>) -> (event, expires)
        self.references = references  # reference -> (id, expires)
        self.load = load  # association id -> records waiting on it

    # -- writing (under the state's lock) ----------------------------------------------

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

    def _take(self, tx: Transaction, association_id: str, capacity: int | None) -> None:
        directory.take_capacity(self.load, tx, association_id, capacity)

    def _intake(self, tx: Transaction, stored: StoredRequest, record: dict[str, Any], w: Any, keep_until: int) -> None:
        """A new record's conditions and writes: the record, its reference and events,
        mails, idempotency record, per-IP counter and load counter. `w` is the port's write
        (IntakeWrite, MentorWrite); `keep_until`: the expiry of reference and timeline."""
        st = self.state
        rid, reference = record["id"], record["reference"]
        tx.require(rid not in self.records, Refusal.STALE)
        tx.require(reference not in self.references, Refusal.REFERENCE)
        if self.tracks_last_event and w.events:
            stored.last_event = w.events[-1].type  # the queue's activity badge
        tx.then(lambda: self.records.__setitem__(rid, stored))
        tx.then(lambda: self.references.__setitem__(reference, (rid, keep_until)))
        self._add_events(tx, rid, w.events, 0, keep_until)
        self._insert_mails(tx, rid, w.mails, record["created_at"], w.mail_expires_at)
        if w.idempotency_key:
            key = w.idempotency_key
            held = st.idempotency.get(key)
            answer = (w.idempotency_fingerprint or "", dump(w.idempotency_response), w.idempotency_expires_at)
            tx.require(held is None or expired(held[2], w.at), Refusal.IDEMPOTENCY)
            tx.then(lambda: st.idempotency.__setitem__(key, answer))
        if w.rate_key:
            count_within(tx, st.rate, w.rate_key, w.rate_limit)
        if w.capacity_of:
            self._take(tx, *w.capacity_of)

    def _transition(
        self, record: dict[str, Any], t: Any, keep_until: int, new_expiry: int | None = None
    ) -> Transaction:
        """A change's conditions and writes, to commit under the state's lock: only from
        the status and attempt it was read in. `t` is the port's change (Transition,
        MentorTransition); `keep_until`: the new events' expiry; `new_expiry`: the
        record's own, when the change moves it."""
        rid = record["id"]
        seen = self.records.get(rid)
        tx = Transaction()
        tx.require(
            seen is not None and seen.status == t.from_status and (seen.attempt or 0) == t.from_attempt, Refusal.STALE
        )

        def write() -> None:
            assert seen is not None
            seen.body = dump({k: v for k, v in record.items() if k not in {"events", "expires_at"}})
            seen.status = record["status"]
            if new_expiry is not None:
                seen.expires_at = new_expiry
            seen.association_id = record.get("association_id") or None
            if seen.association_id:
                seen.attempt, seen.assigned_at = record["attempt"], record["assigned_at"]
            if self.tracks_last_event and t.events:
                seen.last_event = t.events[-1].type

        tx.then(write)
        self._add_events(tx, rid, t.events, t.event_seq, keep_until)
        self._insert_mails(tx, rid, t.mails, record["updated_at"], t.mail_expires_at)
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                self._take(tx, association_id, capacity)
            else:
                tx.then(lambda a=association_id, d=delta: directory.move_load(self.load, a, d))
        return tx

    def _rewrite(self, tx: Transaction, record_id: str, timeline: list[dict[str, Any]], expires_at: int) -> None:
        """Each event of `timeline` (as stored, scrubbed) written again at its own key."""

        def rewrite() -> None:
            stored = self.events.setdefault(record_id, {})
            for e in timeline:
                key = f"{e['at']}#{int(e['seq']):04d}"
                stored[key] = (dump(e), stored.get(key, ("", expires_at))[1])

        tx.then(rewrite)

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

    @staticmethod
    def _record(stored: StoredRequest) -> dict[str, Any]:
        return {**json.loads(stored.body), "expires_at": stored.expires_at}

    def get_record(self, id_or_reference: str, now: int) -> dict[str, Any] | None:
        """The record with its expiry and its timeline; None once expired."""
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
            return {**self._record(stored), "events": events}

    def list_records(
        self,
        now: int,
        status: str | None,
        association: str | None,
        limit: int,
        cursor: str | None,
        created_from: str | None = None,
        created_to: str | None = None,
        with_last_event: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; creation times in [from, to]. Like a DynamoDB Query with a filter,
        `limit` counts the records read, expired ones included, and a full page always
        gives a cursor."""
        low, high = created_from or "", created_to or "\uffff"
        after = decode_cursor(cursor, low, high) if cursor else None
        with self.state.lock:
            listed = [
                r
                for r in self.records.values()
                if (association is None or r.association_id == association)
                and (status is None or r.status == status)
                and low <= r.list_sk <= high
                and (after is None or r.list_sk < after)
            ]
            page = sorted(listed, key=lambda r: r.list_sk, reverse=True)[:limit]
            items = []
            for r in page:
                if expired(r.expires_at, now):
                    continue
                record = json.loads(r.body)
                if with_last_event:
                    record["last_event"] = r.last_event  # the queue's activity badge
                items.append(record)
        next_cursor = encode_cursor(page[-1].list_sk) if len(page) == limit else None
        return items, next_cursor

    def queue_page(
        self,
        now: int,
        status: str | None,
        association: str | None,
        created_from: str | None,
        created_to: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The console queue's page (dynamodb/routed.py): `list_records` with `last_event`."""
        return self.list_records(
            now, status, association, limit, cursor, created_from, created_to, with_last_event=True
        )

    def records_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
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
