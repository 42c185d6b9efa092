"""MentorStore in memory: sign-ups, their timeline, references and mentor load counters,
with the DynamoDB store's conditions (tests/contract/test_mentor_store.py runs on both).

The sign-ups live on this store; the idempotency records, per-IP counters and outbox are
the shared state's (one lock), as they are the same items in DynamoDB.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Optional

from ...domain.reference import is_reference
from ...services.ports import Event, MentorTransition, MentorWrite, Refusal, StoredIdempotency
from . import outbox
from .state import MemoryState, StoredRequest, Transaction, dump, expired

STATUSES = ("needs_triage", "routed", "accepted", "closed")


class MemoryMentorStore:
    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        self.state = state
        self.mail_grace_seconds = mail_grace_seconds
        self.signups: dict[str, StoredRequest] = {}
        self.events: dict[str, dict[str, tuple[str, int]]] = {}
        self.references: dict[str, tuple[str, int]] = {}
        self.load: dict[str, int] = {}

    def _add_events(self, tx: Transaction, signup_id: str, events: list[Event], first: int, expires_at: int) -> None:
        timeline = self.events.get(signup_id, {})
        new = {
            f"{e.at}#{first + i:04d}": dump({"at": e.at, "seq": first + i, "type": e.type, "actor": e.actor, "detail": e.detail})
            for i, e in enumerate(events)
        }
        tx.require(not any(key in timeline for key in new), Refusal.STALE)
        tx.then(lambda: self.events.setdefault(signup_id, {}).update({k: (v, expires_at) for k, v in new.items()}))

    def _take(self, tx: Transaction, association_id: str, capacity: Optional[int]) -> None:
        in_use = self.load.get(association_id)
        tx.require(capacity is None or in_use is None or in_use < capacity, Refusal.CAPACITY)
        tx.then(lambda: self._move(association_id, 1))

    def _move(self, association_id: str, delta: int) -> None:
        self.load[association_id] = self.load.get(association_id, 0) + delta

    def commit_signup(self, w: MentorWrite) -> None:
        s = w.signup
        sid, reference = s["id"], s["reference"]
        stored = StoredRequest(dump(s), s["status"], w.expires_at, f"{s['created_at']}#{sid}", attempt=s.get("attempt") or 0)
        if s.get("association_id"):
            stored.association_id, stored.assigned_at = s["association_id"], s["assigned_at"]
        st = self.state
        with st.lock:
            tx = Transaction()
            tx.require(sid not in self.signups, Refusal.STALE)
            tx.require(reference not in self.references, Refusal.REFERENCE)
            tx.then(lambda: self.signups.__setitem__(sid, stored))
            tx.then(lambda: self.references.__setitem__(reference, (sid, w.keep_until)))
            self._add_events(tx, sid, w.events, 0, w.keep_until)
            for m in w.mails:
                outbox.insert_mail(st, tx, m, s["created_at"], w.mail_expires_at, self.mail_grace_seconds)
            if w.idempotency_key:
                key = w.idempotency_key
                record = (w.idempotency_fingerprint or "", dump(w.idempotency_response), w.idempotency_expires_at)
                held = st.idempotency.get(key)
                tx.require(held is None or expired(held[2], w.at), Refusal.IDEMPOTENCY)
                tx.then(lambda: st.idempotency.__setitem__(key, record))
            if w.rate_key:
                rate_key, counted = w.rate_key, st.rate.get(w.rate_key)
                tx.require(counted is None or counted < w.rate_limit, Refusal.RATE)
                tx.then(lambda: st.rate.__setitem__(rate_key, (counted or 0) + 1))
            if w.capacity_of:
                self._take(tx, *w.capacity_of)
            tx.commit()

    def commit_mentor_transition(self, t: MentorTransition) -> None:
        s = t.signup
        sid = s["id"]
        st = self.state
        with st.lock:
            seen = self.signups.get(sid)
            tx = Transaction()
            tx.require(
                seen is not None and seen.status == t.from_status and (seen.attempt or 0) == t.from_attempt, Refusal.STALE
            )

            def write() -> None:
                assert seen is not None
                seen.body = dump({k: v for k, v in s.items() if k not in {"events", "expires_at"}})
                seen.status = s["status"]
                seen.expires_at = t.expires_at
                seen.association_id = s.get("association_id") or None
                if seen.association_id:
                    seen.attempt, seen.assigned_at = s["attempt"], s["assigned_at"]

            tx.then(write)
            self._add_events(tx, sid, t.events, t.event_seq, t.keep_until)
            for m in t.mails:
                outbox.insert_mail(st, tx, m, s["updated_at"], t.mail_expires_at, self.mail_grace_seconds)
            for association_id, delta, capacity in t.load_changes:
                if delta > 0:
                    self._take(tx, association_id, capacity)
                else:
                    tx.then(lambda a=association_id, d=delta: self._move(a, d))
            tx.commit()

    def idempotency(self, key: str, now: int) -> Optional[StoredIdempotency]:
        with self.state.lock:
            found = self.state.idempotency.get(key)
        if found is None or expired(found[2], now):
            return None
        return StoredIdempotency(found[0], json.loads(found[1]))

    def _record(self, stored: StoredRequest) -> dict[str, Any]:
        return {**json.loads(stored.body), "expires_at": stored.expires_at}

    def get_signup(self, id_or_reference: str, now: int) -> Optional[dict[str, Any]]:
        with self.state.lock:
            sid: Optional[str] = id_or_reference
            if is_reference(id_or_reference):
                ref = self.references.get(id_or_reference)
                sid = ref[0] if ref and not expired(ref[1], now) else None
            stored = self.signups.get(sid) if sid else None
            if stored is None or expired(stored.expires_at, now):
                return None
            timeline = self.events.get(sid or "", {})
            events = [json.loads(e) for _, (e, exp) in sorted(timeline.items()) if not expired(exp, now)]
            return {**self._record(stored), "events": events}

    def list_signups(
        self, now: int, status: Optional[str], association: Optional[str], limit: int, cursor: Optional[str]
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        """Newest first; as a DynamoDB Query with a filter, `limit` counts expired ones too."""
        after = base64.urlsafe_b64decode(cursor.encode()).decode() if cursor else None
        with self.state.lock:
            listed = [
                r for r in self.signups.values()
                if (association is None or r.association_id == association)
                and (status is None or r.status == status)
                and (after is None or r.list_sk < after)
            ]
            page = sorted(listed, key=lambda r: r.list_sk, reverse=True)[:limit]
            items = [json.loads(r.body) for r in page if not expired(r.expires_at, now)]
        next_cursor = base64.urlsafe_b64encode(page[-1].list_sk.encode()).decode() if len(page) == limit else None
        return items, next_cursor

    def count_signups(self, now: int) -> dict[str, int]:
        with self.state.lock:
            counts = dict.fromkeys(STATUSES, 0)
            for r in self.signups.values():
                if not expired(r.expires_at, now):
                    counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def signups_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
        with self.state.lock:
            waiting = sorted(
                (r for r in self.signups.values()
                 if r.status == "routed" and r.assigned_at is not None and r.assigned_at <= before_epoch
                 and not expired(r.expires_at, now)),
                key=lambda r: r.list_sk,
            )
            return [self._record(r) for r in waiting]

    def mentor_load(self) -> dict[str, int]:
        with self.state.lock:
            return dict(sorted(self.load.items()))
