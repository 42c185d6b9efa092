"""The pages a person lands on: home, legal pages, the two forms and their thank-you
pages, static files, and the French 404 of any other path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalice import Response

from ..adapters.templates import static_file
from ..domain.models import NewRequest
from ..domain.record_kind import REQUEST
from ..domain.submission import Submission, parse_submission
from ..domain.vocabulary import Channel
from . import forms
from .form_door import AnonymousForm, FormRoom, ThanksPage
from .responses import api_error, not_found_page, page

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.intake import Idempotency, IntakeResult, IntakeService


def _request_form(kind: str, path: str, title: str) -> AnonymousForm:
    """The youth's form (`/demande`) or the referent's (`/orienter`): one template."""
    return AnonymousForm(
        path=path,
        title=title,
        template="request_form",
        page_order=forms.PAGE_ORDER[kind],
        empty={"publics": []},
        read=forms.parse_form_body,
        parse=lambda values: parse_submission(forms.submission_data(values, kind)),
        kind=REQUEST,
        too_long_title="Demande trop longue",
        thanks=ThanksPage("thanks", "Demande enregistrée", {"form_kind": kind}),
        field_of=forms.form_field,
        context={"form_kind": kind, "choices": forms.choices_for(kind)},
    )


FORM_CHANNELS = {"youth": Channel.FORM, "referent": Channel.REFERENT_FORM}
LEGAL_PAGES = {
    "legal_notice": "Mentions légales",
    "privacy": "Données personnelles",
    "accessibility": "Accessibilité",
}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}


@dataclass(frozen=True, kw_only=True)
class Pages(FormRoom):
    intake: IntakeService
    FORMS = {
        "youth": _request_form("youth", "/demande", "Demander un mentor"),
        "referent": _request_form("referent", "/orienter", "Orienter un ou une jeune vers un mentor"),
    }

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

    # -- the two forms (web/form_door.py serves them) -------------------------------------

    def _store(
        self, kind: str, submission: Submission, idempotency: Idempotency | None, rate_key: str | None
    ) -> IntakeResult:
        return self.intake.accept(NewRequest.from_submission(submission, FORM_CHANNELS[kind]), idempotency, rate_key)
