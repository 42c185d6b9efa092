"""The pages a person lands on: home, legal pages, the two forms and their thank-you
pages, static files, and the French 404 of any other path."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypedDict

from chalice import Response

from ..adapters.templates import static_file
from ..config import Settings
from ..domain.models import NewRequest
from ..domain.reference import new_reference
from ..domain.submission import FieldError, parse_submission
from ..domain.vocabulary import Channel
from . import forms, security
from .form_door import form_page, post_form, thanks_page
from .parsing import query_of
from .responses import api_error, not_found_page, page

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.intake import IntakeService


class FormKind(TypedDict):
    path: str
    channel: Channel
    title: str


FORM_KINDS: dict[str, FormKind] = {
    "youth": {"path": "/demande", "channel": Channel.FORM, "title": "Demander un mentor"},
    "referent": {
        "path": "/orienter",
        "channel": Channel.REFERENT_FORM,
        "title": "Orienter un ou une jeune vers un mentor",
    },
}
LEGAL_PAGES = {
    "legal_notice": "Mentions légales",
    "privacy": "Données personnelles",
    "accessibility": "Accessibilité",
}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass(frozen=True, kw_only=True)
class Pages:
    settings: Settings
    intake: IntakeService

    def home(self) -> Response:
        return page(self.settings, "home", page_title="Trouver un mentor")

    def legal_page(self, name: str) -> Response:
        """Their texts come from the settings (config.py): each deployment states its own."""
        return page(self.settings, name, page_title=LEGAL_PAGES[name])

    def not_found(self, request: Request) -> Response:
        """Any path no route serves: a French page, or JSON under /api/ (API Gateway's own
        answer would be 403 "Missing Authentication Token")."""
        rest = (request.uri_params or {}).get("proxy") or ""
        if rest == "api" or rest.startswith("api/"):
            return api_error("path", "no such resource", 404)
        return not_found_page(self.settings)

    def favicon(self) -> Response:
        return self.static("favicon.svg")

    def static(self, name: str) -> Response:
        kind = STATIC_TYPES.get(name[name.rfind(".") :] if "." in name else "")
        try:
            body = static_file(name) if kind else None
        except FileNotFoundError:
            body = None
        if kind is None or body is None:
            return not_found_page(self.settings)
        return Response(
            body=body.decode("utf-8"),
            headers={
                "Content-Type": kind,
                "Cache-Control": "public, max-age=3600",
                "X-Content-Type-Options": "nosniff",
                # An SVG opened on its own is a document: it may run nothing.
                "Content-Security-Policy": "default-src 'none'; style-src 'self'",
            },
        )

    # -- the two forms -------------------------------------------------------------------

    def form_page(self, kind: str, request: Request) -> Response:
        query = query_of(request)
        return self._form(
            kind, {"publics": []}, [], 200, security.safe_return_url(query.get("return_to"), self.settings)
        )

    def _form(
        self,
        kind: str,
        values: dict[str, Any],
        errors: list[FieldError],
        status: int,
        return_to: str | None,
        unavailable: bool = False,
    ) -> Response:
        return form_page(
            self.settings,
            "request_form",
            FORM_KINDS[kind]["title"],
            FORM_KINDS[kind]["path"],
            forms.PAGE_ORDER[kind],
            values,
            errors,
            status,
            return_to,
            unavailable,
            field_of=forms.form_field,
            form_kind=kind,
            choices=forms.choices_for(kind),
        )

    def form_post(self, kind: str, request: Request) -> Response:
        return post_form(
            self.settings,
            request,
            path=FORM_KINDS[kind]["path"],
            too_long_title="Demande trop longue",
            read=forms.parse_form_body,
            parse=lambda values: parse_submission(forms.submission_data(values, kind)),
            store=lambda submission, idempotency, rate_key: self.intake.accept(
                NewRequest.from_submission(submission, FORM_KINDS[kind]["channel"]), idempotency, rate_key
            ),
            new_reference=new_reference,
            show_form=partial(self._form, kind),
        )

    def thanks_page(self, kind: str, request: Request) -> Response:
        return thanks_page(
            self.settings, request, FORM_KINDS[kind]["path"], "thanks", "Demande enregistrée", form_kind=kind
        )
