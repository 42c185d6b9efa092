"""The volunteer's pages: `/devenir-mentor`, its post and its thank-you page (contract 11).

The same door as the youth's form (web/pages.py): body limits, the cross-site check, the
honeypot, the submission id issued with the form, the per-IP limit, 503 with the form
kept as typed; only the fields and the use case differ.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import parse_qsl, urlencode

from chalice import Response

from ..config import Settings
from ..domain.mentor import new_mentor_reference
from ..domain.mentor_submission import parse_mentor_submission
from ..domain.mentor_vocabulary import MentorMode, Occupation, YouthAgeBand
from ..domain.reference import is_reference
from ..domain.submission import FieldError, InvalidSubmission
from ..domain.vocabulary import Need
from ..services.intake import Idempotency, RateLimited
from ..services.ports import StorageUnavailable
from . import forms, security
from .boundary import RETRY_AFTER_SECONDS
from .parsing import MAX_FORM_BYTES, BodyRefused
from .responses import error_page, page, too_many

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.mentors import MentorService

MENTOR_PATH = "/devenir-mentor"
MENTOR_TITLE = "Devenir mentor"
TEXT_FIELDS = (
    "first_name", "last_name", "email", "phone", "age", "postal_code", "city", "occupation", "hours_per_month",
    "sector", "message",
)
LIST_FIELDS = ("modes", "youth_ages", "needs")
BOXES = ("commitment", "consent")
# Order of the fields on the page, for the error summary.
PAGE_ORDER = (
    "first_name", "last_name", "email", "phone", "age", "postal_code", "city", "occupation", "sector", "modes",
    "hours_per_month", "youth_ages", "needs", "message", "commitment", "consent",
)
CHOICES = {
    "occupation": Occupation.choices(),
    "modes": MentorMode.choices(),
    "youth_ages": YouthAgeBand.choices(),
    "needs": Need.choices(),
}
# What each error-summary item names (RGAA 11.10), beside the youth form's labels.
FIELD_LABELS = {
    **forms.FIELD_LABELS,
    "occupation": "Votre situation",
    "sector": "Secteur ou métier",
    "modes": "Comment mentorer",
    "hours_per_month": "Heures par mois",
    "youth_ages": "Âges des jeunes",
    "needs": "Pour aider en",
    "commitment": "Engagement de 6 mois",
    "consent": "Accord",
}


def form_values(raw: bytes) -> dict[str, Any]:
    """Field -> value (the last one), the repeated boxes -> lists; parsing.BodyRefused
    over the limits (checked by the same parser as the other forms)."""
    values = forms.parse_form_body(raw)
    values.pop("publics", None)
    lists: dict[str, list[str]] = {name: [] for name in LIST_FIELDS}
    for key, value in parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True):
        if key in lists and value:
            lists[key].append(value)
    values.update(lists)
    return values


def _typed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def submission_data(values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as the API takes them: a box ticked is True, an empty field absent."""
    data: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = _typed(values.get(name))
        if value not in (None, ""):
            data[name] = value
    if isinstance(data.get("postal_code"), str):
        data["postal_code"] = "".join(data["postal_code"].split())
    for name in LIST_FIELDS:
        data[name] = list(values.get(name) or [])
    for name in BOXES:
        data[name] = values.get(name) == "on"
    return data


@dataclass(frozen=True, kw_only=True)
class MentorPages:
    settings: Settings
    mentors: MentorService

    def form_page(self, request: Request) -> Response:
        query = request.query_params or {}
        return self._form({name: [] for name in LIST_FIELDS}, [], 200, security.safe_return_url(query.get("return_to"), self.settings))

    def _form(
        self, values: dict[str, Any], errors: list[FieldError], status: int, return_to: Optional[str],
        unavailable: bool = False,
    ) -> Response:
        order = {name: i for i, name in enumerate(PAGE_ORDER)}
        shown: dict[str, str] = {}
        for e in errors:
            shown.setdefault(e.field, e.message)
        ordered = sorted((FieldError(field=f, message=m) for f, m in shown.items()), key=lambda e: order.get(e.field, len(order)))
        return page(
            self.settings,
            "mentor_form",
            status,
            page_title=f"Erreur : {MENTOR_TITLE}" if ordered else MENTOR_TITLE,
            action=MENTOR_PATH,
            values=values,
            errors=ordered,
            error_for=shown,
            choices=CHOICES,
            field_labels=FIELD_LABELS,
            submission_id=values.get("submission_id") or secrets.token_urlsafe(16),
            return_to=return_to,
            unavailable=unavailable,
        )

    def form_post(self, request: Request) -> Response:
        raw = request.raw_body or b""
        if len(raw) > MAX_FORM_BYTES:
            return error_page(
                self.settings, 413, "Envoi trop long",
                "Le formulaire envoyé est trop long. Raccourcissez le message et réessayez.",
            )
        if not security.cross_site_post_allowed(request.headers, self.settings):
            return error_page(
                self.settings, 403, "Envoi refusé",
                "Pour votre sécurité, ce formulaire n'a pas été accepté : il a été envoyé depuis une page "
                "qui n'est pas la nôtre. Rien n'a été enregistré. Ouvrez le formulaire directement sur notre "
                "site, remplissez-le à nouveau et envoyez-le.",
                MENTOR_PATH, "Ouvrir le formulaire",
            )
        try:
            values = form_values(raw)
        except BodyRefused as refused:
            return error_page(self.settings, refused.status, "Formulaire refusé", refused.french, MENTOR_PATH, "Ouvrir le formulaire")
        return_to = security.safe_return_url(values.get("return_to"), self.settings)
        if values.get("website"):
            # Honeypot filled: a robot. Look like success, store and send nothing.
            return self._redirect_thanks(new_mentor_reference(), return_to)
        try:
            submission = parse_mentor_submission(submission_data(values))
        except InvalidSubmission as exc:
            return self._form(values, exc.errors, 422, return_to)
        sid = (values.get("submission_id") or "").strip()[:100]
        idem = Idempotency.of_form(sid) if sid else None
        try:
            result = self.mentors.sign_up(submission, "form", idem, security.rate_key(request, self.settings))
        except RateLimited:
            return too_many(self.settings, as_page=True)
        except StorageUnavailable:
            response = self._form(values, [], 503, return_to, unavailable=True)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        return self._redirect_thanks(result.reference, return_to)

    def _redirect_thanks(self, reference: str, return_to: Optional[str]) -> Response:
        if return_to:
            sep = "&" if "?" in return_to else "?"
            location = f"{return_to}{sep}{urlencode({'ref': reference})}"
        else:
            location = f"{MENTOR_PATH}/merci?{urlencode({'ref': reference})}"
        return Response(body="", status_code=303, headers={**security.page_headers(self.settings), "Location": location})

    def thanks_page(self, request: Request) -> Response:
        ref = (request.query_params or {}).get("ref", "")
        if not is_reference(ref):
            return error_page(self.settings, 404, "Référence inconnue", "Cette page de confirmation n'existe pas.", MENTOR_PATH)
        return page(self.settings, "mentor_thanks", page_title="Candidature enregistrée", reference=ref)
