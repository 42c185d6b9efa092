"""Use case: operators read requests, and the inbound mail that could not become one (admin API)."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from ..domain.record_kind import REQUEST, VOLUNTEER
from ..domain.request import Request
from ..domain.routed_record import RoutedRecord
from .clock import Clock
from .ports import MailLogStore, Record, RoutedStore

# A page of the request list: its size unless asked, and the most one may ask.
DEFAULT_PAGE, MAX_PAGE = 50, 200


# What the admin API shows of a record after its form's fields and its place, in order
# (docs/contract.md): each kind's own; the rest of the stored record is internal.
VIEW_FIELDS = {
    REQUEST.name: (
        "referent",
        "association",
        "declined",  # associations that declined it, or went silent
        "triage_reason",
        "routing",
        "extraction",  # mail intake: what was found, in which words
        "inbound",
    ),
    VOLUNTEER.name: ("association", "declined", "triage_reason", "routing", "expires_at"),
}


def record_view(record: RoutedRecord, with_timeline: bool = True) -> dict[str, Any]:
    """The admin API's shape of a request or a sign-up: its fields at the top, then its
    kind's VIEW_FIELDS, then its timeline (when read with it: one record, not a list's
    page) in order."""
    stored = record.to_record()
    view = {
        "id": stored["id"],
        "reference": stored["reference"],
        "channel": stored["channel"],
        "status": stored["status"],
        "created_at": stored["created_at"],
        "updated_at": stored.get("updated_at", stored["created_at"]),
        **stored["fields"],
        "place": _place_view(stored.get("place")),
        # A record stored before declines were kept shows none.
        **{name: stored.get(name, [] if name == "declined" else None) for name in VIEW_FIELDS[record.KIND.name]},
    }
    if with_timeline:
        view["events"] = sorted(stored["events"], key=lambda e: (e["at"], e.get("seq", 0)))
    return view


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
class RecordQueries(Generic[Record]):
    """Reads of one kind's records for operators: the admin API, the console's statistics."""

    store: RoutedStore[Record]
    clock: Clock

    def get(self, id_or_reference: str) -> dict[str, Any] | None:
        stored = self.store.get(id_or_reference.strip(), self.clock.now().epoch)
        return record_view(stored) if stored else None

    def list(
        self,
        status: str | None = None,
        association: str | None = None,
        limit: int = DEFAULT_PAGE,
        cursor: str | None = None,
    ) -> Page:
        """A page, newest first, with the next page's cursor (None on the last)."""
        return read_page(
            lambda: self.store.page(self.clock.now().epoch, status, association, limit, cursor),
            lambda record: record_view(record, with_timeline=False),
        )

    def counts(self) -> dict[str, int]:
        """Records per status, past their retention left out."""
        return self.store.count_by_status(self.clock.now().epoch)


@dataclass(eq=False, kw_only=True)
class RequestQueries(RecordQueries[Request]):
    """Requests' reads, and the inbound mail that could not become one."""

    mail_log: MailLogStore

    def quarantined(self, limit: int) -> builtins.list[dict[str, Any]]:  # `list` here is the method above
        """Inbound mail that could not be parsed, newest first, with the reason and where
        the raw mail is kept."""
        return self.mail_log.list_quarantine(self.clock.now().epoch, limit)
