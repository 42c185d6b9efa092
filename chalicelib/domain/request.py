"""A request for a mentor, and every way its status changes (docs/contract.md §6 to §10).

A request's status changes in two files, and only there: domain/routed_record.py holds
the transitions a request shares with a volunteer's sign-up (routed or sent to triage on
arrival, accepted, declined, re-routed after silence, reminded) and the stored record's
shared fields; this module adds what only a request has (the referent, the mail intake's
extraction, the bounce of an association's mail, the operators' console: assign, close,
route again, resend) and what its erasure keeps (the erasure itself is shared). Each
transition returns a `Change` (routed_record.Change) that a service commits in one
conditional transaction.

Routing itself (policy v1) is `domain.routing`; a transition that routes takes the
decision the service computed with `routing_query()` and the associations to leave out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Self

from .change import Event, InvalidTransition, LoadChange, MailIntent, Moment
from .erasure import age_band
from .models import Association
from .record_kind import REQUEST, RecordKind, RoutedMails
from .routed_record import Change, RoutedRecord
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
    referent: Mapping[str, Any] | None = None
    extraction: Mapping[str, Any] | None = None
    inbound: Mapping[str, Any] | None = None
    manual: bool = False  # an operator chose the association: automatic re-routing leaves it
    closed_reason: str | None = None

    KIND: ClassVar[RecordKind] = REQUEST
    MAILS: ClassVar[RoutedMails] = REQUEST.mails
    OWN_KEYS: ClassVar[frozenset[str]] = _OWN_KEYS
    KEPT_ON_ERASURE: ClassVar[tuple[str, ...]] = ("need", "situation", "publics")

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

    def _erased_fields(self) -> dict[str, Any]:
        """Its age as a band only (docs/privacy-and-abuse.md: what an erased request keeps)."""
        kept = super()._erased_fields()
        if self.fields.get("age") is not None:
            kept["age_band"] = age_band(int(self.fields["age"]))
        return kept

    def _erased_own(self) -> dict[str, Any]:
        """The referent's kind of structure stays; the mail intake's extraction and
        inbound references go."""
        referent = {"structure_type": self.referent.get("structure_type")} if self.referent else None
        return dict(referent=referent, extraction=None, inbound=None)

    def _own_raw_mail_keys(self) -> tuple[str | None, ...]:
        return ((self.inbound or {}).get("raw_key"),)

    def contact_address(self) -> str | None:
        """Who hears from us about it: the referent who asked, else the youth."""
        return (self.referent or {}).get("email") if self.referent else self.fields.get("email")

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

    # -- the operators' console (docs/contract.md §10) -----------------------------------

    def assign(
        self, association: Association, operator: str, reason: str, at: Moment, override_capacity: bool = False
    ) -> Change[Self]:
        """An operator routes it to `association` by hand: mailed as usual, and sticky
        (re-routing a directory leaves it where the operator put it). Capacity holds
        unless an admin overrides it."""
        if self.status not in {Status.NEEDS_TRIAGE, Status.ROUTED}:
            raise InvalidTransition(f"{self.reference} is {self.status.value}: it cannot be assigned")
        previous = self.association_id if self.status == Status.ROUTED else None
        after = self._held_by(association, at, reminded_at=None, manual=True, triage_reason=None)
        detail = {"association": association.id, "previous": previous, "reason": reason, "mode": "manual"}
        load = [LoadChange(previous, -1)] if previous else []
        load.append(LoadChange(association.id, 1, None if override_capacity else self.capacity_of(association)))
        return Change(
            self,
            after,
            (Event(at.iso, "assigned", operator, detail),),
            (MailIntent(self.MAILS.new, association, after.attempt),),
            tuple(load),
        )

    def close(self, operator: str, reason: str, at: Moment) -> Change[Self]:
        """An operator closes it (duplicate, unreachable, out of scope, other)."""
        if reason not in CLOSE_REASONS:
            raise InvalidTransition(f"unknown close reason {reason!r}")
        if self.status == Status.CLOSED:
            raise InvalidTransition(f"{self.reference} is closed already")
        load = (LoadChange(self.association_id, -1),) if self.status == Status.ROUTED and self.association_id else ()
        after = replace(self, status=Status.CLOSED, closed_reason=reason, updated_at=at.iso)
        return Change(self, after, (Event(at.iso, "closed", operator, {"reason": reason}),), (), load)

    # -- the console's request page (docs/console.md) ---------------------------------

    def reroute_by_operator(
        self, operator: str, decision: RoutingDecision, association: Association | None, at: Moment
    ) -> Change[Self]:
        """An operator asks for policy v1 again ("Router à nouveau"): `decision` leaves out
        the associations that declined it, not the present one. A manual assignment is
        no longer sticky once an operator re-routes it."""
        if self.status not in {Status.NEEDS_TRIAGE, Status.ROUTED}:
            raise InvalidTransition(f"{self.reference} is {self.status.value}: it cannot be routed again")
        leaving = self.association_id if self.status == Status.ROUTED else None
        event = Event(at.iso, "rerouted", operator, {"association": leaving, "mode": "operator"})
        fresh = replace(self, manual=False, reminded_at=None)
        return fresh._routed(decision, association, at, (event,), releasing=leaving, before=self)

    def resend_mail(self, operator: str, association: Association, at: Moment) -> Change[Self]:
        """ "Renvoyer l'e-mail": the association's mail again, for the same routing (its
        link stays the one of this attempt)."""
        self._require(Status.ROUTED)
        self._require_holder(association)
        after = replace(self, updated_at=at.iso)
        event = Event(at.iso, "mail_resent", operator, {"association": association.id})
        return Change(self, after, (event,), (MailIntent(self.MAILS.new, association, self.attempt),))


__all__ = ["Change", "Event", "InvalidTransition", "LoadChange", "MailIntent", "Moment", "Request"]
