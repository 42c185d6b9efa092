"""The volunteer's pages: `/devenir-mentor`, its post and its thank-you page (docs/contract.md §11).

The same door as the youth's form (web/form_door.py serves both): body limits, the
cross-site check, the honeypot, the submission id issued with the form, the per-IP limit,
503 with the form kept as typed; only the fields and the use case differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from chalice import Response

from ..config import Settings
from ..domain.mentor import new_mentor_reference
from ..domain.mentor_submission import parse_mentor_submission
from ..domain.mentor_vocabulary import MentorMode, Occupation, YouthAgeBand
from ..domain.submission import FieldError
from ..domain.vocabulary import Need
from . import forms, security
from .form_door import form_page, post_form, thanks_page

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.mentors import MentorService

MENTOR_PATH = "/devenir-mentor"
MENTOR_TITLE = "Devenir mentor"
TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "age",
    "postal_code",
    "city",
    "occupation",
    "hours_per_month",
    "sector",
    "message",
)
LIST_FIELDS = ("modes", "youth_ages", "needs")
BOXES = ("commitment", "consent")
# Order of the fields on the page, for the error summary.
PAGE_ORDER = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "age",
    "postal_code",
    "city",
    "occupation",
    "sector",
    "modes",
    "hours_per_month",
    "youth_ages",
    "needs",
    "message",
    "commitment",
    "consent",
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
        return self._form(
            {name: [] for name in LIST_FIELDS}, [], 200, security.safe_return_url(query.get("return_to"), self.settings)
        )

    def _form(
        self,
        values: dict[str, Any],
        errors: list[FieldError],
        status: int,
        return_to: str | None,
        unavailable: bool = False,
    ) -> Response:
        return form_page(
            self.settings,
            "mentor_form",
            MENTOR_TITLE,
            MENTOR_PATH,
            PAGE_ORDER,
            values,
            errors,
            status,
            return_to,
            unavailable,
            choices=CHOICES,
            field_labels=FIELD_LABELS,
        )

    def form_post(self, request: Request) -> Response:
        return post_form(
            self.settings,
            request,
            path=MENTOR_PATH,
            too_long_title="Envoi trop long",
            read=form_values,
            parse=lambda values: parse_mentor_submission(submission_data(values)),
            store=lambda submission, idempotency, rate_key: self.mentors.sign_up(
                submission, "form", idempotency, rate_key
            ),
            new_reference=new_mentor_reference,
            show_form=self._form,
        )

    def thanks_page(self, request: Request) -> Response:
        return thanks_page(self.settings, request, MENTOR_PATH, "mentor_thanks", "Candidature enregistrée")
