"""The mails of a volunteer's sign-up (docs/contract.md §11), composed from the stored record.

As services/mails.py for requests: rendered before the transaction that stores them in
the outbox. The association's mails hold the volunteer's profile and never their email
address or phone number; those are on the answer page once the association accepts.
"""

from __future__ import annotations

from typing import Any

from ..domain.mentor_vocabulary import MentorMode, Occupation, YouthAgeBand
from ..domain.text import redact_contacts
from ..domain.vocabulary import Need
from .mails import RecordMails
from .ports import OutgoingMail


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


class MentorMails(RecordMails):
    """A sign-up's mails (services/mails.py renders every kind's alike): what is the
    volunteer's own is the profile and the acknowledgement."""

    link_kind = "mentor"
    acknowledgement_kind = "mentor_acknowledgement"

    def facts(self, record: dict[str, Any]) -> dict[str, Any]:
        return mentor_profile(record)

    # No Reply-To the intake address (`_reply_to` stays None): mail intake makes youth
    # requests of what reaches it, and a volunteer's reply is not one. Questions go to the
    # network's contact.
    def acknowledgement(self, record: dict[str, Any], to: str) -> OutgoingMail:
        context = {
            "reference": record["reference"],
            "first_name": record["fields"].get("first_name"),
            "routed": record.get("association") is not None,
            "retention_days": self.settings.mentor_retention_days,
            "contact": self.settings.legal_publisher_contact,
        }
        return self._mail(self.acknowledgement_kind, context, to, record)
