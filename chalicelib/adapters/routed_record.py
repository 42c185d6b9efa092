"""What both storage families (adapters/dynamodb/routed.py, adapters/memory/routed.py)
share about a routed record: the body they keep, and the day its status counters count it."""

from __future__ import annotations

from typing import Any

from ..domain.record_kind import RecordKind
from ..domain.routed_record import RoutedRecord
from .counters import counter_expiry


def stored_body(record: RoutedRecord) -> dict[str, Any]:
    """The record as its item's body keeps it: its timeline and expiry are items and
    attributes of their own."""
    body = record.to_record()
    body.pop("events"), body.pop("expires_at")
    return body


def counter_day(kind: RecordKind, record: RoutedRecord) -> str:
    """The day a record is counted under in its status counters: its creation day (with
    one retention for the kind, a day's records expire the same day), or the end of its
    expiry day when the kind's expiry moves (an accepted sign-up is kept longer)."""
    return str(counter_expiry(record.expires_at)) if kind.expiry_moves else record.created_at[:10]
