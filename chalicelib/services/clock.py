"""Time as the use cases see it: injected, so tests can move it (reminders, expiry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


@dataclass(frozen=True)
class Now:
    epoch: int  # seconds, for TTLs and windows
    iso: str  # UTC, microseconds: sorts like time in DynamoDB keys

    @staticmethod
    def of(moment: datetime) -> Now:
        moment = moment.astimezone(UTC)
        return Now(int(moment.timestamp()), moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


class Clock(Protocol):
    def now(self) -> Now: ...
