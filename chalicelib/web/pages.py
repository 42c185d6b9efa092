"""The pages a person lands on: home, legal pages, the two forms and their thank-you
pages, static files, and the French 404 of any other path."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import urlencode

from chalice import Response

from ..config import Settings
from ..domain.models import NewRequest
from ..domain.reference import is_reference, new_reference
from ..domain.submission import FieldError, InvalidSubmission, parse_submission
from ..domain.vocabulary import Channel
from ..services.intake import Idempotency, RateLimited
from ..services.ports import StorageUnavailable
from . import forms, security
from .boundary import RETRY_AFTER_SECONDS
from .parsing import MAX_FORM_BYTES, BodyRefused
from .render import static_file
from .responses import api_error, error_page, not_found_page, page, too_many

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.intake import IntakeService

FORM_KINDS = {
    "youth": {"path": "/demande", "channel": Channel.FORM, "title": "Demander un mentor"},
    "referent": {"path": "/orienter", "channel": Channel.REFERENT_FORM, "title": "Orienter un ou une jeune vers un mentor"},
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
        if body is None:
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
        query = request.query_params or {}
        return self._form(kind, {"publics": []}, [], 200, security.safe_return_url(query.get("return_to"), self.settings))

    def _form(
        self, kind: str, values: dict[str, Any], errors: list[FieldError], status: int, return_to: Optional[str],
        unavailable: bool = False,
    ) -> Response:
        order = {name: i for i, name in enumerate(forms.PAGE_ORDER[kind])}
        shown: dict[str, str] = {}
        for e in errors:
            shown.setdefault(forms.form_field(e.field), e.message)
        ordered = sorted(
            (FieldError(field=f, message=m) for f, m in shown.items()), key=lambda e: order.get(e.field, len(order))
        )
        title = FORM_KINDS[kind]["title"]
        return page(
            self.settings,
            "request_form",
            status,
            page_title=f"Erreur : {title}" if ordered else title,
            form_kind=kind,
            action=FORM_KINDS[kind]["path"],
            values=values,
            errors=ordered,
            error_for=shown,
            choices=forms.choices_for(kind),
            # Issued with the form: posting it twice (double click, reload) makes one request.
            submission_id=values.get("submission_id") or secrets.token_urlsafe(16),
            return_to=return_to,
            unavailable=unavailable,
        )

    def form_post(self, kind: str, request: Request) -> Response:
        raw = request.raw_body or b""
        path = FORM_KINDS[kind]["path"]
        if len(raw) > MAX_FORM_BYTES:
            return error_page(
                self.settings, 413, "Demande trop longue",
                "Le formulaire envoyé est trop long. Raccourcissez le message et réessayez.",
            )
        if not security.cross_site_post_allowed(request.headers, self.settings):
            return error_page(
                self.settings,
                403,
                "Envoi refusé",
                "Pour votre sécurité, ce formulaire n'a pas été accepté : il a été envoyé depuis une page "
                "qui n'est pas la nôtre. Rien n'a été enregistré. Ouvrez le formulaire directement sur notre "
                "site, remplissez-le à nouveau et envoyez-le.",
                path,
                "Ouvrir le formulaire",
            )
        try:
            values = forms.parse_form_body(raw)
        except BodyRefused as refused:
            return error_page(self.settings, refused.status, "Formulaire refusé", refused.french, path, "Ouvrir le formulaire")
        return_to = security.safe_return_url(values.get("return_to"), self.settings)
        if values.get("website"):
            # Honeypot filled: a robot. Look like success, store and send nothing.
            return self._redirect_thanks(path, new_reference(), return_to)
        try:
            submission = parse_submission(forms.submission_data(values, kind))
        except InvalidSubmission as exc:
            return self._form(kind, values, exc.errors, 422, return_to)
        sid = (values.get("submission_id") or "").strip()[:100]
        idem = Idempotency.of_form(sid) if sid else None
        try:
            new = NewRequest.from_submission(submission, FORM_KINDS[kind]["channel"])
            result = self.intake.accept(new, idem, security.rate_key(request, self.settings))
        except RateLimited:
            return too_many(self.settings, as_page=True)
        except StorageUnavailable:
            # The form again, as typed, with the same submission id: sending it again
            # cannot make a second request, even if this one was stored after all.
            response = self._form(kind, values, [], 503, return_to, unavailable=True)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return self._redirect_thanks(path, result.reference, return_to)

    def _redirect_thanks(self, path: str, reference: str, return_to: Optional[str]) -> Response:
        if return_to:
            sep = "&" if "?" in return_to else "?"
            location = f"{return_to}{sep}{urlencode({'ref': reference})}"
        else:
            location = f"{path}/merci?{urlencode({'ref': reference})}"
        return Response(body="", status_code=303, headers={**security.page_headers(self.settings), "Location": location})

    def thanks_page(self, kind: str, request: Request) -> Response:
        ref = (request.query_params or {}).get("ref", "")
        if not is_reference(ref):
            return error_page(
                self.settings, 404, "Référence inconnue", "Cette page de confirmation n'existe pas.", FORM_KINDS[kind]["path"]
            )
        return page(self.settings, "thanks", page_title="Demande enregistrée", form_kind=kind, reference=ref)
