"""Greedy path variables (`/{proxy+}`) in chalice local, as API Gateway routes them.

chalice 1.34's local RouteMatcher compares paths segment by segment, so `/{proxy+}` only
matches one-segment paths (and captures them under the name "proxy+"); a deeper unknown
path gets chalice local's 403 "Missing Authentication Token". API Gateway instead sends
any path that no more specific resource takes to the greedy one, with the rest of the
path in `pathParameters["proxy"]`. This matcher does the same: concrete and `{name}`
routes first, exactly as chalice matches them, then the greedy route with the longest
prefix.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import chalice.local
from chalice.local import MatchResult, RouteMatcher


def _is_greedy(route: str) -> bool:
    last = route.rsplit("/", 1)[-1]
    return last.startswith("{") and last.endswith("+}")


class GreedyRouteMatcher(RouteMatcher):
    def __init__(self, route_urls: list[str]) -> None:
        super().__init__([r for r in route_urls if not _is_greedy(r)])
        # Longest prefix first: /api/{proxy+} before /{proxy+}.
        self.greedy = sorted((r for r in route_urls if _is_greedy(r)), key=len, reverse=True)

    def match_route(self, url: str) -> MatchResult:
        try:
            return super().match_route(url)
        except ValueError:
            pass
        parsed = urlparse(url)
        path = parsed.path
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        for route in self.greedy:
            prefix, _, variable = route.rpartition("/")
            if path.startswith(prefix + "/") and len(path) > len(prefix) + 1:
                captured = {variable[1:-2]: path[len(prefix) + 1 :]}
                return MatchResult(route, captured, parse_qs(parsed.query, keep_blank_values=True))
        raise ValueError(f"No matching route found for: {url}")


def install() -> None:
    """LocalGateway builds its matcher from chalice.local's module name at each request."""
    chalice.local.RouteMatcher = GreedyRouteMatcher  # type: ignore[misc]  # replacing a class is the point here
