"""HTTP views: Chalice requests in, Chalice responses out, use cases in between.

app.py routes each URL to one method here; no business rule lives in this module.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any, Optional
from urllib.parse import urlencode

from chalice import Response

from ..domain.models import REFERENCE_RE, FieldError, InvalidSubmission, NewRequest, Submission, parse_submission
from ..domain.text import new_reference
from ..domain.vocabulary import Channel, Status
from ..services.directory import InvalidDirectory
from ..services.intake import Idempotency, IdempotencyConflict, RateLimited
from ..services.ports import StorageUnavailable
from .boundary import RETRY_AFTER_SECONDS
from . import forms, security
from .parsing import MAX_API_BYTES, MAX_DIRECTORY_BYTES, BodyRefused, parse_json
from .render import render_page, static_file

log = logging.getLogger(__name__)

FORM_KINDS = {
    "youth": {"path": "/demande", "channel": Channel.FORM, "title": "Demander un mentor"},
    "referent": {"path": "/orienter", "channel": Channel.REFERENT_FORM, "title": "Orienter un ou une jeune vers un mentor"},
}
DEFAULT_PAGE, MAX_PAGE = 50, 200
LIMIT_RE = re.compile(r"[0-9]{1,6}")


def _json(body: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={**security.api_headers(), **(headers or {})},
    )


def _api_errors(errors: list[FieldError], status: int = 422) -> Response:
    return _json({"errors": [e.model_dump() for e in errors]}, status)


def _french_date(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


def french_long_date(epoch: int) -> str:
    """`jeudi 3 décembre 2026`, the day in metropolitan France (UTC if no time zone data)."""
    from datetime import datetime, timezone

    try:
        from zoneinfo import ZoneInfo

        zone: Any = ZoneInfo("Europe/Paris")
    except Exception:  # no tz database on the host: a day off at worst around midnight
        zone = timezone.utc
    day = datetime.fromtimestamp(epoch, zone)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {first} {_MONTHS[day.month - 1]} {day.year}"


def contact_details(request: dict[str, Any]) -> dict[str, Any]:
    """Shown to the association once it has accepted, and only then."""
    from ..services.mails import structure_label

    f = request["fields"]
    name = " ".join(p for p in (f.get("first_name"), f.get("last_name")) if p) or None
    referent = request.get("referent")
    return {
        "youth_name": name,
        "youth_email": f.get("email"),
        "youth_phone": f.get("phone"),
        "referent": None
        if not referent
        else {
            "name": referent.get("name"),
            "email": referent.get("email"),
            "phone": referent.get("phone"),
            "structure_name": referent.get("structure_name"),
            "structure_label": structure_label(referent),
        },
    }


def validate(data: dict[str, Any], json: bool = False) -> Submission:
    """The contract's rules, a postal code that exists in the official data included
    (`json`: a JSON body, whose types are exact)."""
    return parse_submission(data, json=json)


class Views:
    def __init__(self, services: Any):
        self.s = services
        self.settings = services.settings

    # -- pages -----------------------------------------------------------------------

    def _page(self, name: str, status: int = 200, **context: Any) -> Response:
        body = render_page(name, site=self.settings, **context)  # `site`: the footer's network name
        return Response(body=body, status_code=status, headers=security.page_headers(self.settings))

    # -- pages a person can land on ----------------------------------------------------

    def home(self) -> Response:
        return self._page("home", page_title="Trouver un mentor")

    LEGAL_PAGES = {
        "legal_notice": "Mentions légales",
        "privacy": "Données personnelles",
        "accessibility": "Accessibilité",
    }

    def legal_page(self, name: str) -> Response:
        """Their texts come from the settings (config.py): each deployment states its own."""
        return self._page(name, page_title=self.LEGAL_PAGES[name])

    def not_found(self, request: Any) -> Response:
        """Any path no route serves: a French page, or JSON under /api/ (API Gateway's own
        answer would be 403 "Missing Authentication Token")."""
        rest = (request.uri_params or {}).get("proxy") or ""
        if rest == "api" or rest.startswith("api/"):
            return _json({"errors": [{"field": "path", "message": "no such resource"}]}, 404)
        return self._page("not_found", 404, page_title="Page introuvable")

    def favicon(self) -> Response:
        return self.static("favicon.svg")

    def error_page(
        self, status: int, heading: str, message: str, back_url: Optional[str] = None, back_label: Optional[str] = None
    ) -> Response:
        return self._page(
            "error", status, page_title=f"Erreur : {heading}", heading=heading, message=message,
            back_url=back_url, back_label=back_label,
        )

    def form_page(self, kind: str, request: Any) -> Response:
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
        return self._page(
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

    def form_post(self, kind: str, request: Any) -> Response:
        raw = request.raw_body or b""
        if len(raw) > security.MAX_FORM_BYTES:
            return self.error_page(413, "Demande trop longue", "Le formulaire envoyé est trop long. Raccourcissez le message et réessayez.")
        if not security.cross_site_post_allowed(request.headers, self.settings):
            path = FORM_KINDS[kind]["path"]
            return self.error_page(
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
            return self.error_page(refused.status, "Formulaire refusé", refused.french, FORM_KINDS[kind]["path"], "Ouvrir le formulaire")
        return_to = security.safe_return_url(values.get("return_to"), self.settings)
        path = FORM_KINDS[kind]["path"]
        if values.get("website"):
            # Honeypot filled: a robot. Look like success, store and send nothing.
            return self._redirect_thanks(path, new_reference(), return_to)
        try:
            submission = validate(forms.submission_data(values, kind))
        except InvalidSubmission as exc:
            return self._form(kind, values, exc.errors, 422, return_to)
        sid = (values.get("submission_id") or "").strip()[:100]
        idem = Idempotency.of_form(sid) if sid else None
        try:
            new = NewRequest.from_submission(submission, FORM_KINDS[kind]["channel"])
            result = self.s.submit(new, idem, self._rate_key(request))
        except RateLimited:
            return self._too_many(page=True)
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

    def thanks_page(self, kind: str, request: Any) -> Response:
        ref = (request.query_params or {}).get("ref", "")
        if not REFERENCE_RE.match(ref):
            return self.error_page(404, "Référence inconnue", "Cette page de confirmation n'existe pas.", FORM_KINDS[kind]["path"])
        return self._page("thanks", page_title="Demande enregistrée", form_kind=kind, reference=ref)

    # -- the association's answer (links in its mails) -------------------------------

    LINK_ERRORS = {
        "invalid": (400, "Lien invalide", "Ce lien n'est pas valide. Utilisez le lien reçu par e-mail, sans le modifier."),
        "expired": (410, "Lien expiré", "Ce lien a expiré. Écrivez à l'équipe du réseau en indiquant la référence de la demande."),
        "unknown": (404, "Demande introuvable", "Cette demande n'existe plus : elle a été close ou ses données ont été effacées."),
    }

    def _link_error(self, why: str) -> Response:
        status, heading, message = self.LINK_ERRORS[why]
        return self.error_page(status, heading, message)

    def answer_page(self, token: str, request: Any) -> Response:
        from ..adapters.links import InvalidLink
        from ..services.answers import UnknownRequest

        try:
            view = self.s.answers.view(token)
        except InvalidLink as bad:
            return self._link_error(bad.why)
        except UnknownRequest:
            return self._link_error("unknown")
        return self._answer(view, token)

    def answer_post(self, token: str, request: Any) -> Response:
        from ..adapters.links import InvalidLink
        from ..services.answers import InvalidAnswer, UnknownRequest

        raw = request.raw_body or b""
        if len(raw) > security.MAX_FORM_BYTES:
            return self.error_page(413, "Envoi trop long", "Le texte envoyé est trop long.")
        try:
            values = forms.parse_form_body(raw)
        except BodyRefused as refused:
            return self.error_page(refused.status, "Réponse refusée", refused.french, f"/reponse/{token}", "Rouvrir la demande")
        if not security.cross_site_post_allowed(request.headers, self.settings) or not self.s.links.csrf_ok(
            token, values.get("csrf", "")
        ):
            return self.error_page(
                403,
                "Envoi refusé",
                "Pour votre sécurité, cette réponse n'a pas été prise en compte : elle doit être envoyée depuis la "
                "page ouverte par le lien reçu par e-mail. Rouvrez ce lien, puis cliquez à nouveau sur "
                "« Accepter » ou « Refuser ».",
                f"/reponse/{token}",
                "Rouvrir la demande",
            )
        decision = values.get("decision")
        try:
            if decision == "accept":
                view = self.s.answers.accept(token)
            elif decision == "decline":
                view = self.s.answers.decline(token, values.get("reason"), values.get("comment"))
            else:
                return self.error_page(400, "Réponse incomprise", "Choisissez « Accepter » ou « Refuser ».")
        except InvalidLink as bad:
            return self._link_error(bad.why)
        except UnknownRequest:
            return self._link_error("unknown")
        except InvalidAnswer as wrong:
            view = self.s.answers.view(token)
            return self._answer(view, token, [FieldError(field=wrong.field, message=wrong.message)], 422)
        return self._answer(view, token)

    def _answer(self, view: Any, token: str, errors: Optional[list[FieldError]] = None, status: int = 200) -> Response:
        from ..services.answers import DECLINE_REASONS
        from ..services.mails import request_facts

        request = view.request
        facts = {**request_facts(request), "received_at": _french_date(request["created_at"])}
        contact = contact_details(request) if view.state == "accepted" else None
        name = view.association.name if view.association else "votre association"
        return self._page(
            "answer",
            status,
            page_title=("Erreur : " if errors else "") + f"Demande de mentorat {request['reference']}",
            association_name=name,
            reference=request["reference"],
            state=view.state,
            just_done=view.just_done,
            request=facts,
            contact=contact,
            action=f"/reponse/{token}",
            csrf=self.s.links.csrf_for(token),
            answer_by=self._answer_deadline(request) if view.state == "open" else None,
            decline_reasons=list(DECLINE_REASONS),
            errors=errors or [],
        )

    STATIC_TYPES = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}

    def _answer_deadline(self, request: dict[str, Any]) -> Optional[str]:
        """The day after which silence sends the request to another association
        (AnswerService.sweep_silence: REROUTE_DAYS after it was routed here)."""
        assigned = request.get("assigned_at")
        if assigned is None:
            return None
        return french_long_date(int(assigned) + self.settings.reroute_days * 86400)

    def static(self, name: str) -> Response:
        kind = self.STATIC_TYPES.get(name[name.rfind(".") :] if "." in name else "")
        try:
            body = static_file(name) if kind else None
        except FileNotFoundError:
            body = None
        if body is None:
            return self._page("not_found", 404, page_title="Page introuvable")
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

    def _too_many(self, page: bool) -> Response:
        retry = {"Retry-After": str(self.settings.rate_limit_seconds)}
        if page:
            response = self.error_page(
                429, "Trop de demandes", "Trop de demandes ont été envoyées depuis cette connexion. Réessayez dans quelques minutes."
            )
            response.headers.update(retry)
            return response
        return _json({"errors": [{"field": "body", "message": "too many submissions from this address"}]}, 429, retry)

    def _rate_key(self, request: Any) -> Optional[str]:
        if security.is_trusted_submitter(request.headers, self.settings):
            return None
        ip = ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"
        return security.client_key(ip, self.settings)

    # -- JSON API ----------------------------------------------------------------------

    def api_submit(self, request: Any) -> Response:
        raw = request.raw_body or b""
        if len(raw) > security.MAX_API_BYTES:
            return _json({"errors": [{"field": "body", "message": "body larger than 64 KiB"}]}, 413)
        if not security.cross_site_post_allowed(request.headers, self.settings):
            # A browser page elsewhere can post a text/plain body here without a preflight.
            return _json({"errors": [{"field": "Origin", "message": "cross-site submissions only from partner origins"}]}, 403)
        try:
            body = parse_json(raw, MAX_API_BYTES)
        except BodyRefused as refused:
            return _json(refused.api_errors(), refused.status)
        if not isinstance(body, dict):
            return _json({"errors": [{"field": "body", "message": "a JSON object is expected"}]}, 400)
        try:
            submission = validate(body, json=True)
        except InvalidSubmission as exc:
            return _api_errors(exc.errors)
        key = (request.headers.get("idempotency-key") or "").strip()
        idem = Idempotency.of_api(key[:200], body) if key else None
        try:
            result = self.s.submit(NewRequest.from_submission(submission, Channel.API), idem, self._rate_key(request))
        except RateLimited:
            return self._too_many(page=False)
        except IdempotencyConflict:
            return _json({"errors": [{"field": "Idempotency-Key", "message": "key already used with another body"}]}, 409)
        return _json(result.as_response(), 201)

    def _admin_only(self, request: Any) -> Optional[Response]:
        if not security.is_admin(request.headers, self.settings):
            return _json({"errors": [{"field": "Authorization", "message": "admin token required"}]}, 401, {"WWW-Authenticate": "Bearer"})
        return None

    def api_get_request(self, request: Any, id_or_reference: str) -> Response:
        if (denied := self._admin_only(request)) is not None:
            return denied
        found = self.s.requests.get(id_or_reference)
        if found is None:
            return _json({"errors": [{"field": "id", "message": "no such request"}]}, 404)
        return _json(found)

    def api_list_requests(self, request: Any) -> Response:
        if (denied := self._admin_only(request)) is not None:
            return denied
        q = request.query_params or {}
        status = q.get("status")
        if status is not None and status not in {s.value for s in Status}:
            return _json({"errors": [{"field": "status", "message": f"one of {[s.value for s in Status]}"}]}, 422)
        limit_text = q.get("limit", str(DEFAULT_PAGE))
        if not LIMIT_RE.fullmatch(limit_text) or not 1 <= int(limit_text) <= MAX_PAGE:
            return _json({"errors": [{"field": "limit", "message": f"a whole number from 1 to {MAX_PAGE}"}]}, 422)
        try:
            items, cursor = self.s.requests.list(status, q.get("association"), int(limit_text), q.get("cursor"))
        except ValueError:
            # The query names the page: a cursor we did not issue names no page (404, as for
            # any unknown resource), rather than a malformed request.
            return _json({"errors": [{"field": "cursor", "message": "no such page: use the `next` value of a page"}]}, 404)
        return _json({"items": items, "next": cursor})

    def api_put_directory(self, request: Any) -> Response:
        if (denied := self._admin_only(request)) is not None:
            return denied
        try:
            body = parse_json(request.raw_body or b"", MAX_DIRECTORY_BYTES)
        except BodyRefused as refused:
            return _json(refused.api_errors(), refused.status)
        if not isinstance(body, dict) or "associations" not in body:
            return _json({"errors": [{"field": "associations", "message": "missing"}]}, 422)
        try:
            count = self.s.directory.replace(body["associations"])
        except InvalidDirectory as exc:
            return _json({"errors": exc.errors}, 422)
        return _json({"count": count})

    def api_get_directory(self, request: Any) -> Response:
        if (denied := self._admin_only(request)) is not None:
            return denied
        # `flags`: addresses whose mail bounced, for an operator to correct the directory.
        return _json({"associations": self.s.directory.entries(), "flags": self.s.store.address_flags()})

    def api_quarantine(self, request: Any) -> Response:
        """Inbound mail that could not be parsed, newest first, with the reason."""
        if (denied := self._admin_only(request)) is not None:
            return denied
        return _json({"items": self.s.store.list_quarantine(self.s.clock.now().epoch, 100)})

    def api_outbox(self, request: Any) -> Response:
        """Mails given up (`?state=failed`, the only state listed), newest first."""
        if (denied := self._admin_only(request)) is not None:
            return denied
        if (request.query_params or {}).get("state", "failed") != "failed":
            return _json({"errors": [{"field": "state", "message": "only 'failed' is listed"}]}, 422)
        return _json({"items": self.s.outbox.failed_mails(100)})

    def openapi(self) -> Response:
        from .openapi import openapi_document

        return _json(openapi_document())

    def health(self) -> Response:
        ok = self.s.healthy()
        return _json({"status": "ok" if ok else "unavailable"}, 200 if ok else 503)

