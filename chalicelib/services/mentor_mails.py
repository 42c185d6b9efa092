"""The mails of a volunteer's sign-up (docs/contract.md §11), composed from the stored record.

As services/mails.py for requests: rendered before the transaction that stores them in
the outbox. The association's mails hold the volunteer's profile and never their email
address or phone number; those are on the answer page once the association accepts.
"""

from __future__ import annotations

from typing import Any

from ..domain.mentor_vocabulary import MentorMode, Occupation, YouthAgeBand
from ..domain.record_kind import VOLUNTEER
from ..domain.vocabulary import Need
from .mails import RecordMails, shown_facts
from .ports import OutgoingMail


def mentor_profile(signup: dict[str, Any]) -> dict[str, Any]:
    """A volunteer's shown facts (services/mails.py shown_facts): their profile."""
    f = signup["fields"]
    return shown_facts(
        signup,
        occupation=Occupation.label_of(f.get("occupation")),
        modes=MentorMode.labels_of(f.get("modes")),
        hours_per_month=f.get("hours_per_month"),
        youth_ages=YouthAgeBand.labels_of(f.get("youth_ages")),
        needs=Need.labels_of(f.get("needs")),
        sector=f.get("sector"),
    )


class MentorMails(RecordMails):
    """A sign-up's mails (services/mails.py renders every kind's alike): what is the
    volunteer's own is the profile and the acknowledgement."""

    kind = VOLUNTEER

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
        return self._mail(self.kind.mails.acknowledgement, context, to, record)
