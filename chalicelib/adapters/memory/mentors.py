"""MentorStore in memory: sign-ups, their timeline, references and mentor load counters,
with the DynamoDB store's conditions (tests/contract/test_mentor_store.py runs on both).

The sign-ups live on this store; the idempotency records, per-IP counters and outbox are
the shared state's (one lock), as they are the same items in DynamoDB. What sign-ups
share with requests is routed.py's.
"""

from __future__ import annotations

from typing import Any

from ...domain.statistics import change_counts
from ...services.ports import MentorTransition, MentorWrite
from ..counters import counter_expiry
from . import stats
from .routed import MemoryRoutedStore
from .state import MemoryState, StoredRequest, Transaction, dump, expired

STATUSES = ("needs_triage", "routed", "accepted", "closed")


class MemoryMentorStore(MemoryRoutedStore):
    """MentorStore: sign-ups with their own timeline, references and load counters."""

    get_signup = MemoryRoutedStore.get_record
    list_signups = MemoryRoutedStore.list_records
    signups_waiting_since = MemoryRoutedStore.records_waiting_since  # the sweeper's

    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        super().__init__(state, mail_grace_seconds, records={}, events={}, references={}, load={})
        self.counters: dict[tuple[str, int], int] = {}  # (status, end of the expiry day) -> sign-ups
        self.aggregates: dict[Any, dict[str, int]] = {}  # the console's statistics of sign-ups
        view = stats.MemoryStatsStore(state, mail_grace_seconds, aggregates=self.aggregates)
        self.daily_counts, self.association_counts = view.daily_counts, view.association_counts

    def commit_signup(self, w: MentorWrite) -> None:
        s = w.signup
        # Unlike a request, a sign-up always has an attempt (0 before any routing).
        stored = StoredRequest(
            dump(s), s["status"], w.expires_at, f"{s['created_at']}#{s['id']}", attempt=s.get("attempt") or 0
        )
        if s.get("association_id"):
            stored.association_id, stored.assigned_at = s["association_id"], s["assigned_at"]
        with self.state.lock:
            tx = Transaction()
            self._intake(tx, stored, s, w, w.keep_until)
            self._count(tx, s["status"], w.expires_at, 1)
            stats.add_counts(self.state, tx, change_counts(w.events, s), self.aggregates)
            tx.commit()

    def commit_mentor_transition(self, t: MentorTransition) -> None:
        with self.state.lock:
            self._mentor_transition(t).commit()

    def erase_record(self, t: MentorTransition, timeline: list[dict[str, Any]]) -> None:
        """The change, and each stored event rewritten in place with its scrubbed content."""
        with self.state.lock:
            tx = self._mentor_transition(t)
            self._rewrite(tx, t.signup["id"], timeline, t.keep_until)
            tx.commit()

    def _mentor_transition(self, t: MentorTransition) -> Transaction:
        tx = self._transition(t.signup, t, t.keep_until, new_expiry=t.expires_at)
        was = t.from_expires_at if t.from_expires_at is not None else t.expires_at
        self._count(tx, t.from_status, was, -1)
        self._count(tx, t.signup["status"], t.expires_at, 1)
        stats.add_counts(self.state, tx, change_counts(t.events, t.signup, t.assigned_before), self.aggregates)
        return tx

    def _count(self, tx: Transaction, status: str, expires_at: int, delta: int) -> None:
        """The counter of (status, expiry day), as dynamodb.mentors keeps it."""
        key = (status, counter_expiry(expires_at))
        tx.then(lambda: self.counters.__setitem__(key, self.counters.get(key, 0) + delta))

    def status_counts(self, now: int) -> dict[str, int]:
        with self.state.lock:
            counts = dict.fromkeys(STATUSES, 0)
            for (status, until), n in self.counters.items():
                if not expired(until, now):
                    counts[status] = counts.get(status, 0) + n
        return counts

    def count_signups(self, now: int) -> dict[str, int]:
        with self.state.lock:
            counts = dict.fromkeys(STATUSES, 0)
            for r in self.records.values():
                if not expired(r.expires_at, now):
                    counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def mentor_load(self) -> dict[str, int]:
        with self.state.lock:
            return dict(sorted(self.load.items()))
