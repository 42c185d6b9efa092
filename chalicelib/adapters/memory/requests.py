"""RequestStore in memory: requests, timeline, references, idempotency, per-IP counters.

The same conditions as the DynamoDB transactions, checked under one lock before any
write (state.Transaction): a taken reference or idempotency key, a full per-IP counter
or association, a request that moved since it was read, an event rank already taken.
What requests share with sign-ups is routed.py's; the status counters are here.
"""

from __future__ import annotations

import json
from typing import Any

from ...domain.statistics import change_counts
from ...services.ports import Event, IntakeWrite, Refusal, Rejected, Transition
from ..counters import counter_expiry
from . import stats
from .routed import MemoryRoutedStore
from .state import MemoryState, StoredRequest, Transaction, dump, expired


def count_move(state: MemoryState, tx: Transaction, status: str, created_at: str, delta: int, expires_at: int) -> None:
    """The status counter of the request's creation day (as dynamodb.requests.count_move)."""
    key, until = f"{status}#{created_at[:10]}", counter_expiry(expires_at)

    def move() -> None:
        n, _ = state.status_counts.get(key, (0, until))
        state.status_counts[key] = (n + delta, until)

    tx.then(move)


class MemoryRequestStore(MemoryRoutedStore):
    """RequestStore on the shared state's requests; the status counters move with them."""

    get_request = MemoryRoutedStore.get_record
    list_requests = MemoryRoutedStore.list_records
    routed_waiting_since = MemoryRoutedStore.records_waiting_since  # the sweeper's

    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        # The requests' dicts are the shared state's: the directory reads their load.
        super().__init__(state, mail_grace_seconds, state.requests, state.events, state.references, state.load)

    def commit_intake(self, w: IntakeWrite) -> None:
        req = w.request
        stored = StoredRequest(dump(req), req["status"], w.expires_at, f"{req['created_at']}#{req['id']}")
        if req.get("association_id"):
            stored.association_id, stored.attempt, stored.assigned_at = (
                req["association_id"],
                req["attempt"],
                req["assigned_at"],
            )
        s = self.state
        with s.lock:
            tx = Transaction()
            self._intake(tx, stored, req, w, w.expires_at)
            count_move(s, tx, req["status"], req["created_at"], 1, w.expires_at)
            stats.add_counts(s, tx, change_counts(w.events, req))  # console statistics
            tx.commit()

    def commit_transition(self, t: Transition) -> None:
        with self.state.lock:
            tx = self._request_transition(t)
            tx.commit()

    def erase_record(self, t: Transition, timeline: list[dict[str, Any]]) -> None:
        """The transition, and each stored event rewritten in place with its scrubbed content."""
        with self.state.lock:
            tx = self._request_transition(t)
            self._rewrite(tx, t.request["id"], timeline, t.expires_at)
            tx.commit()

    def _request_transition(self, t: Transition) -> Transaction:
        """A transition's conditions and writes (routed.py), with the status counters and
        the console's statistics."""
        req = t.request
        s = self.state
        tx = self._transition(req, t, t.expires_at)
        if t.from_status != req["status"]:
            count_move(s, tx, t.from_status, req["created_at"], -1, t.expires_at)
            count_move(s, tx, req["status"], req["created_at"], 1, t.expires_at)
        stats.add_counts(s, tx, change_counts(t.events, req, t.assigned_before))
        return tx

    def append_event(self, request_id: str, event: Event, seq: int, expires_at: int) -> bool:
        with self.state.lock:
            tx = Transaction()
            stored = self.records.get(request_id)
            # As DynamoDB's condition: an erased request's stub takes no new event.
            tx.require(stored is not None and not json.loads(stored.body).get("erased_at"), Refusal.STALE)
            self._add_events(tx, request_id, [event], seq, expires_at)
            if stored is not None:
                tx.then(lambda: setattr(stored, "last_event", event.type))
            try:
                tx.commit()
            except Rejected:  # no such request, or the rank is taken
                return False
        return True

    # -- the console's queue ---------------------------------------------------------

    def status_counts(self, now: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self.state.lock:
            for key, (n, until) in self.state.status_counts.items():
                if not expired(until, now):
                    status = key.split("#")[0]
                    counts[status] = counts.get(status, 0) + n
        return counts
