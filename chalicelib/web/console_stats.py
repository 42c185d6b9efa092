"""The console's statistics, CSV exports and quarantine pages (docs/contract.md §10).

Every page and action passes the console door's guard first (web/console.py): without a
session, to /console/connexion; every POST carries the session's anti-forgery field. An
export is a POST from its notice page (personal data: who may receive the file), and
its answer is the file (`Content-Disposition: attachment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalice import Response

from ..config import Settings
from ..domain.paris_time import french_time
from ..domain.statistics import CHANNEL_LABELS, DECLINE_REASON_LABELS, Report, hours_label, percent_label
from ..services.console_auth import ConsoleSession
from ..services.exports import Export, ExportService, QueueFilters
from ..services.ports import StatsStore
from ..services.statistics import PERIODS, StatisticsService, period_of
from . import svg_charts
from .console import ConsoleRoom, console_headers, console_page, guarded_page, redirect
from .responses import not_found_page

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.mail_intake import Quarantine


def _params(request: Request) -> dict[str, str]:
    return dict(request.query_params or {})


def csv_response(settings: Settings, export: Export) -> Response:
    headers: dict[str, str | list[str]] = {**console_headers(settings)}
    headers.update(
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        }
    )
    # A str body (UTF-8 on the wire, its BOM included): API Gateway passes text as is.
    return Response(body=export.body.decode("utf-8"), status_code=200, headers=headers)


@dataclass(frozen=True)
class Charts:
    weekly: Any
    rates: Any
    acceptance: Any
    declines: Any


def charts_of(report: Report, labels: Mapping[str, str] = CHANNEL_LABELS, noun: str = "demandes") -> Charts:
    """The page's charts; `labels`, `noun`: the channels and the records counted
    ("demandes", or "candidatures" of volunteers)."""
    weeks = [f"{w[8:10]}/{w[5:7]}" for w in report.weeks]
    series = [(labels.get(c, c), [report.weekly.get(w, {}).get(c, 0) for w in report.weeks]) for c in report.channels]
    rates = [
        ("Orientées dès la réception", report.routed_rate),
        ("Envoyées au tri", report.triage_rate),
        ("Acceptées par l'association", report.acceptance_rate),
    ]
    return Charts(
        weekly=svg_charts.stacked_columns(
            f"{noun.capitalize()} reçues par semaine et par canal",
            f"{report.received} {noun} reçues du {report.first_day} au {report.last_day}, par semaine et par canal.",
            weeks,
            series,
            key="chart-weekly",
        ),
        rates=svg_charts.horizontal_bars(
            "Taux d'orientation, de tri et d'acceptation",
            "; ".join(f"{label} : {percent_label(v)}" for label, v in rates),
            [(label, (v or 0) * 100, percent_label(v)) for label, v in rates],
            maximum=100,
            key="chart-rates",
        ),
        acceptance=svg_charts.horizontal_bars(
            "Taux d'acceptation par association",
            "; ".join(f"{a.name} : {percent_label(a.acceptance)}" for a in report.associations[:15]) or "Aucune donnée",
            [(a.name, (a.acceptance or 0) * 100, percent_label(a.acceptance)) for a in report.associations[:15]],
            maximum=100,
            key="chart-associations",
            color=svg_charts.PALETTE[2],
        ),
        declines=svg_charts.horizontal_bars(
            "Refus par motif",
            "; ".join(f"{DECLINE_REASON_LABELS.get(r, r)} : {n}" for r, n in report.declines.items()) or "Aucun refus",
            [(DECLINE_REASON_LABELS.get(r, r), n, str(n)) for r, n in report.declines.items()],
            key="chart-declines",
            color=svg_charts.PALETTE[1],
        ),
    )


@dataclass(frozen=True, kw_only=True)
class ConsoleStats(ConsoleRoom):
    statistics: StatisticsService[StatsStore]
    exports: ExportService
    quarantine: Quarantine
    volunteer_statistics: StatisticsService[Any] | None = None  # the sign-ups' (docs/volunteers.md)

    # -- statistics ---------------------------------------------------------------------

    @guarded_page
    def stats_page(self, request: Request, session: ConsoleSession) -> Response:
        return self._stats_page(
            request,
            session,
            self.statistics,
            "Statistiques",
            "demande",
            "/console/statistiques",
            exports=self.statistics.recent_exports(),
        )

    @guarded_page
    def volunteers_stats_page(self, request: Request, session: ConsoleSession) -> Response:
        """The same page on the sign-ups' aggregates: volume, rates, per association."""
        if self.volunteer_statistics is None:
            return not_found_page(self.settings)
        return self._stats_page(
            request,
            session,
            self.volunteer_statistics,
            "Statistiques des bénévoles",
            "candidature",
            "/console/statistiques/benevoles",
            exports=None,
        )

    def _stats_page(
        self,
        request: Request,
        session: ConsoleSession,
        statistics: StatisticsService[Any],
        title: str,
        noun: str,
        path: str,
        exports: list[dict[str, Any]] | None,
    ) -> Response:
        """`noun`: what is counted ("demande", "candidature"); `exports`: the requests' only."""
        weeks = period_of(_params(request).get("periode"))
        report = statistics.report(weeks)
        return console_page(
            self.settings,
            "stats",
            session,
            page_title=title,
            section="statistiques",
            report=report,
            charts=charts_of(report, statistics.channel_labels, noun + "s"),
            weeks=weeks,
            periods=PERIODS,
            channel_labels=statistics.channel_labels,
            decline_labels=DECLINE_REASON_LABELS,
            hours=hours_label,
            percent=percent_label,
            exports=exports,
            time_label=french_time,
            noun=noun,
            path=path,
        )

    # -- exports: a notice (GET), then the file (POST) --------------------------------------

    @guarded_page
    def export_notice(self, request: Request, session: ConsoleSession, kind: str) -> Response:
        if kind == "demandes":
            query = QueueFilters.from_query(_params(request)).as_query()
            back, what = "/console/demandes?" + urlencode(query), "la liste des demandes telle qu'elle est filtrée"
        else:
            query = {"periode": str(period_of(_params(request).get("periode")))}
            back, what = "/console/statistiques?" + urlencode(query), "les statistiques de la période"
        return console_page(
            self.settings,
            "export_notice",
            session,
            page_title="Exporter en CSV",
            section="demandes" if kind == "demandes" else "statistiques",
            action=f"/console/export/{kind}?{urlencode(query)}",
            back=back,
            what=what,
            kind=kind,
        )

    def export_post(self, request: Request, kind: str) -> Response:
        posted = self.door.guard_post(request)
        if isinstance(posted, Response):
            return posted
        session, _ = posted
        params = _params(request)
        if kind == "demandes":
            export = self.exports.queue_export(QueueFilters.from_query(params), session.operator.email)
        else:
            export = self.exports.statistics_export(period_of(params.get("periode")), session.operator.email)
        return csv_response(self.settings, export)

    # -- quarantine -------------------------------------------------------------------------

    @guarded_page
    def quarantine_list(self, request: Request, session: ConsoleSession) -> Response:
        done = _params(request).get("fait")
        return console_page(
            self.settings,
            "quarantine",
            session,
            page_title="Quarantaine",
            section="quarantaine",
            items=self.quarantine.list(),
            time_label=french_time,
            done=done,
        )

    @guarded_page
    def quarantine_show(self, request: Request, session: ConsoleSession, key: str) -> Response:
        mail = self.quarantine.read(key)
        if mail is None:
            return not_found_page(self.settings)
        return console_page(
            self.settings,
            "quarantine_mail",
            session,
            page_title="Message en quarantaine",
            section="quarantaine",
            mail=mail,
            key=key,
            time_label=french_time,
        )

    def quarantine_action(self, request: Request, key: str, action: str) -> Response:
        posted = self.door.guard_post(request)
        if isinstance(posted, Response):
            return posted
        session, _ = posted
        if action == "retraiter":
            outcome: Any | None = self.quarantine.reprocess(key, session.operator.email)
            if outcome is None:
                return not_found_page(self.settings)
            return redirect("/console/quarantaine?" + urlencode({"fait": f"retraite-{outcome.kind}"}))
        if not self.quarantine.delete(key, session.operator.email):
            return not_found_page(self.settings)
        return redirect("/console/quarantaine?fait=supprime")
