"""What the anonymous forms share (the youth's and referent's, web/pages.py; the
volunteer's, web/mentor_pages.py): the form page with its error summary, the post's way
in (body limits, cross-site check, honeypot, submission id, per-IP limit, 503 with the
form kept as typed), the redirect to the thank-you page and that page. `AnonymousForm`
holds what is each form's own; `FormRoom` serves a room's forms by their kind."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from chalice import Response

from ..config import Settings
from ..domain.record_kind import RecordKind
from ..domain.reference import is_reference
from ..domain.submission import FieldError, InvalidSubmission
from ..services.intake import Idempotency, IntakeResult
from ..services.ports import StorageUnavailable
from ..services.rate_limit import RateLimited
from . import security
from .boundary import RETRY_AFTER_SECONDS
from .parsing import MAX_FORM_BYTES, BodyRefused, body_bytes, query_of
from .responses import error_page, page, too_many

if TYPE_CHECKING:
    from chalice.app import Request


@dataclass(frozen=True)
class ThanksPage:
    """The page a form's sender lands on, with the reference: its template, title and what
    else it reads."""

    template: str
    title: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class AnonymousForm:
    """What one anonymous form has of its own: its address, titles and templates, its
    fields (how the body is read, the order of the error summary, the empty form's values
    and the page's context) and how they make a submission (InvalidSubmission otherwise)."""

    path: str
    title: str
    template: str
    page_order: Iterable[str]
    empty: Mapping[str, Any]  # the values of the form before anything is typed
    read: Callable[[bytes], dict[str, Any]]  # parsing.BodyRefused over the limits
    parse: Callable[[dict[str, Any]], Any]
    kind: RecordKind  # what it makes: a robot's thank-you page shows a fresh reference of it
    too_long_title: str
    thanks: ThanksPage
    field_of: Callable[[str], str] = str  # the form's field an error names (the API's names may differ)
    context: Mapping[str, Any] = field(default_factory=dict)  # what the form's page also reads


@dataclass(frozen=True, kw_only=True)
class FormRoom:
    """A room serving anonymous forms by kind ("youth", "referent", "mentor"): each page,
    post and thank-you page; a subclass lists its forms and stores their submissions."""

    settings: Settings
    FORMS: ClassVar[Mapping[str, AnonymousForm]]

    def _store(self, kind: str, submission: Any, idempotency: Idempotency | None, rate_key: str | None) -> IntakeResult:
        raise NotImplementedError

    def form_page(self, kind: str, request: Request) -> Response:
        return_to = security.safe_return_url(query_of(request).get("return_to"), self.settings)
        # A copy: the page's values are this request's, never the form's shared empty ones.
        return self._form(kind, copy.deepcopy(dict(self.FORMS[kind].empty)), [], 200, return_to)

    def _form(
        self,
        kind: str,
        values: dict[str, Any],
        errors: list[FieldError],
        status: int,
        return_to: str | None,
        unavailable: bool = False,
    ) -> Response:
        """The form, with one message a field (the first), summed up in the page's order."""
        form = self.FORMS[kind]
        order = {name: i for i, name in enumerate(form.page_order)}
        shown: dict[str, str] = {}
        for e in errors:
            shown.setdefault(form.field_of(e.field), e.message)
        ordered = sorted(
            (FieldError(field=f, message=m) for f, m in shown.items()), key=lambda e: order.get(e.field, len(order))
        )
        return page(
            self.settings,
            form.template,
            status,
            page_title=f"Erreur : {form.title}" if ordered else form.title,
            action=form.path,
            values=values,
            errors=ordered,
            error_for=shown,
            # Issued with the form: posting it twice (double click, reload) makes one submission.
            submission_id=values.get("submission_id") or secrets.token_urlsafe(16),
            return_to=return_to,
            unavailable=unavailable,
            **form.context,
        )

    def form_post(self, kind: str, request: Request) -> Response:
        """A form's post: read its fields (BodyRefused), parse them into a submission
        (InvalidSubmission: the form again, 422), store it and redirect to the thank-you
        page with the result's reference."""
        form, settings = self.FORMS[kind], self.settings
        raw = body_bytes(request)
        if len(raw) > MAX_FORM_BYTES:
            return error_page(
                settings,
                413,
                form.too_long_title,
                "Le formulaire envoyé est trop long. Raccourcissez le message et réessayez.",
            )
        if not security.cross_site_post_allowed(request.headers, settings):
            return error_page(
                settings,
                403,
                "Envoi refusé",
                "Pour votre sécurité, ce formulaire n'a pas été accepté : il a été envoyé depuis une page "
                "qui n'est pas la nôtre. Rien n'a été enregistré. Ouvrez le formulaire directement sur notre "
                "site, remplissez-le à nouveau et envoyez-le.",
                form.path,
                "Ouvrir le formulaire",
            )
        try:
            values = form.read(raw)
        except BodyRefused as refused:
            return error_page(
                settings, refused.status, "Formulaire refusé", refused.french, form.path, "Ouvrir le formulaire"
            )
        return_to = security.safe_return_url(values.get("return_to"), settings)
        if values.get("website"):
            # Honeypot filled: a robot. Look like success, store and send nothing.
            return redirect_to_thanks(settings, form.path, form.kind.new_reference(), return_to)
        try:
            submission = form.parse(values)
        except InvalidSubmission as exc:
            return self._form(kind, values, exc.errors, 422, return_to, False)
        sid = (values.get("submission_id") or "").strip()[:100]
        idempotency = Idempotency.of_form(sid) if sid else None
        try:
            result = self._store(kind, submission, idempotency, security.rate_key(request, settings))
        except RateLimited:
            return too_many(settings, as_page=True)
        except StorageUnavailable:
            # The form again, as typed, with the same submission id: sending it again
            # cannot make a second submission, even if this one was stored after all.
            response = self._form(kind, values, [], 503, return_to, True)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return redirect_to_thanks(settings, form.path, result.reference, return_to)

    def thanks_page(self, kind: str, request: Request) -> Response:
        """The thank-you page, showing the reference of `?ref=`; 404 for what is no reference."""
        form = self.FORMS[kind]
        ref = query_of(request).get("ref", "")
        if not is_reference(ref):
            return error_page(
                self.settings, 404, "Référence inconnue", "Cette page de confirmation n'existe pas.", form.path
            )
        return page(
            self.settings, form.thanks.template, page_title=form.thanks.title, reference=ref, **form.thanks.context
        )


def redirect_to_thanks(settings: Settings, path: str, reference: str, return_to: str | None) -> Response:
    """303 to the partner's page (`return_to`, its `ref` added) or to our own `{path}/merci`."""
    if return_to:
        sep = "&" if "?" in return_to else "?"
        location = f"{return_to}{sep}{urlencode({'ref': reference})}"
    else:
        location = f"{path}/merci?{urlencode({'ref': reference})}"
    return Response(body="", status_code=303, headers={**security.page_headers(settings), "Location": location})
