"""The console's queue and request pages (docs/contract.md §10): HTTP in, use cases out.

Every page and action passes ConsoleDoor.guard first (no session: to /console/connexion;
a POST without the session's anti-forgery field: 403; an admin action asked by an
operator: 403). The use cases are services/console.py's; nothing here reads storage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from chalice import Response

from ..domain.request import CLOSE_REASONS
from ..domain.vocabulary import Need
from ..services.console import (
    STATUS_LABELS,
    ConsoleRefusal,
    ConsoleService,
    QueueFilters,
    UnknownRequest,
)
from ..services.console_auth import ConsoleSession
from ..services.console_volunteers import VolunteerConsole
from ..services.mentor_mails import mentor_profile
from ..services.ports import InvalidCursor
from .boundary import RETRY_AFTER_SECONDS
from .console import ConsoleRoom, console_page, guarded_page, invalid_page_link, redirect
from .parsing import query_of

if TYPE_CHECKING:
    from chalice.app import Request


DONE = {
    "attribuee": "La demande est attribuée : l'association va recevoir l'e-mail.",
    "routee": "La demande a été routée à nouveau.",
    "close": "La demande est close.",
    "renvoye": "L'e-mail a été renvoyé à l'association.",
    "effacee": "Les données personnelles de la {noun} sont effacées.",
}


@dataclass(frozen=True, kw_only=True)
class ConsoleQueue(ConsoleRoom):
    service: ConsoleService
    # Whose queue: requests' (/console/demandes), or volunteers' sign-ups' (/console/benevoles,
    # service: services/console_volunteers.VolunteerConsole), with the words of its pages.
    path: str = "/console/demandes"
    title: str = "Demandes"
    noun: str = "demande"

    # -- pages ------------------------------------------------------------------------

    @guarded_page
    def queue(self, request: Request, session: ConsoleSession) -> Response:
        params = dict(request.query_params or {})
        filters = QueueFilters.parse(params)
        cursor = (params.get("page") or "").strip() or None
        try:
            view = self.service.queue(filters, cursor)
        except InvalidCursor:
            return invalid_page_link(self.settings, f"{self.path}?" + urlencode(filters.query()))
        next_url = f"{self.path}?" + urlencode(filters.query(cursor=view.next_cursor)) if view.next_cursor else None
        requests = self.path == "/console/demandes"
        return console_page(
            self.settings,
            "queue",
            session,
            page_title=f"{self.title} : {filters.tab.label}",
            section=self.path[9:],
            view=view,
            filters=filters,
            next_url=next_url,
            tab_url=lambda tab: f"{self.path}?" + urlencode(filters.query(tab=tab)),
            export_url="/console/export/demandes?" + urlencode(filters.query()) if requests else None,
            channels=self.service.channel_labels,
            needs=Need.choices(),
            first_page=cursor is None,
            path=self.path,
            title=self.title,
            noun=self.noun,
        )

    @guarded_page
    def signup_page(self, request: Request, session: ConsoleSession, reference: str) -> Response:
        """A volunteer's sign-up: profile, routing explanation, timeline (VolunteerConsole)."""
        return self._show(session, reference, done=self._done(request))

    @guarded_page
    def request_page(self, request: Request, session: ConsoleSession, reference: str) -> Response:
        return self._show(session, reference, done=self._done(request))

    def _done(self, request: Request) -> Any:
        done = DONE.get(query_of(request).get("fait") or "")
        return done.format(noun=self.noun) if done else None

    def _show(self, session: ConsoleSession, reference: str, status: int = 200, **context: Any) -> Response:
        if isinstance(self.service, VolunteerConsole):
            return self._show_signup(self.service, session, reference, status, **context)
        try:
            page = self.service.request_page(reference, session.operator)
        except UnknownRequest:
            return console_page(
                self.settings,
                "request_missing",
                session,
                404,
                page_title="Demande introuvable",
                section="demandes",
                reference=reference,
            )
        return console_page(
            self.settings,
            "request",
            session,
            status,
            page_title=f"Demande {page.request.reference}",
            section="demandes",
            page=page,
            close_reasons=CLOSE_REASONS,
            statuses=STATUS_LABELS,
            channels=self.service.channel_labels,
            needs=dict(Need.choices()),
            **context,
        )

    def _show_signup(
        self, service: VolunteerConsole, session: ConsoleSession, reference: str, status: int = 200, **context: Any
    ) -> Response:
        try:
            page = service.signup_page(reference, session.operator)
        except UnknownRequest:
            return console_page(
                self.settings,
                "request_missing",
                session,
                404,
                page_title="Candidature introuvable",
                section="benevoles",
                reference=reference,
                back=self.path,
                noun=self.noun,
            )
        return console_page(
            self.settings,
            "signup",
            session,
            status,
            page_title=f"Candidature {page.record['reference']}",
            section="benevoles",
            page=page,
            statuses=STATUS_LABELS,
            channels=self.service.channel_labels,
            profile=mentor_profile(page.record),
            **context,
        )

    # -- actions ------------------------------------------------------------------------

    def assign(self, request: Request, reference: str) -> Response:
        return self._act(
            request,
            reference,
            "attribuee",
            lambda s, v: self.service.assign(
                reference,
                s.operator,
                str(v.get("association") or ""),
                str(v.get("motif") or ""),
                override_capacity=v.get("depasser") == "on",
            ),
        )

    def reroute(self, request: Request, reference: str) -> Response:
        return self._act(
            request,
            reference,
            "routee",
            lambda s, v: self.service.reroute(reference, s.operator, v.get("confirmer") == "on"),
        )

    def close(self, request: Request, reference: str) -> Response:
        return self._act(
            request,
            reference,
            "close",
            lambda s, v: self.service.close(reference, s.operator, str(v.get("motif") or "")),
        )

    def resend(self, request: Request, reference: str) -> Response:
        return self._act(request, reference, "renvoye", lambda s, v: self.service.resend(reference, s.operator))

    def erase(self, request: Request, reference: str) -> Response:
        return self._act(
            request, reference, "effacee", lambda s, v: self.service.erase(reference, s.operator), admin=True
        )

    def _act(
        self,
        request: Request,
        reference: str,
        done: str,
        action: Callable[[ConsoleSession, dict[str, Any]], Any],
        admin: bool = False,
    ) -> Response:
        posted = self.door.guard_post(request, admin=admin)
        if isinstance(posted, Response):
            return posted
        session, values = posted
        try:
            action(session, values)
        except UnknownRequest:
            return self._show(session, reference)
        except ConsoleRefusal as refused:
            shown = self._show(session, reference, refused.status, error=refused.message)
            if refused.status == 503:  # storage kept refusing: when to try again, as web/boundary.py says it
                shown.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return shown
        return redirect(f"{self.path}/{quote(reference, safe='')}?fait={done}")
