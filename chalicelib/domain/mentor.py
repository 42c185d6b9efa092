"""A volunteer's sign-up to mentor, and every way its status changes (contract section 11).

The twin of domain/request.py for volunteers: each transition returns a `MentorChange`
(new state, timeline events, mails to send as `MailIntent`s, mentor load counter moves),
which the service commits in one conditional transaction. Statuses are the requests'
(`needs_triage`, `routed`, `accepted`, `closed`).

Retention: a sign-up nobody accepted is erased `mentor_retention_days` after it was made
(`expires_at`, set by the service); an accepted one is kept as long as a request is
(`keep_until`, given to `accept`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional

from .mentor_routing import MentorQuery, MentorRoutingDecision
from .mentor_vocabulary import MentorMode, YouthAgeBand
from .models import Association
from .reference import REFERENCE_ALPHABET
from .change import Event, InvalidTransition, LoadChange, MailIntent, Moment
from .territory import Place
from .vocabulary import Need, Status

MENTOR_REFERENCE_PREFIX = "BEN"  # bénévole: told apart from a request's MNT- at a glance


def new_mentor_reference() -> str:
    """BEN-XXXX-XXXX: the contract's reference shape, [A-Z0-9-]{6,24}."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(8)]
    return f"{MENTOR_REFERENCE_PREFIX}-{''.join(chars[:4])}-{''.join(chars[4:])}"


@dataclass(frozen=True)
class MentorChange:
    """What one transition does: committed whole, or not at all."""

    before: "MentorSignup"
    after: "MentorSignup"
    events: tuple[Event, ...]
    mails: tuple[MailIntent, ...] = ()
    load: tuple[LoadChange, ...] = ()


_KNOWN = {
    "id", "reference", "channel", "status", "created_at", "updated_at", "fields", "place", "association_id",
    "association", "routing", "triage_reason", "attempt", "assigned_at", "reminded_at", "accepted_at", "declined",
    "events", "expires_at",
}


