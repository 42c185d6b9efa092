"""Use case: the console's CSV exports (docs/contract.md §10): the queue as filtered, and
the statistics of a period.

A French spreadsheet opens them as they are: UTF-8 with a byte order mark, `;` between
fields, CRLF lines, a header row. A cell that a spreadsheet would read as a formula
(= + - @ at its start) is prefixed with an apostrophe. Each export is recorded (who,
when, what, how many rows: an item the operators see on the statistics page) and logged
without personal data (the operator as a keyed hash).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ..config import Settings
from ..domain.paris_time import french_time, paris_day
from ..domain.statistics import (
    CHANNEL_LABELS,
    DECLINE_REASON_LABELS,
    Report,
    hours_label,
    percent_label,
)
from ..domain.vocabulary import Need, Status
from .clock import Clock
from .ports import RequestStore, StatsStore
from .statistics import StatisticsService

log = logging.getLogger(__name__)

MAX_QUEUE_ROWS = 10_000  # an export is a view, not a backup: past this, filter
PAGE = 200
EXPORT_RECORD_DAYS = 365

# The queue's tabs (`?onglet=`) and the status each lists; "toutes": every status.
TABS = {
    "a-trier": Status.NEEDS_TRIAGE.value,
    "en-attente": Status.ROUTED.value,
    "acceptees": Status.ACCEPTED.value,
    "closes": Status.CLOSED.value,
    "toutes": None,
}
STATUS_LABELS = {
    "needs_triage": "À trier",
    "routed": "En attente",
    "accepted": "Acceptée",
    "closed": "Close",
}
QUEUE_HEADER = (
    "Référence",
    "Reçue le",
    "Canal",
    "Statut",
    "Association",
    "Département",
    "Besoin",
    "Âge",
    "Motif de tri",
)


@dataclass(frozen=True)
class QueueFilters:
    """The queue's view as its query string says (`/console/demandes?...`): the tab,
    channel, association, département, need, and creation dates (Paris days, inclusive)."""

    onglet: str = "a-trier"
    canal: str = ""
    association: str = ""
    departement: str = ""
    besoin: str = ""
    du: str = ""
    au: str = ""

    @staticmethod
    def from_query(params: Mapping[str, Any] | None) -> QueueFilters:
        p = {k: str(v or "").strip()[:100] for k, v in (params or {}).items()}
        onglet = p.get("onglet") or "a-trier"
        return QueueFilters(
            onglet=onglet if onglet in TABS else "a-trier",
            canal=p.get("canal", "") if p.get("canal", "") in CHANNEL_LABELS else "",
            association=p.get("association", ""),
            departement=p.get("departement", "").upper(),
            besoin=p.get("besoin", "") if p.get("besoin", "") in {n.value for n in Need} else "",
            du=_day_or_blank(p.get("du", "")),
            au=_day_or_blank(p.get("au", "")),
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    @property
    def status(self) -> str | None:
        return TABS[self.onglet]

    def matches(self, r: Mapping[str, Any]) -> bool:
        place = r.get("place") or {}
        day = paris_day(r["created_at"])
        return (
            (not self.canal or r.get("channel") == self.canal)
            and (not self.departement or (place.get("departement") or "").upper() == self.departement)
            and (not self.besoin or (r.get("fields") or {}).get("need") == self.besoin)
            and (not self.du or day >= self.du)
            and (not self.au or day <= self.au)
        )


def _day_or_blank(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return ""


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with these as a formula (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM, `;` separated, CRLF: what a French spreadsheet opens as it is. A
    value holding `;`, a quote or a line break is quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def queue_row(r: Mapping[str, Any]) -> list[Any]:
    fields = r.get("fields") or {}
    place = r.get("place") or {}
    need = fields.get("need")
    need_label = Need(need).label if isinstance(need, str) and need in {n.value for n in Need} else ""
    return [
        r["reference"],
        french_time(r["created_at"]),
        CHANNEL_LABELS.get(r.get("channel") or "", r.get("channel")),
        STATUS_LABELS.get(r.get("status") or "", r.get("status")),
        (r.get("association") or {}).get("name") or "",
        place.get("departement") or "",
        need_label,
        fields.get("age") if fields.get("age") is not None else "",
        r.get("triage_reason") or "",
    ]


@dataclass(frozen=True)
class Export:
    filename: str
    body: bytes
    rows: int


@dataclass(eq=False, kw_only=True)
class ExportService:
    requests: RequestStore
    stats: StatsStore
    statistics: StatisticsService[StatsStore]
    clock: Clock
    settings: Settings

    # -- the queue ----------------------------------------------------------------------

    def queue_rows(self, filters: QueueFilters) -> list[dict[str, Any]]:
        """The requests of the queue's view, newest first (at most MAX_QUEUE_ROWS): the
        tab's index (or the association's), pages of the storage cursor, the other
        filters applied to each page."""
        now = self.clock.now().epoch
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(rows) < MAX_QUEUE_ROWS:
            requests, cursor = self.requests.page(now, filters.status, filters.association or None, PAGE, cursor)
            page = [r.to_record() for r in requests]  # the CSV's rows read the stored record
            rows += [r for r in page if filters.matches(r)]
            if filters.du and page and paris_day(page[-1]["created_at"]) < filters.du:
                break  # newest first: every later page is older still
            if cursor is None:
                break
        return rows[:MAX_QUEUE_ROWS]

    def export_queue_csv(self, filters: QueueFilters, operator: str = "") -> bytes:
        """The queue's view as CSV, with a header row holding "Référence"; recorded."""
        return self.queue_export(filters, operator).body

    def queue_export(self, filters: QueueFilters, operator: str) -> Export:
        rows = self.queue_rows(filters)
        body = to_csv(QUEUE_HEADER, (queue_row(r) for r in rows))
        today = self.clock.now().iso[:10]
        self._record("demandes", operator, len(rows), filters.as_query())
        return Export(f"demandes-{filters.onglet}-{today}.csv", body, len(rows))

    # -- the statistics -----------------------------------------------------------------

    def statistics_export(self, weeks: int, operator: str) -> Export:
        report = self.statistics.report(weeks)
        rows = statistics_rows(report)
        body = to_csv(("Tableau", "Ligne", "Colonne", "Valeur"), rows)
        self._record("statistiques", operator, len(rows), {"periode": str(weeks)})
        return Export(f"statistiques-{weeks}-semaines-{report.last_day}.csv", body, len(rows))

    # -- the record and the log ---------------------------------------------------------

    def _record(self, kind: str, operator: str, rows: int, filters: dict[str, str]) -> None:
        now = self.clock.now()
        eid = self.stats.record_export(
            now.iso,
            {"kind": kind, "operator": operator, "rows": rows, "filters": filters},
            now.epoch + EXPORT_RECORD_DAYS * 86400,
        )
        who = hmac.new(self.settings.secret_key.encode(), operator.encode(), hashlib.sha256).hexdigest()[:12]
        # Who as a keyed hash (the record names them, for the operators), what, how many.
        log.info("console export", extra={"export": eid, "kind": kind, "rows": rows, "operator_key": who})


