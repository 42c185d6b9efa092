"""RequestStore in memory: requests, timeline, references, idempotency, per-IP counters.

The same conditions as the DynamoDB transactions, checked under one lock before any
write (state.Transaction): a taken reference or idempotency key, a full per-IP counter
or association, a request that moved since it was read, an event rank already taken.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Optional

from ...domain.reference import is_reference
from ...services.ports import Event, IntakeWrite, Refusal, Rejected, StoredIdempotency, Transition
from ...domain.statistics import change_counts
from . import directory, outbox, stats
from .state import MemoryState, StoredRequest, Transaction, dump, expired


def count_move(state: MemoryState, tx: Transaction, status: str, created_at: str, delta: int, expires_at: int) -> None:
    """The status counter of the request's creation day (as dynamodb.requests.count_move)."""
    key, until = f"{status}#{created_at[:10]}", (int(expires_at) // 86400 + 1) * 86400

    def move() -> None:
        n, _ = state.status_counts.get(key, (0, until))
        state.status_counts[key] = (n + delta, until)

    tx.then(move)


def _event_key(e: Event, n: int) -> str:
    # As DynamoDB's sort key: events of one instant still read in their rank's order,
    # and a rank is taken only at the same instant.
    return f"{e.at}#{n:04d}"


class MemoryRequestStore:
    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        self.state = state
        self.mail_grace_seconds = mail_grace_seconds

    def _add_events(self, tx: Transaction, request_id: str, events: list[Event], first: int, expires_at: int) -> None:
        timeline = self.state.events.get(request_id, {})
        new = {
            _event_key(e, first + i): dump({"at": e.at, "seq": first + i, "type": e.type, "actor": e.actor, "detail": e.detail})
            for i, e in enumerate(events)
        }
        tx.require(not any(key in timeline for key in new), Refusal.STALE)
        tx.then(lambda: self.state.events.setdefault(request_id, {}).update({k: (v, expires_at) for k, v in new.items()}))

    def commit_intake(self, w: IntakeWrite) -> None:
        req = w.request
        rid, reference = req["id"], req["reference"]
        stored = StoredRequest(dump(req), req["status"], w.expires_at, f"{req['created_at']}#{rid}")
        stored.last_event = w.events[-1].type if w.events else None
        if req.get("association_id"):
            stored.association_id, stored.attempt, stored.assigned_at = req["association_id"], req["attempt"], req["assigned_at"]
        s = self.state
        with s.lock:
            tx = Transaction()
            tx.require(rid not in s.requests, Refusal.STALE)
            tx.require(reference not in s.references, Refusal.REFERENCE)
            tx.then(lambda: s.requests.__setitem__(rid, stored))
            tx.then(lambda: s.references.__setitem__(reference, (rid, w.expires_at)))
            self._add_events(tx, rid, w.events, 0, w.expires_at)
            for m in w.mails:
                outbox.insert_mail(s, tx, m, req["created_at"], w.mail_expires_at, self.mail_grace_seconds)
            if w.idempotency_key:
                key, record = w.idempotency_key, (w.idempotency_fingerprint or "", dump(w.idempotency_response), w.idempotency_expires_at)
                held = s.idempotency.get(key)
                tx.require(held is None or expired(held[2], w.at), Refusal.IDEMPOTENCY)
                tx.then(lambda: s.idempotency.__setitem__(key, record))
            if w.rate_key:
                rate_key, counted = w.rate_key, s.rate.get(w.rate_key)
                tx.require(counted is None or counted < w.rate_limit, Refusal.RATE)
                tx.then(lambda: s.rate.__setitem__(rate_key, (counted or 0) + 1))
            if w.capacity_of:
                directory.take_capacity(s, tx, *w.capacity_of)
            count_move(s, tx, req["status"], req["created_at"], 1, w.expires_at)
            stats.add_counts(s, tx, change_counts(w.events, req))  # console statistics
            tx.commit()

    def commit_transition(self, t: Transition) -> None:
        with self.state.lock:
            tx = self._transition(t)
            tx.commit()

    def erase_request(self, t: Transition, timeline: list[dict[str, Any]]) -> None:
        """The transition, and each stored event rewritten in place with its scrubbed content."""
        rid = t.request["id"]
        with self.state.lock:
            tx = self._transition(t)

            def rewrite() -> None:
                stored = self.state.events.setdefault(rid, {})
                for e in timeline:
                    key = f"{e['at']}#{int(e['seq']):04d}"
                    stored[key] = (dump(e), stored.get(key, ("", t.expires_at))[1])

            tx.then(rewrite)
            tx.commit()

    def _transition(self, t: Transition) -> Transaction:
        """A transition's conditions and writes, to commit under the state's lock."""
        req = t.request
        rid = req["id"]
        s = self.state
        seen = s.requests.get(rid)
        tx = Transaction()
        tx.require(
            seen is not None and seen.status == t.from_status and (seen.attempt or 0) == t.from_attempt, Refusal.STALE
        )

        def write() -> None:
            assert seen is not None
            seen.body = dump({k: v for k, v in req.items() if k not in {"events", "expires_at"}})
            seen.status = req["status"]
            seen.association_id = req.get("association_id") or None
            if seen.association_id:
                seen.attempt, seen.assigned_at = req["attempt"], req["assigned_at"]
            if t.events:
                seen.last_event = t.events[-1].type

        tx.then(write)
        self._add_events(tx, rid, t.events, t.event_seq, t.expires_at)
        for m in t.mails:
            outbox.insert_mail(s, tx, m, req["updated_at"], t.mail_expires_at, self.mail_grace_seconds)
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                directory.take_capacity(s, tx, association_id, capacity)
            else:
                tx.then(lambda a=association_id, d=delta: directory.move_load(s, a, d))
        if t.from_status != req["status"]:
            count_move(s, tx, t.from_status, req["created_at"], -1, t.expires_at)
            count_move(s, tx, req["status"], req["created_at"], 1, t.expires_at)
        stats.add_counts(s, tx, change_counts(t.events, req, t.assigned_before))
        return tx

    def append_event(self, request_id: str, event: Event, seq: int, expires_at: int) -> bool:
        with self.state.lock:
            tx = Transaction()
            tx.require(request_id in self.state.requests, Refusal.STALE)
            self._add_events(tx, request_id, [event], seq, expires_at)
            stored = self.state.requests.get(request_id)
            if stored is not None:
                tx.then(lambda: setattr(stored, "last_event", event.type))
            try:
                tx.commit()
            except Rejected:  # no such request, or the rank is taken
                return False
        return True

    def idempotency(self, key: str, now: int) -> Optional[StoredIdempotency]:
        with self.state.lock:
            found = self.state.idempotency.get(key)
        if found is None or expired(found[2], now):
            return None
        return StoredIdempotency(found[0], json.loads(found[1]))

    def _record(self, stored: StoredRequest) -> dict[str, Any]:
        return {**json.loads(stored.body), "expires_at": stored.expires_at}

    def get_request(self, id_or_reference: str, now: int) -> Optional[dict[str, Any]]:
        with self.state.lock:
            rid: Optional[str] = id_or_reference
            if is_reference(id_or_reference):
                ref = self.state.references.get(id_or_reference)
                rid = ref[0] if ref and not expired(ref[1], now) else None
            stored = self.state.requests.get(rid) if rid else None
            if stored is None or expired(stored.expires_at, now):
                return None
            timeline = self.state.events.get(rid or "", {})
            events = [json.loads(e) for key, (e, exp) in sorted(timeline.items()) if not expired(exp, now)]
            return {**self._record(stored), "events": events}

    def list_requests(
        self, now: int, status: Optional[str], association: Optional[str], limit: int, cursor: Optional[str]
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        """Newest first. Like a DynamoDB Query with a filter, `limit` counts the requests
        read, expired ones included, and a full page always gives a cursor."""
        after = base64.urlsafe_b64decode(cursor.encode()).decode() if cursor else None
        with self.state.lock:
            listed = [
                r for r in self.state.requests.values()
                if (association is None or r.association_id == association)
                and (status is None or r.status == status)
                and (after is None or r.list_sk < after)
            ]
            page = sorted(listed, key=lambda r: r.list_sk, reverse=True)[:limit]
            items = [json.loads(r.body) for r in page if not expired(r.expires_at, now)]
        next_cursor = base64.urlsafe_b64encode(page[-1].list_sk.encode()).decode() if len(page) == limit else None
        return items, next_cursor

    def routed_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
        with self.state.lock:
            waiting = sorted(
                (r for r in self.state.requests.values()
                 if r.status == "routed" and r.assigned_at is not None and r.assigned_at <= before_epoch
                 and not expired(r.expires_at, now)),
                key=lambda r: r.list_sk,
            )
            return [self._record(r) for r in waiting]

    # -- the console's queue ---------------------------------------------------------

    def status_counts(self, now: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.state.lock:
            for key, (n, until) in self.state.status_counts.items():
                if not expired(until, now):
                    status = key.split("#")[0]
                    counts[status] = counts.get(status, 0) + n
        return counts

    def queue_page(
        self, now: int, status: Optional[str], association: Optional[str], created_from: Optional[str],
        created_to: Optional[str], limit: int, cursor: Optional[str],
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        after = base64.urlsafe_b64decode(cursor.encode()).decode() if cursor else None
        low, high = created_from or "", created_to or "\uffff"
        with self.state.lock:
            listed = [
                r for r in self.state.requests.values()
                if (association is None or r.association_id == association)
                and (status is None or r.status == status)
                and low <= r.list_sk <= high
                and (after is None or r.list_sk < after)
            ]
            page = sorted(listed, key=lambda r: r.list_sk, reverse=True)[:limit]
            items = [{**json.loads(r.body), "last_event": r.last_event} for r in page if not expired(r.expires_at, now)]
        next_cursor = base64.urlsafe_b64encode(page[-1].list_sk.encode()).decode() if len(page) == limit else None
        return items, next_cursor
