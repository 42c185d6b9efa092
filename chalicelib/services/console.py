"""Use cases of the console's queue and request page (docs/contract.md §10).

The queue (here): tabs with counts read from the status counters the transactions keep
(never a Scan), pages newest first from the by_status / by_association / by_created
indexes, and the filters the indexes cannot answer (channel, département, need) applied
over the pages read. The request page and its timeline: console_request.py. The actions
("Attribuer", "Router à nouveau", "Clore", "Renvoyer l'e-mail", "Effacer les données
personnelles"): console_actions.py. ConsoleService is all three; the names the web reads
stay importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..domain.models import Association
from ..domain.paris_time import french_time, paris_midnight_utc
from ..domain.routed_record import RoutedRecord
from ..domain.vocabulary import Channel, Need, Status
from .console_actions import RequestActions
from .console_common import ConsoleRefusal, UnknownRequest
from .console_request import RequestPage, RequestPageReads
from .directory import DirectorySnapshot
from .ports import QueuedRecord, QueueQuery

# The console's names the web imports from here (web/console_queue.py, console_volunteers.py).
__all__ = [
    "ACTIVITY_BADGES",
    "CHANNEL_LABELS",
    "MAX_READS_PER_PAGE",
    "PAGE_SIZE",
    "STATUS_LABELS",
    "TABS",
    "TAB_BY_SLUG",
    "ConsoleRefusal",
    "ConsoleService",
    "QueueFilters",
    "QueueRow",
    "QueueView",
    "RequestPage",
    "Tab",
    "UnknownRequest",
]

PAGE_SIZE = 25
# A département's code as the filter takes it ("59", "2A", "974"): ASCII only, so that
# "５９" or "²" is dropped like any unknown value rather than kept as a filter nothing matches.
DEPARTEMENT_FILTER = re.compile(r"[0-9A-Z]{1,3}")
# Filters the indexes cannot answer are applied over the pages read: at most this many
# reads fill one page, so a page costs the same whatever the number of requests.
MAX_READS_PER_PAGE = 4


@dataclass(frozen=True)
class Tab:
    slug: str
    status: str | None
    label: str


TABS = (
    Tab("a-trier", Status.NEEDS_TRIAGE.value, "À trier"),
    Tab("en-attente", Status.ROUTED.value, "En attente"),
    Tab("acceptees", Status.ACCEPTED.value, "Acceptées"),
    Tab("closes", Status.CLOSED.value, "Closes"),
    Tab("toutes", None, "Toutes"),
)
TAB_BY_SLUG = {t.slug: t for t in TABS}

CHANNEL_LABELS = {
    Channel.FORM.value: "Formulaire jeune",
    Channel.REFERENT_FORM.value: "Formulaire référent",
    Channel.API.value: "API partenaire",
    Channel.EMAIL.value: "E-mail",
}
STATUS_LABELS = {
    "needs_triage": "À trier",
    "routed": "En attente de l'association",
    "accepted": "Acceptée",
    "closed": "Close",
}
# Events that no operator caused and that an operator should see: the queue's badge.
ACTIVITY_BADGES = {
    "reply_received": "Réponse reçue",
    "bounced": "E-mail rejeté",
    "reminded": "Relance envoyée",
    "declined": "Refusée par une association",
    "rerouted": "Routée à nouveau",
    # A mail given up (outbox `failed`): operators see it here, not only in the admin API.
    "mail_failed": "E-mail non envoyé",
}


# -- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """The queue's GET form: a tab and the filters, validated (unknown values dropped)."""

    tab: Tab = TABS[0]
    channel: str | None = None
    association: str | None = None
    departement: str | None = None
    need: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> QueueFilters:
        def text(name: str, size: int) -> str | None:
            value = (params.get(name) or "").strip()
            return value[:size] if value else None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(text(name, 10) or "")
            except ValueError:
                return None

        channel = text("canal", 20)
        need = text("besoin", 20)
        departement = (text("departement", 3) or "").upper() or None
        return cls(
            tab=TAB_BY_SLUG.get(params.get("onglet") or "", TABS[0]),
            channel=channel if channel in CHANNEL_LABELS else None,
            association=text("association", 64),
            departement=departement if departement and DEPARTEMENT_FILTER.fullmatch(departement) else None,
            need=need if need in {n.value for n in Need} else None,
            date_from=day("du"),
            date_to=day("au"),
        )

    def query(self, tab: Tab | None = None, cursor: str | None = None) -> dict[str, str]:
        """The query string's fields (the tabs' links, the next page, the export)."""
        out = {"onglet": (tab or self.tab).slug}
        for name, value in (
            ("canal", self.channel),
            ("association", self.association),
            ("departement", self.departement),
            ("besoin", self.need),
            ("du", self.date_from.isoformat() if self.date_from else None),
            ("au", self.date_to.isoformat() if self.date_to else None),
            ("page", cursor),
        ):
            if value:
                out[name] = value
        return out

    @property
    def filtered(self) -> bool:
        return any((self.channel, self.association, self.departement, self.need, self.date_from, self.date_to))

    def matches(self, record: RoutedRecord) -> bool:
        """What the indexes did not filter: channel, département, need."""
        if self.channel and record.channel != self.channel:
            return False
        if self.departement and (record.place or {}).get("departement") != self.departement:
            return False
        if self.need and self.need not in needs_of(record.fields):
            return False
        return True


