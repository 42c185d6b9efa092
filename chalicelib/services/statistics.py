"""Use case: the console's statistics (docs/contract.md §10).

Everything is read from the daily aggregates the requests' transactions keep
(domain/statistics.py, StatsStore): two Queries of a range of days, whatever the number
of requests. The period is the last 4, 12 or 52 weeks, the current week included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from ..domain.digits import whole_number
from ..domain.paris_time import paris_day
from ..domain.statistics import CHANNEL_LABELS, Report, build_report, period_days
from .clock import Clock
from .directory import DirectoryService
from .ports import DailyCounts, StatsStore

PERIODS = (4, 12, 52)  # weeks
DEFAULT_PERIOD = 12


def period_of(value: Any) -> int:
    """The period asked for (`?periode=`, one of the page's choices), or the default one."""
    weeks = whole_number(str(value))
    return weeks if weeks in PERIODS else DEFAULT_PERIOD


Aggregates = TypeVar("Aggregates", bound=DailyCounts)  # StatsStore (requests'), or a RoutedStore


class StatisticsService(Generic[Aggregates]):
    def __init__(
        self,
        *,
        stats: Aggregates,
        directory: DirectoryService,
        clock: Clock,
        channel_labels: Mapping[str, str] = CHANNEL_LABELS,
        shown: Iterable[str] = ("form", "referent_form", "email"),
    ):
        """`stats`: whose daily aggregates (requests' StatsStore, or the sign-ups' store);
        `channel_labels`, `shown`: their channels (domain.statistics.build_report)."""
        self.stats = stats
        self.directory = directory
        self.clock = clock
        self.channel_labels, self.shown = channel_labels, tuple(shown)

    def report(self, weeks: int) -> Report:
        today = paris_day(self.clock.now().epoch)
        first, last = period_days(today, weeks)
        snapshot = self.directory.snapshot()
        names = {a.id: a.name for a in snapshot.index.associations}
        return build_report(
            first,
            last,
            self.stats.daily_counts(first, last),
            self.stats.association_counts(first, last),
            names,
            self.channel_labels,
            self.shown,
        )

    def recent_exports(self: StatisticsService[StatsStore], limit: int = 20) -> list[dict[str, Any]]:
        """The last CSV exports (who, when, what, how many rows), newest first: the
        requests' StatsStore keeps their log."""
        return self.stats.list_exports(self.clock.now().epoch, limit)
