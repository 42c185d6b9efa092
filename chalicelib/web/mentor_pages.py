"""The volunteer's pages: `/devenir-mentor`, its post and its thank-you page (docs/contract.md §11).

The same door as the youth's form (web/form_door.py serves both): body limits, the
cross-site check, the honeypot, the submission id issued with the form, the per-IP limit,
503 with the form kept as typed; only the fields and the use case differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..domain.mentor_submission import MentorSubmission, parse_mentor_submission
from ..domain.mentor_vocabulary import MentorMode, Occupation, YouthAgeBand
from ..domain.record_kind import VOLUNTEER
from ..domain.vocabulary import Need
from . import forms
from .form_door import AnonymousForm, FormRoom, ThanksPage

if TYPE_CHECKING:
    from ..services.intake import Idempotency, IntakeResult
    from ..services.mentors import MentorService

MENTOR_PATH = "/devenir-mentor"
MENTOR_TITLE = "Devenir mentor"
TEXT_FIELDS = forms.PERSON_FIELDS + ("occupation", "hours_per_month", "sector", "message")
LIST_FIELDS = ("modes", "youth_ages", "needs")
BOXES = ("commitment", "consent")
# Order of the fields on the page, for the error summary: what the volunteer offers
# after who they are.
OFFER = ("occupation", "sector", "modes", "hours_per_month", "youth_ages", "needs")
PAGE_ORDER = forms.PERSON_FIELDS + OFFER + ("message",) + BOXES
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


def submission_data(values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as the API takes them: a box ticked is True, an empty field absent."""
    data = {name: value for name, value in forms.typed_fields(values, TEXT_FIELDS).items() if value not in (None, "")}
    for name in LIST_FIELDS:
        data[name] = list(values.get(name) or [])
    for name in BOXES:
        data[name] = values.get(name) == "on"
    return data


MENTOR_FORM = AnonymousForm(
    path=MENTOR_PATH,
    title=MENTOR_TITLE,
    template="mentor_form",
    page_order=PAGE_ORDER,
    empty={name: [] for name in LIST_FIELDS},
    read=form_values,
    parse=lambda values: parse_mentor_submission(submission_data(values)),
    kind=VOLUNTEER,
    too_long_title="Envoi trop long",
    thanks=ThanksPage("mentor_thanks", "Candidature enregistrée"),
    context={"choices": CHOICES, "field_labels": FIELD_LABELS},
)


@dataclass(frozen=True, kw_only=True)
class MentorPages(FormRoom):
    """The volunteer's form, served as the others are (web/form_door.py)."""

    mentors: MentorService
    FORMS = {"mentor": MENTOR_FORM}

    def _store(
        self, kind: str, submission: MentorSubmission, idempotency: Idempotency | None, rate_key: str | None
    ) -> IntakeResult:
        return self.mentors.sign_up(submission, "form", idempotency, rate_key)
