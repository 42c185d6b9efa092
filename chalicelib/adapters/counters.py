"""What both storage families (adapters/dynamodb, adapters/memory) share about counters."""

from __future__ import annotations


def counter_expiry(expires_at: int) -> int:
    """When a counter of records expiring at `expires_at` goes: the end of that UTC day.
    The tabs' status counters (requests' per creation day: with one retention for all,
    every request of a day expires the same day; sign-ups' per expiry day) stop counting
    a record at most a day after its own deletion."""
    return (int(expires_at) // 86400 + 1) * 86400