def needs_of(fields: Mapping[str, Any]) -> list[str]:
    """A request's need, or a volunteer's needs (`needs`), as one list."""
    return list(fields.get("needs") or ([fields["need"]] if fields.get("need") else []))


@dataclass(frozen=True)
class QueueRow:
    reference: str
    created: str  # "24/11/2026 10:05", Europe/Paris
    created_iso: str
    channel: str
    age: int | None
    departement: str | None
    need: str | None
    association: str | None
    status: str
    badge: str | None


@dataclass(frozen=True)
class QueueView:
    filters: QueueFilters
    counts: list[tuple[Tab, int]]
    rows: list[QueueRow]
    next_cursor: str | None
    associations: list[Association]


class ConsoleService(RequestActions, RequestPageReads):
    """The console's use cases on requests: the queue (below), the request page
    (console_request.py), the actions (console_actions.py); built as ConsoleParts is.
    The volunteers' queue is this one on the sign-ups' store (console_volunteers.py)."""

    channel_labels: Mapping[str, str] = CHANNEL_LABELS

    # -- the queue --------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Requests per tab: the status counters, one read."""
        by_status = self.queue_store.status_counts(self.clock.now().epoch)
        counts = {t.slug: max(0, by_status.get(t.status, 0)) for t in TABS if t.status}
        counts["toutes"] = sum(counts.values())
        return counts

    def queue(self, filters: QueueFilters, cursor: str | None = None) -> QueueView:
        counts = self.counts()
        now = self.clock.now().epoch
        query = QueueQuery(
            filters.tab.status,
            filters.association,
            paris_midnight_utc(filters.date_from) if filters.date_from else None,
            paris_midnight_utc(filters.date_to + timedelta(days=1)) if filters.date_to else None,
        )
        records: list[QueuedRecord[Any]] = []
        for _ in range(MAX_READS_PER_PAGE):
            page, cursor = self.queue_store.queue_page(now, query, PAGE_SIZE - len(records), cursor)
            records += [q for q in page if filters.matches(q.record)]
            if cursor is None or len(records) >= PAGE_SIZE:
                break
        snapshot = self.directory.snapshot()
        return QueueView(
            filters,
            [(t, counts[t.slug]) for t in TABS],
            [self._row(r, snapshot) for r in records],
            cursor,
            list(snapshot.index.associations),
        )

    def _row(self, queued: QueuedRecord[Any], snapshot: DirectorySnapshot) -> QueueRow:
        record = queued.record
        f = record.fields
        needs = [Need(n).label for n in needs_of(f) if n in {n.value for n in Need}]
        return QueueRow(
            reference=record.reference,
            created=french_time(record.created_at),
            created_iso=record.created_at,
            channel=self.channel_labels.get(record.channel or "", record.channel or ""),
            age=f.get("age"),
            departement=(record.place or {}).get("departement"),
            need=", ".join(needs) or None,
            association=record.association_name if record.association_id else None,
            status=STATUS_LABELS.get(record.status.value, record.status.value),
            badge=ACTIVITY_BADGES.get(queued.last_event or ""),
        )
