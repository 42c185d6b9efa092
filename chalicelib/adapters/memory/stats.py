"""StatsStore in memory: the daily aggregates and the export log (see dynamodb/stats.py).

`add_counts` is called inside the requests' transactions (routed.py), as a write that
runs only if every condition holds: the counters move with the changes they count.
"""

from __future__ import annotations

from typing import Any

from ...domain.statistics import Counts
from ...services.ports import OutgoingMail, Refusal, Rejected
from . import outbox
from .state import MemoryState, Transaction, add_to_log, newest_in_log


def add_counts(state: MemoryState, tx: Transaction, counts: Counts, aggregates: dict | None = None) -> None:
    """`aggregates`: whose (requests' by default, the shared state's; a sign-up's: its store's)."""
    into = state.stats if aggregates is None else aggregates

    def write() -> None:
        for key, counters in counts.items():
            held = into.setdefault(key, {})
            for name, n in counters.items():
                held[name] = held.get(name, 0) + n

    if counts:
        tx.then(write)


class MemoryStatsStore:
    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120, aggregates: dict | None = None):
        self.state = state
        self.mail_grace_seconds = mail_grace_seconds
        self.aggregates = state.stats if aggregates is None else aggregates  # requests', or sign-ups'

    def daily_counts(self, first_day: str, last_day: str) -> list[tuple[str, dict[str, int]]]:
        with self.state.lock:
            return [
                (day, dict(c))
                for (day, association), c in sorted(self.aggregates.items(), key=lambda kv: kv[0][0])
                if association is None and first_day <= day <= last_day
            ]

    def association_counts(self, first_day: str, last_day: str) -> list[tuple[str, str, dict[str, int]]]:
        with self.state.lock:
            return [
                (day, association, dict(c))
                for (day, association), c in sorted(self.aggregates.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
                if association is not None and first_day <= day <= last_day
            ]

    def record_export(self, at: str, record: dict[str, Any], expires_at: int) -> str:
        return add_to_log(self.state, self.state.exports, at, record, expires_at)

    def list_exports(self, now: int, limit: int) -> list[dict[str, Any]]:
        return newest_in_log(self.state, self.state.exports, now, limit)

    def store_digest(self, day: str, mails: list[OutgoingMail], created_at: str, expires_at: int) -> bool:
        s = self.state
        with s.lock:
            tx = Transaction()
            tx.require(day not in s.digests, Refusal.IDEMPOTENCY)
            tx.then(lambda: s.digests.add(day))
            for m in mails:
                outbox.insert_mail(s, tx, m, created_at, expires_at, self.mail_grace_seconds)
            try:
                tx.commit()
            except Rejected as refused:
                if refused.what is Refusal.IDEMPOTENCY:
                    return False
                raise
        return True
