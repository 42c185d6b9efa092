"""The real clock, and a settable one for tests and the benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..services.clock import Now


class SystemClock:
    def now(self) -> Now:
        return Now.of(datetime.now(UTC))


class SettableClock:
    def __init__(self, start: datetime):
        self.moment = start

    def now(self) -> Now:
        return Now.of(self.moment)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)
