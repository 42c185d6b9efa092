"""MentorStore in memory: sign-ups, their timeline, references and mentor load counters,
with the DynamoDB store's conditions (tests/contract/test_mentor_store.py runs on both).

The sign-ups live on this store; the idempotency records, per-IP counters and outbox are
the shared state's (one lock), as they are the same items in DynamoDB. What sign-ups
share with requests is routed.py's.
"""

from __future__ import annotations

from ...services.ports import MentorTransition, MentorWrite
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

    def commit_signup(self, w: MentorWrite) -> None:
        s = w.signup
        # Unlike a request, a sign-up always has an attempt (0 before any routing).
        stored = StoredRequest(dump(s), s["status"], w.expires_at, f"{s['created_at']}#{s['id']}", attempt=s.get("attempt") or 0)
        if s.get("association_id"):
            stored.association_id, stored.assigned_at = s["association_id"], s["assigned_at"]
        with self.state.lock:
            tx = Transaction()
            self._intake(tx, stored, s, w, w.keep_until)
            tx.commit()

    def commit_mentor_transition(self, t: MentorTransition) -> None:
        with self.state.lock:
            tx = self._transition(t.signup, t, t.keep_until, new_expiry=t.expires_at)
            tx.commit()

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