@dataclass(frozen=True)
class MentorSignup:
    id: str
    reference: str
    channel: str  # "form" or "api"
    status: Status
    created_at: str
    updated_at: str
    fields: Mapping[str, Any]
    expires_at: int
    place: Optional[Mapping[str, Any]] = None
    association_id: Optional[str] = None
    association_name: Optional[str] = None
    routing: Optional[Mapping[str, Any]] = None
    triage_reason: Optional[str] = None
    attempt: int = 0
    assigned_at: Optional[int] = None
    reminded_at: Optional[int] = None
    accepted_at: Optional[str] = None
    declined: tuple[str, ...] = ()
    events: tuple[Mapping[str, Any], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    # -- the stored record -------------------------------------------------------------

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "MentorSignup":
        association = record.get("association") or {}
        return cls(
            id=record["id"],
            reference=record["reference"],
            channel=record["channel"],
            status=Status(record["status"]),
            created_at=record["created_at"],
            updated_at=record.get("updated_at") or record["created_at"],
            fields=record.get("fields") or {},
            expires_at=int(record.get("expires_at") or 0),
            place=record.get("place"),
            association_id=record.get("association_id"),
            association_name=association.get("name"),
            routing=record.get("routing"),
            triage_reason=record.get("triage_reason"),
            attempt=int(record.get("attempt") or 0),
            assigned_at=record.get("assigned_at"),
            reminded_at=record.get("reminded_at"),
            accepted_at=record.get("accepted_at"),
            declined=tuple(record.get("declined") or ()),
            events=tuple(record.get("events") or ()),
            extra={k: v for k, v in record.items() if k not in _KNOWN},
        )

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            **self.extra,
            "id": self.id,
            "reference": self.reference,
            "channel": self.channel,
            "status": self.status.value,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "fields": dict(self.fields),
            "place": self.place,
            "association_id": self.association_id,
            "association": {"id": self.association_id, "name": self.association_name} if self.association_id else None,
            "routing": self.routing,
            "triage_reason": self.triage_reason,
            "declined": list(self.declined),
            "reminded_at": self.reminded_at,
            "expires_at": self.expires_at,
            "events": list(self.events),
        }
        if self.attempt:
            record["attempt"] = self.attempt
        if self.assigned_at is not None:
            record["assigned_at"] = self.assigned_at
        if self.accepted_at:
            record["accepted_at"] = self.accepted_at
        return record

    # -- what routing reads ------------------------------------------------------------

    def routing_query(self) -> MentorQuery:
        f = self.fields
        place = Place(**self.place) if self.place else None
        return MentorQuery(
            needs=tuple(Need(n) for n in f.get("needs") or ()),
            youth_ages=tuple(YouthAgeBand(b) for b in f.get("youth_ages") or ()),
            modes=tuple(MentorMode(m) for m in f.get("modes") or ()),
            commune=place.commune_code if place else None,
            departement=place.departement if place else None,
            region=place.region if place else None,
        )

    def excluding(self, association_id: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.declined, association_id]))

    def volunteer_address(self) -> Optional[str]:
        return self.fields.get("email")

    # -- the association's link --------------------------------------------------------

    def answer_state(self, association_id: str, attempt: int) -> str:
        """What the link of one routing shows: open, accepted, declined or elsewhere."""
        if self.association_id == association_id and self.attempt == attempt:
            return {Status.ROUTED: "open", Status.ACCEPTED: "accepted"}.get(self.status, "elsewhere")
        if association_id in self.declined:
            return "declined"
        return "elsewhere"

    def answer_deadline(self, reroute_days: int) -> Optional[int]:
        if self.assigned_at is None:
            return None
        return int(self.assigned_at) + reroute_days * 86400

    # -- transitions -------------------------------------------------------------------

    def first_routing(
        self, decision: MentorRoutingDecision, association: Optional[Association], at: Moment
    ) -> MentorChange:
        """A new sign-up: received, then routed or sent to triage; the volunteer gets an
        acknowledgement with the reference either way."""
        received = Event(at.iso, "received", self.channel, {})
        change = self._routed(decision, association, at, (received,), releasing=None)
        ack = (MailIntent("mentor_acknowledgement"),) if self.volunteer_address() else ()
        return replace(change, mails=(*change.mails, *ack))

    def accept(self, association: Association, at: Moment, keep_until: int) -> MentorChange:
        """The routed association takes the volunteer: it sees the contact details from now
        on, the volunteer is told who will call, and the sign-up is kept until `keep_until`."""
        self._require(Status.ROUTED)
        if association.id != self.association_id:
            raise InvalidTransition(f"{self.reference} waits on {self.association_id}, not {association.id}")
        after = replace(
            self, status=Status.ACCEPTED, accepted_at=at.iso, updated_at=at.iso, expires_at=max(self.expires_at, keep_until)
        )
        mails = (MailIntent("mentor_accepted", association),) if self.volunteer_address() else ()
        return MentorChange(
            self, after, (Event(at.iso, "accepted", association.id, {}),), mails, (LoadChange(association.id, -1),)
        )

    def decline(
        self, reason: str, comment: str, decision: MentorRoutingDecision, association: Optional[Association], at: Moment
    ) -> MentorChange:
        """The routed association declines: the next candidate (`decision`), or triage."""
        self._require(Status.ROUTED)
        declined = Event(at.iso, "declined", self.association_id or "", {"reason": reason, "comment": comment})
        return self._onward((declined,), decision, association, at)

    def reroute_for_silence(
        self, decision: MentorRoutingDecision, association: Optional[Association], at: Moment
    ) -> MentorChange:
        """No answer after the delay: on as if declined."""
        self._require(Status.ROUTED)
        event = Event(at.iso, "rerouted", "system", {"association": self.association_id, "reason": "no answer"})
        return self._onward((event,), decision, association, at)

    def remind(self, days_waiting: int, association: Association, at: Moment) -> MentorChange:
        """The association has not answered yet: one reminder, with the same link."""
        self._require(Status.ROUTED)
        after = replace(self, reminded_at=at.epoch, updated_at=at.iso)
        event = Event(at.iso, "reminded", "system", {"association": association.id})
        return MentorChange(
            self, after, (event,), (MailIntent("mentor_reminder", association, self.attempt, days_waiting),)
        )

    # -- shared ------------------------------------------------------------------------

    def _require(self, status: Status) -> None:
        if self.status != status:
            raise InvalidTransition(f"{self.reference} is {self.status.value}, not {status.value}")

    def _onward(
        self, events: tuple[Event, ...], decision: MentorRoutingDecision, association: Optional[Association], at: Moment
    ) -> MentorChange:
        leaving = self.association_id
        moved = replace(self, declined=self.excluding(leaving) if leaving else self.declined, reminded_at=None)
        return moved._routed(decision, association, at, events, releasing=leaving, before=self)

    def _routed(
        self,
        decision: MentorRoutingDecision,
        association: Optional[Association],
        at: Moment,
        events: tuple[Event, ...],
        releasing: Optional[str],
        before: Optional["MentorSignup"] = None,
    ) -> MentorChange:
        load = [LoadChange(releasing, -1)] if releasing else []
        common = dict(updated_at=at.iso, routing=decision.as_dict(), triage_reason=decision.reason)
        if association is not None:
            attempt = self.attempt + 1
            after = replace(
                self, status=Status.ROUTED, association_id=association.id, association_name=association.name,
                attempt=attempt, assigned_at=at.epoch, **common,
            )
            step = Event(at.iso, "routed", "routing", {"association": association.id})
            mails: tuple[MailIntent, ...] = (MailIntent("mentor_association_new_signup", association, attempt),)
            load.append(LoadChange(association.id, 1, association.mentor_capacity))
        else:
            after = replace(self, status=Status.NEEDS_TRIAGE, association_id=None, association_name=None, **common)
            step = Event(at.iso, "needs_triage", "routing", {"reason": decision.reason})
            mails = ()
        return MentorChange(before or self, after, (*events, step), mails, tuple(load))
