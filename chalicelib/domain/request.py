"""A request for a mentor, and every way its status changes (contract sections 6 to 10).

A request's status changes in two files, and only there: domain/routed_record.py holds
the transitions a request shares with a volunteer's sign-up (routed or sent to triage on
arrival, accepted, declined, re-routed after silence, reminded) and the stored record's
shared fields; this module adds what only a request has (the referent, the mail intake's
extraction, the bounce of an association's mail, the operators' console: assign, close,
route again, resend, erase). Each transition returns a `Change` (routed_record.Change)
that a service commits in one conditional transaction.

Routing itself (policy v1) is `domain.routing`; a transition that routes takes the
decision the service computed with `routing_query()` and the associations to leave out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Mapping, Optional

from .change import Event, InvalidTransition, LoadChange, MailIntent, Moment
from .models import Association
from .routed_record import Change, RoutedMails, RoutedRecord
from .routing import RoutingDecision, RoutingQuery
from .vocabulary import Need, Public, Situation, Status

# The record's keys only a request has (the others: routed_record._SHARED_KEYS).
_OWN_KEYS = frozenset({"referent", "extraction", "inbound", "manual", "closed_reason"})

CLOSE_REASONS = {
    "duplicate": "Doublon",
    "unreachable": "Injoignable",
    "out_of_scope": "Hors du champ du réseau",
    "other": "Autre",
}


@dataclass(frozen=True, kw_only=True)
class Request(RoutedRecord):
    referent: Optional[Mapping[str, Any]] = None
    extraction: Optional[Mapping[str, Any]] = None
    inbound: Optional[Mapping[str, Any]] = None
    manual: bool = False  # an operator chose the association: automatic re-routing leaves it
    closed_reason: Optional[str] = None

    MAILS: ClassVar[RoutedMails] = RoutedMails(
        new="association_new_request", reminder="association_reminder", accepted="requester_accepted"
    )
    OWN_KEYS: ClassVar[frozenset[str]] = _OWN_KEYS

    # -- what a request adds to a routed record ------------------------------------------

    @classmethod
    def _own_fields(cls, record: Mapping[str, Any]) -> dict[str, Any]:
        return dict(
            referent=record.get("referent"),
            extraction=record.get("extraction"),
            inbound=record.get("inbound"),
            manual=bool(record.get("manual")),
            closed_reason=record.get("closed_reason"),
        )

    def _own_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"referent": self.referent, "extraction": self.extraction, "inbound": self.inbound}
        if self.manual:
            record["manual"] = True
        if self.closed_reason:
            record["closed_reason"] = self.closed_reason
        return record

    def capacity_of(self, association: Association) -> Optional[int]:
        return association.capacity

    def requester_address(self) -> Optional[str]:
        """Who hears from us about it: the referent who asked, else the youth."""
        return (self.referent or {}).get("email") if self.referent else self.fields.get("email")

    def contact_address(self) -> Optional[str]:
        return self.requester_address()

    # -- what routing reads ------------------------------------------------------------

    def routing_query(self) -> RoutingQuery:
        """What routing reads of a request: its fields and place, no contact detail."""
        f = self.fields
        return RoutingQuery(
            age=f.get("age"),
            situation=Situation(f["situation"]) if f.get("situation") else None,
            need=Need(f["need"]) if f.get("need") else None,
            publics=tuple(Public(p) for p in f.get("publics") or ()),
            **self._place_codes(),
        )

    # -- transitions of its own (the shared ones: domain/routed_record.py) ---------------

    def accept(self, association: Association, at: Moment) -> Change:
        """The routed association takes it: contact details are its own from now on."""
        return self._accepted(association, at)

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
        load.append(LoadChange(association.id, 1, None if override_capacity else self.capacity_of(association)))
        return Change(
            self, after, (Event(at.iso, "assigned", operator, detail),),
            (MailIntent(self.MAILS.new, association, attempt),), tuple(load),
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
        self._require_holder(association)
        after = replace(self, updated_at=at.iso)
        event = Event(at.iso, "mail_resent", operator, {"association": association.id})
        return Change(self, after, (event,), (MailIntent(self.MAILS.new, association, self.attempt),))

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


def scrubbed_mail_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """A stored mail (the outbox's copy) once its request is erased: what it was (ids,
    kind), nothing it said."""
    kept = {k: body.get(k) for k in ("id", "message_id", "request_id", "kind", "auto_submitted")}
    return {**kept, "to": [], "subject": "", "text": "", "html": "", "reply_to": None, "in_reply_to": None}


def scrub_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A stored timeline event without personal data (Request.erase)."""
    detail = event.get("detail") or {}
    kept = {k: v for k, v in detail.items() if k in _KEPT_DETAIL}
    if event.get("type") in _CODED_REASON and "reason" in detail:
        kept["reason"] = detail["reason"]
    return {**{k: v for k, v in event.items() if k != "detail"}, "detail": kept}


__all__ = ["Change", "Event", "InvalidTransition", "LoadChange", "MailIntent", "Moment", "Request"]