def statistics_rows(report: Report) -> list[list[Any]]:
    """The statistics page's tables, one long table: (table, row, column, value)."""
    rows: list[list[Any]] = []
    for week in report.weeks:
        for channel in report.channels:
            rows.append(
                [
                    "Demandes reçues par semaine",
                    f"Semaine du {week}",
                    CHANNEL_LABELS.get(channel, channel),
                    report.weekly.get(week, {}).get(channel, 0),
                ]
            )
    rows += [
        ["Taux", "Demandes reçues", "Nombre", report.received],
        ["Taux", "Orientées dès la réception", "Part", percent_label(report.routed_rate)],
        ["Taux", "Envoyées au tri", "Part", percent_label(report.triage_rate)],
        ["Taux", "Acceptées par l'association", "Part", percent_label(report.acceptance_rate)],
    ]
    for a in report.associations:
        rows += [
            ["Associations", a.name, "Orientées", a.routed],
            ["Associations", a.name, "Acceptées", a.accepted],
            ["Associations", a.name, "Taux d'acceptation", percent_label(a.acceptance)],
            ["Associations", a.name, "Délai de réponse médian", hours_label(a.median_hours)],
            ["Associations", a.name, "Délai de réponse (90e centile)", hours_label(a.p90_hours)],
        ]
    for reason, n in report.declines.items():
        rows.append(["Refus par motif", DECLINE_REASON_LABELS.get(reason, reason), "Nombre", n])
    return rows
