"""Use case: operators read requests, and the inbound mail that could not become one (admin API)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.request import Request
from .clock import Clock
from .ports import MailLogStore, Record, RequestStore

# A page of the request list: its size unless asked, and the most one may ask.
DEFAULT_PAGE, MAX_PAGE = 50, 200


def record_view(stored: dict[str, Any], rest: dict[str, Any], with_timeline: bool = True) -> dict[str, Any]:
    """The admin API's shape of a request or a sign-up (its stored record): its fields at
    the top, then `rest`, then its timeline (when read with it: one record, not a list's
    page) in order."""
    view = {
        "id": stored["id"],
        "reference": stored["reference"],
        "channel": stored["channel"],
        "status": stored["status"],
        "created_at": stored["created_at"],
        "updated_at": stored.get("updated_at", stored["created_at"]),
        **stored["fields"],
        "place": _place_view(stored.get("place")),
        **rest,
    }
    if with_timeline:
        view["events"] = sorted(stored["events"], key=lambda e: (e["at"], e.get("seq", 0)))
    return view


def request_view(request: Request, with_timeline: bool = True) -> dict[str, Any]:
    """The admin API's shape of a request: its fields at the top, then the rest."""
    stored = request.to_record()
    return record_view(
        stored,
        {
            "referent": stored.get("referent"),
            "association": stored.get("association"),
            "declined": stored.get("declined", []),  # associations that declined it, or went silent
            "triage_reason": stored.get("triage_reason"),
            "routing": stored.get("routing"),
            "extraction": stored.get("extraction"),  # mail intake: what was found, in which words
            "inbound": stored.get("inbound"),
        },
        with_timeline,
    )


def _place_view(place: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored place with the names of docs/contract.md §6: commune, departement, region."""
    if not place:
        return None
    return {"commune": place.get("commune_code"), **place}


Page = tuple[list[dict[str, Any]], str | None]


def read_page(read: Callable[[], tuple[list[Record], str | None]], view: Callable[[Record], dict[str, Any]]) -> Page:
    """One page of a store's list in the admin API's shape, with the next page's cursor; a
    cursor that is not one of ours is the store's InvalidCursor (a ValueError)."""
    items, next_cursor = read()
    return [view(i) for i in items], next_cursor


@dataclass(eq=False, kw_only=True)
class RequestQueries:
    requests: RequestStore
    mail_log: MailLogStore
    clock: Clock

    def get(self, id_or_reference: str) -> dict[str, Any] | None:
        stored = self.requests.get(id_or_reference.strip(), self.clock.now().epoch)
        return request_view(stored) if stored else None

    def list(self, status: str | None, association: str | None, limit: int, cursor: str | None) -> Page:
        return read_page(
            lambda: self.requests.page(self.clock.now().epoch, status, association, limit, cursor),
            lambda request: request_view(request, with_timeline=False),
        )

    def quarantined(self, limit: int) -> builtins.list[dict[str, Any]]:  # `list` here is the method above
        """Inbound mail that could not be parsed, newest first, with the reason and where
        the raw mail is kept."""
        return self.mail_log.list_quarantine(self.clock.now().epoch, limit)
