"""The per-IP limit of anonymous posts (`RATE_LIMIT`, a count per window of seconds).

Each door that takes anonymous posts counts them on a counter of its own, named by the
keyed hash of the sender's address (web/security.client_key, so no IP address is
stored) and the window's number: the intake's submissions (services/intake.py) and the
console's sign-in requests (services/console_auth.py). The stores write the counter's
+1 with a condition that refuses it when full (Refusal.RATE), and it expires with its
window.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings


class RateLimited(Exception):
    """Too many anonymous posts from one address in the window."""


@dataclass(frozen=True)
class RateWindow:
    key: str  # <client key>#<window number>: the counter this post adds to
    limit: int  # how many posts the counter takes
    expires_at: int  # the window's end, the counter's expiry


def rate_window(client_key: str, at: int, settings: Settings) -> RateWindow:
    """The counter that a post at `at` (epoch seconds) from `client_key` counts on."""
    window = at // settings.rate_limit_seconds
    return RateWindow(f"{client_key}#{window}", settings.rate_limit_count, (window + 1) * settings.rate_limit_seconds)
