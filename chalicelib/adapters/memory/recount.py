"""RecountStore in memory (see dynamodb/recount.py): every request read, counters replaced."""

from __future__ import annotations

import json
from typing import Any

from ..counters import counter_expiry
from .state import MemoryState, expired


class MemoryRecountStore:
    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        self.state = state

    def stored_requests(self, now: int) -> list[dict[str, Any]]:
        s = self.state
        with s.lock:
            stored = []
            for rid, r in s.requests.items():
                if expired(r.expires_at, now):
                    continue
                record = {**json.loads(r.body), "expires_at": r.expires_at}
                timeline = s.events.get(rid, {})
                record["events"] = [
                    json.loads(timeline[k][0]) for k in sorted(timeline) if not expired(timeline[k][1], now)
                ]
                stored.append(record)
        return stored

    def replace_status_counts(self, counts: dict[tuple[str, str], tuple[int, int]]) -> None:
        with self.state.lock:
            # In place: the requests' store holds this dict (state.MemoryState.kinds).
            self.state.status_counts.clear()
            self.state.status_counts.update(
                {f"{status}#{day}": (n, counter_expiry(until)) for (status, day), (n, until) in counts.items()}
            )

    def replace_aggregates(
        self, first_day: str, last_day: str, counts: dict[tuple[str, str | None], dict[str, int]]
    ) -> None:
        with self.state.lock:
            stats = self.state.stats
            for key in [k for k in stats if first_day <= k[0] <= last_day]:
                del stats[key]
            stats.update({k: dict(c) for k, c in counts.items() if first_day <= k[0] <= last_day and c})
