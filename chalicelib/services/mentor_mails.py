"""The mails of a volunteer's sign-up (docs/contract.md §11), composed from the stored record.

As services/mails.py for requests: rendered before the transaction that stores them in
the outbox. The association's mails hold the volunteer's profile and never their email
address or phone number; those are on the answer page once the association accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..config import Settings
from ..domain.mentor import MentorSignup
from ..domain.mentor_vocabulary import MentorMode, Occupation, YouthAgeBand
from ..domain.models import Association
from ..domain.request import MailIntent
from ..domain.text import redact_contacts
from ..domain.vocabulary import Need
from .mails import RenderMail, compose_mail
from .ports import Assignment, OutgoingMail


def mentor_profile(signup: dict[str, Any]) -> dict[str, Any]:
    """What an association may know of a volunteer before it accepts: no contact detail."""
    f = signup["fields"]
    place = signup.get("place") or {}
    return {
        "age": f.get("age"),
        "commune": place.get("commune_name"),
        "postal_code": f.get("postal_code"),
        "occupation": Occupation(f["occupation"]).label if f.get("occupation") else None,
        "modes": [MentorMode(m).label for m in f.get("modes") or []],
        "hours_per_month": f.get("hours_per_month"),
        "youth_ages": [YouthAgeBand(b).label for b in f.get("youth_ages") or []],
        "needs": [Need(n).label for n in f.get("needs") or []],
        "sector": f.get("sector"),
        "message": redact_contacts(f.get("message")),
    }


class MentorMails:
    def __init__(self, render_mail: RenderMail, settings: Settings, answer_url: Callable[[Assignment], str]):
        self.render_mail = render_mail
        self.settings = settings
        self.answer_url = answer_url

    def _mail(
        self, template: str, context: dict[str, Any], to: str, signup: dict[str, Any], reply_to: str | None = None
    ) -> OutgoingMail:
        # The outbox notes a mail given up on the record of this id; a sign-up's id
        # names no request, so that note is skipped rather than misfiled.
        return compose_mail(self.render_mail, self.settings, template, context, to, signup, reply_to=reply_to)

    def _link(self, signup: dict[str, Any], association: Association, attempt: int) -> str:
        return self.answer_url(Assignment(signup["id"], association.id, attempt, kind="mentor"))

    def render(self, intent: MailIntent, signup: MentorSignup) -> OutgoingMail:
        record = signup.to_record()
        to = signup.volunteer_address()
        if intent.kind == "mentor_association_new_signup" and intent.association:
            context = {
                **mentor_profile(record),
                "reference": record["reference"],
                "association_name": intent.association.name,
                "answer_url": self._link(record, intent.association, intent.attempt),
            }
            return self._mail(intent.kind, context, intent.association.emails[0], record)
        if intent.kind == "mentor_reminder" and intent.association:
            context = {
                "reference": record["reference"],
                "association_name": intent.association.name,
                "answer_url": self._link(record, intent.association, intent.attempt),
                "days_waiting": intent.days_waiting,
                "reroute_in_days": max(self.settings.reroute_days - intent.days_waiting, 1),
            }
            return self._mail(intent.kind, context, intent.association.emails[0], record)
        # No Reply-To the intake address: mail intake makes youth requests of what reaches
        # it, and a volunteer's reply is not one. Questions go to the network's contact.
        reply_to = None
        if intent.kind == "mentor_acknowledgement" and to:
            context = {
                "reference": record["reference"],
                "first_name": record["fields"].get("first_name"),
                "routed": record.get("association") is not None,
                "retention_days": self.settings.mentor_retention_days,
                "contact": self.settings.legal_publisher_contact,
            }
            return self._mail(intent.kind, context, to, record, reply_to)
        if intent.kind == "mentor_accepted" and intent.association and to:
            context = {
                "reference": record["reference"],
                "first_name": record["fields"].get("first_name"),
                "association_name": intent.association.name,
                "association_email": intent.association.emails[0],
            }
            return self._mail(intent.kind, context, to, record, reply_to)
        raise ValueError(f"no mail for {intent.kind}")
