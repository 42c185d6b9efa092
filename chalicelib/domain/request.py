"""A request for a mentor, and every way its status changes (contract sections 6 to 10).

This is the one place where a request's status changes. Each transition is a method that
returns a `Change`: the new state, the timeline events to append, the mails to send (as
`MailIntent`s that the service layer renders) and the load counters to move. A service
loads a `Request`, calls one method, and commits the `Change` in one conditional
transaction, which storage refuses if the stored status or attempt moved meanwhile.

Routing itself (policy v1) is `domain.routing`; a transition that routes takes the
decision the service computed with `routing_query()` and the associations to leave out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional

from .change import Event, InvalidTransition, LoadChange, MailIntent, Moment
from .models import Association
from .routing import RoutingDecision, RoutingQuery
from .territory import Place
from .vocabulary import Need, Public, Situation, Status


@dataclass(frozen=True)
class Change:
    """What one transition does: committed whole, or not at all."""

    before: "Request"
    after: "Request"
    events: tuple[Event, ...]
    mails: tuple[MailIntent, ...] = ()
    load: tuple[LoadChange, ...] = ()


# The record's keys this entity knows; any other key is carried through untouched, so a
# record written by a newer version survives a change made by this one.
_KNOWN = {
    "id", "reference", "channel", "status", "created_at", "updated_at", "fields", "referent", "extraction",
    "inbound", "place", "association_id", "association", "routing", "triage_reason", "attempt", "assigned_at",
    "reminded_at", "accepted_at", "declined", "events", "expires_at", "manual", "closed_reason",
}

CLOSE_REASONS = {
    "duplicate": "Doublon",
    "unreachable": "Injoignable",
    "out_of_scope": "Hors du champ du réseau",
    "other": "Autre",
}


@dataclass(frozen=True)
class Request:
    id: str
    reference: str
    channel: str
    status: Status
    created_at: str
    updated_at: str
    fields: Mapping[str, Any]
    expires_at: int
    referent: Optional[Mapping[str, Any]] = None
    extraction: Optional[Mapping[str, Any]] = None
    inbound: Optional[Mapping[str, Any]] = None
    place: Optional[Mapping[str, Any]] = None
    association_id: Optional[str] = None
    association_name: Optional[str] = None
    routing: Optional[Mapping[str, Any]] = None
    triage_reason: Optional[str] = None
    attempt: int = 0  # how many times it was routed to an association
    assigned_at: Optional[int] = None
    reminded_at: Optional[int] = None
    accepted_at: Optional[str] = None
    declined: tuple[str, ...] = ()  # associations that declined it, or let it go unanswered
    manual: bool = False  # an operator chose the association: automatic re-routing leaves it
    closed_reason: Optional[str] = None
    events: tuple[Mapping[str, Any], ...] = ()  # the stored timeline, oldest first
    extra: Mapping[str, Any] = field(default_factory=dict)

    # -- the stored record -------------------------------------------------------------

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "Request":
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
            referent=record.get("referent"),
            extraction=record.get("extraction"),
            inbound=record.get("inbound"),
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
            manual=bool(record.get("manual")),
            closed_reason=record.get("closed_reason"),
            events=tuple(record.get("events") or ()),
            extra={k: v for k, v in record.items() if k not in _KNOWN},
        )

    def to_record(self) -> dict[str, Any]:
        """The record storage keeps (and the mails and pages read)."""
        record: dict[str, Any] = {
            **self.extra,
            "id": self.id,
            "reference": self.reference,
            "channel": self.channel,
            "status": self.status.value,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "fields": dict(self.fields),
            "referent": self.referent,
            "extraction": self.extraction,
            "inbound": self.inbound,
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
        if self.manual:
            record["manual"] = True
        if self.closed_reason:
            record["closed_reason"] = self.closed_reason
        return record

    # -- what routing reads ------------------------------------------------------------

    def routing_query(self) -> RoutingQuery:
        """What routing reads of a request: its fields and place, no contact detail."""
        f = self.fields
        place = Place(**self.place) if self.place else None
        return RoutingQuery(
            age=f.get("age"),
            situation=Situation(f["situation"]) if f.get("situation") else None,
            need=Need(f["need"]) if f.get("need") else None,
            publics=tuple(Public(p) for p in f.get("publics") or ()),
            commune=place.commune_code if place else None,
            departement=place.departement if place else None,
            region=place.region if place else None,
        )

    def excluding(self, association_id: str) -> tuple[str, ...]:
        """Who routing must leave out once `association_id` lets the request go."""
        return tuple(dict.fromkeys([*self.declined, association_id]))

    def requester_address(self) -> Optional[str]:
        """Who hears from us about it: the referent who asked, else the youth."""
        return (self.referent or {}).get("email") if self.referent else self.fields.get("email")

    # -- the association's link --------------------------------------------------------

    def answer_state(self, association_id: str, attempt: int) -> str:
        """What the link of one routing shows: open, accepted, declined or elsewhere."""
        if self.association_id == association_id and self.attempt == attempt:
            return {Status.ROUTED: "open", Status.ACCEPTED: "accepted"}.get(self.status, "elsewhere")
        if association_id in self.declined:
            return "declined"
        return "elsewhere"

    def answer_deadline(self, reroute_days: int) -> Optional[int]:
        """The epoch after which silence sends it to another association: `reroute_days`
        after it was routed to the present one (AnswerService.sweep_silence). None when
        no association holds it."""
        if self.assigned_at is None:
            return None
        return int(self.assigned_at) + reroute_days * 86400

    # -- transitions -------------------------------------------------------------------

    def first_routing(self, decision: RoutingDecision, association: Optional[Association], at: Moment) -> Change:
        """A new request: received, then routed or sent to triage."""
        received = Event(at.iso, "received", self.channel, {})
        return self._routed(decision, association, at, (received,), releasing=None)

    def accept(self, association: Association, at: Moment) -> Change:
        """The routed association takes it: contact details are its own from now on."""
        self._require(Status.ROUTED)
        if association.id != self.association_id:
            raise InvalidTransition(f"{self.reference} waits on {self.association_id}, not {association.id}")
        after = replace(self, status=Status.ACCEPTED, accepted_at=at.iso, updated_at=at.iso)
        mails = (MailIntent("requester_accepted", association),) if self.requester_address() else ()
        return Change(
            self, after, (Event(at.iso, "accepted", association.id, {}),), mails, (LoadChange(association.id, -1),)
        )

    def decline(
        self, reason: str, comment: str, decision: RoutingDecision, association: Optional[Association], at: Moment
    ) -> Change:
        """The routed association declines: the next candidate (`decision`), or triage."""
        self._require(Status.ROUTED)
        declined = Event(at.iso, "declined", self.association_id or "", {"reason": reason, "comment": comment})
        return self._onward((declined,), decision, association, at)

    def reroute_for_silence(self, decision: RoutingDecision, association: Optional[Association], at: Moment) -> Change:
        """No answer after the delay: on as if declined."""
        self._require(Status.ROUTED)
        event = Event(at.iso, "rerouted", "system", {"association": self.association_id, "reason": "no answer"})
        return self._onward((event,), decision, association, at)

    def bounce(
        self, address: str, reason: str, decision: RoutingDecision, association: Optional[Association], at: Moment
    ) -> Change:
        """The association's mail could not be delivered: on at once."""
        self._require(Status.ROUTED)
        event = Event(at.iso, "bounced", "mail", {"association": self.association_id, "address": address, "reason": reason})
        return self._onward((event,), decision, association, at)

    def remind(self, days_waiting: int, association: Association, at: Moment) -> Change:
        """The association has not answered yet: one reminder, with the same link."""
        self._require(Status.ROUTED)
        after = replace(self, reminded_at=at.epoch, updated_at=at.iso)
        event = Event(at.iso, "reminded", "system", {"association": association.id})
        return Change(self, after, (event,), (MailIntent("association_reminder", association, self.attempt, days_waiting),))

    # -- the operators' console (contract section 10) -----------------------------------

    def assign(self, association: Association, operator: str, reason: str, at: Moment, override_capacity: bool = False) -> Change:
        """An operator routes it to `association` by hand: mailed as usual, and sticky
        (re-routing a directory leaves it where the operator put it). Capacity holds
        unless an admin overrides it."""
        if self.status not in {Status.NEEDS_TRIAGE, Status.ROUTED}:
            raise InvalidTransition(f"{self.reference} is {self.status.value}: it cannot be assigned")
        previous = self.association_id if self.status == Status.ROUTED else None
        attempt = self.attempt + 1
        after = replace(
            self, status=Status.ROUTED, association_id=association.id, association_name=association.name,
            attempt=attempt, assigned_at=at.epoch, reminded_at=None, manual=True, triage_reason=None, updated_at=at.iso,
        )
        detail = {"association": association.id, "previous": previous, "reason": reason, "mode": "manual"}
        load = [LoadChange(previous, -1)] if previous else []
        load.append(LoadChange(association.id, 1, None if override_capacity else association.capacity))
        return Change(
            self, after, (Event(at.iso, "assigned", operator, detail),),
            (MailIntent("association_new_request", association, attempt),), tuple(load),
        )

    def close(self, operator: str, reason: str, at: Moment) -> Change:
        """An operator closes it (duplicate, unreachable, out of scope, other)."""
        if reason not in CLOSE_REASONS:
            raise InvalidTransition(f"unknown close reason {reason!r}")
        if self.status == Status.CLOSED:
            raise InvalidTransition(f"{self.reference} is closed already")
        load = (LoadChange(self.association_id, -1),) if self.status == Status.ROUTED and self.association_id else ()
        after = replace(self, status=Status.CLOSED, closed_reason=reason, updated_at=at.iso)
        return Change(self, after, (Event(at.iso, "closed", operator, {"reason": reason}),), (), load)

    # -- shared ------------------------------------------------------------------------

    def _require(self, status: Status) -> None:
        if self.status != status:
            raise InvalidTransition(f"{self.reference} is {self.status.value}, not {status.value}")

    def _onward(
        self, events: tuple[Event, ...], decision: RoutingDecision, association: Optional[Association], at: Moment
    ) -> Change:
        leaving = self.association_id
        moved = replace(self, declined=self.excluding(leaving) if leaving else self.declined, reminded_at=None)
        return moved._routed(decision, association, at, events, releasing=leaving, before=self)

    def _routed(
        self,
        decision: RoutingDecision,
        association: Optional[Association],
        at: Moment,
        events: tuple[Event, ...],
        releasing: Optional[str],
        before: Optional["Request"] = None,
    ) -> Change:
        load = [LoadChange(releasing, -1)] if releasing else []
        common = dict(updated_at=at.iso, routing=decision.as_dict(), triage_reason=decision.reason)
        if association is not None:
            attempt = self.attempt + 1
            after = replace(
                self, status=Status.ROUTED, association_id=association.id, association_name=association.name,
                attempt=attempt, assigned_at=at.epoch, **common,
            )
            step = Event(at.iso, "routed", "routing", {"association": association.id})
            mails: tuple[MailIntent, ...] = (MailIntent("association_new_request", association, attempt),)
            load.append(LoadChange(association.id, 1, association.capacity))
        else:
            after = replace(self, status=Status.NEEDS_TRIAGE, association_id=None, association_name=None, **common)
            step = Event(at.iso, "needs_triage", "routing", {"reason": decision.reason})
            mails = ()
        return Change(before or self, after, (*events, step), mails, tuple(load))

    # -- the console's request page (issue 12) ----------------------------------------

    @property
    def erased(self) -> bool:
        """Its personal data was erased (GDPR art. 17): only a stub for statistics is left."""
        return bool(self.extra.get("erased_at"))

    def reroute_by_operator(
        self, operator: str, decision: RoutingDecision, association: Optional[Association], at: Moment
    ) -> Change:
        """An operator asks for policy v1 again ("Router à nouveau"): `decision` leaves out
        the associations that declined it, not the present one. A manual assignment is
        no longer sticky once an operator re-routes it."""
        if self.status not in {Status.NEEDS_TRIAGE, Status.ROUTED}:
            raise InvalidTransition(f"{self.reference} is {self.status.value}: it cannot be routed again")
        leaving = self.association_id if self.status == Status.ROUTED else None
        event = Event(at.iso, "rerouted", operator, {"association": leaving, "mode": "operator"})
        fresh = replace(self, manual=False, reminded_at=None)
        return fresh._routed(decision, association, at, (event,), releasing=leaving, before=self)

    def resend_mail(self, operator: str, association: Association, at: Moment) -> Change:
        """"Renvoyer l'e-mail": the association's mail again, for the same routing (its
        link stays the one of this attempt)."""
        self._require(Status.ROUTED)
        if association.id != self.association_id:
            raise InvalidTransition(f"{self.reference} waits on {self.association_id}, not {association.id}")
        after = replace(self, updated_at=at.iso)
        event = Event(at.iso, "mail_resent", operator, {"association": association.id})
        return Change(self, after, (event,), (MailIntent("association_new_request", association, self.attempt),))

    def erase(self, admin: str, at: Moment) -> Change:
        """An admin erases its personal data (GDPR art. 17): names, addresses, phone,
        message, the referent's contacts, the commune, the inbound mail and extraction
        are gone; what statistics count stays (status, channel, age band, département,
        need, situation, publics, dates, routing). The stored timeline is scrubbed with
        `scrub_event`."""
        if self.erased:
            raise InvalidTransition(f"{self.reference} is erased already")
        f = self.fields
        kept: dict[str, Any] = {k: f[k] for k in ("need", "situation", "publics") if f.get(k) is not None}
        if f.get("age") is not None:
            kept["age_band"] = age_band(int(f["age"]))
        place = {k: self.place[k] for k in ("departement", "region") if self.place.get(k)} if self.place else None
        referent = {"structure_type": self.referent.get("structure_type")} if self.referent else None
        after = replace(
            self, fields=kept, place=place or None, referent=referent, extraction=None, inbound=None,
            updated_at=at.iso, extra={"erased_at": at.iso},
        )
        return Change(self, after, (Event(at.iso, "erased", admin, {}),))




# -- erasure ------------------------------------------------------------------------------

AGE_BANDS = ((6, 10), (11, 14), (15, 18), (19, 25), (26, 30))

# What a scrubbed event keeps of its detail: association ids, modes and coded reasons.
# Free text (a decline's comment, an assignment's motive, a reply's sender and text)
# may name the young person, so it goes.
_KEPT_DETAIL = {"association", "previous", "mode"}
_CODED_REASON = {"closed", "declined", "needs_triage"}


def age_band(age: int) -> str:
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return "autre"


def scrub_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A stored timeline event without personal data (Request.erase)."""
    detail = event.get("detail") or {}
    kept = {k: v for k, v in detail.items() if k in _KEPT_DETAIL}
    if event.get("type") in _CODED_REASON and "reason" in detail:
        kept["reason"] = detail["reason"]
    return {**{k: v for k, v in event.items() if k != "detail"}, "detail": kept}


__all__ = ["Change", "Event", "InvalidTransition", "LoadChange", "MailIntent", "Moment", "Request"]
