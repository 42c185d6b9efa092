"""Use case: recount the console's tab counts and daily aggregates from the stored
requests (scripts/recount.py, `make recount`).

Both are kept in the transactions of the changes they count, so requests stored before
those counters existed (a deployment upgraded from an earlier version) were never
counted. This recomputes them from the records and REPLACES the counters: whatever they
held (nothing, part, or everything counted already) is overwritten, so a request is never
counted twice and running it again gives the same counts. The daily aggregates are each
request's timeline replayed through the function the transactions use
(domain.statistics.replay_counts -> change_counts): no second arithmetic.

What it cannot see: requests already deleted by their retention. Their counts leave the
status counters anyway (those expire with them), but what they added to the aggregates
of a day inside the recounted window is lost; days before the window are left as they
are. The window starts at the oldest stored request's creation day unless told.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.paris_time import paris_day
from ..domain.statistics import Counts, add_counts, replay_counts
from .clock import Clock
from .ports import RecountStore


@dataclass
class RecountReport:
    requests: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    first_day: str | None = None  # the window of days whose aggregates were replaced
    last_day: str | None = None
    days: int = 0  # days with any aggregate in the window


class RecountService:
    def __init__(self, *, store: RecountStore, clock: Clock):
        self.store = store
        self.clock = clock

    def recount(self, since: str | None = None) -> RecountReport:
        """`since`: the first Paris day (YYYY-MM-DD) whose aggregates are replaced;
        default: the oldest stored request's creation day."""
        now = self.clock.now().epoch
        requests = self.store.stored_requests(now)
        statuses: dict[tuple[str, str], tuple[int, int]] = {}
        aggregates: Counts = {}
        for r in requests:
            key = (r["status"], r["created_at"][:10])  # the UTC creation day, as the transactions key it
            n, until = statuses.get(key, (0, 0))
            statuses[key] = (n + 1, max(until, int(r["expires_at"])))
            for day_key, counters in replay_counts(r, r.get("events") or []).items():
                add_counts(aggregates.setdefault(day_key, {}), counters)
        self.store.replace_status_counts(statuses)
        report = RecountReport(requests=len(requests))
        for (status, _), (n, _) in statuses.items():
            report.by_status[status] = report.by_status.get(status, 0) + n
        first = since or min((paris_day(r["created_at"]) for r in requests), default=None)
        if first is None:
            return report  # nothing stored: no window, the aggregates are left alone
        last = max([paris_day(now), *(day for day, _ in aggregates)])
        self.store.replace_aggregates(first, last, aggregates)
        report.first_day, report.last_day = first, last
        report.days = len({day for day, a in aggregates if a is None and first <= day <= last})
        return report
