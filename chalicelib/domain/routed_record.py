"""A record routed to an association that answers it (a youth's request, a volunteer's
sign-up), and the transitions both kinds share (docs/contract.md §6 to §9 and §11).

This is the one file where the answer path changes a status: a new record routed or sent
to triage, the association's accept and decline, re-routing after silence or a bounce of
its mail, the reminder.
Each transition is a method that returns a `Change`: the new state, the timeline events to
append, the mails to send (as `MailIntent`s that the service layer renders) and the load
counters to move. A service loads a record, calls one method, and commits the `Change` in
one conditional transaction, which storage refuses if the stored status or attempt moved
meanwhile.

What differs between the two kinds is said by each subclass: its kind (`KIND`,
domain/record_kind.py: the mails it asks for, which capacity of an association it takes
a place of, its retention, routing policy and storage keys), who is told of an
acceptance (`contact_address`), its own fields and record keys, and the transitions only
it has (domain/request.py: the console's; domain/mentor.py: the volunteer's
acknowledgement).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from .change import Event, InvalidTransition, LoadChange, MailIntent, Moment
from .erasure import ErasedTriage, erased_reason, erased_routing, scrub_event
from .models import Association
from .record_kind import RecordKind, RoutedMails
from .territory import Place
from .vocabulary import Status

Record = TypeVar("Record", bound="RoutedRecord")


class Decision(Protocol):
    """What a transition reads of a routing decision (routing.RoutingDecision for a
    request, mentor_routing.MentorRoutingDecision for a sign-up)."""

    @property
    def reason(self) -> str | None: ...  # why triage, when no association was chosen

    def as_dict(self) -> dict[str, Any]: ...  # the explanation stored with the record


@dataclass(frozen=True)
class Change(Generic[Record]):
    """What one transition does: committed whole, or not at all."""

    before: Record  # of the record's own kind: a Request, a MentorSignup
    after: Record
    events: tuple[Event, ...]
    mails: tuple[MailIntent, ...] = ()
    load: tuple[LoadChange, ...] = ()


# The record's keys every routed record knows; a subclass adds its own (`OWN_KEYS`). Any
# other key is carried through untouched (`extra`), so a record written by a newer
# version survives a change made by this one.
_SHARED_KEYS = frozenset(
    {
        "id",
        "reference",
        "channel",
        "status",
        "created_at",
        "updated_at",
        "fields",
        "place",
        "association_id",
        "association",
        "routing",
        "triage_reason",
        "attempt",
        "assigned_at",
        "reminded_at",
        "accepted_at",
        "declined",
        "events",
        "expires_at",
    }
)


@dataclass(frozen=True, kw_only=True)
class RoutedRecord:
    id: str
    reference: str
    channel: str
    status: Status
    created_at: str
    updated_at: str
    fields: Mapping[str, Any]
    expires_at: int
    place: Mapping[str, Any] | None = None
    association_id: str | None = None
    association_name: str | None = None
    routing: Mapping[str, Any] | None = None
    triage_reason: str | None = None
    attempt: int = 0  # how many times it was routed to an association
    assigned_at: int | None = None
    reminded_at: int | None = None
    accepted_at: str | None = None
    declined: tuple[str, ...] = ()  # associations that declined it, or let it go unanswered
    events: tuple[Mapping[str, Any], ...] = ()  # the stored timeline, oldest first
    extra: Mapping[str, Any] = field(default_factory=dict)

    KIND: ClassVar[RecordKind]  # its reference, mails, capacity, retention, routing, storage keys
    MAILS: ClassVar[RoutedMails]  # KIND.mails
    OWN_KEYS: ClassVar[frozenset[str]] = frozenset()
    # The fields an erasure keeps: coded answers that statistics and the queues' filters
    # read, never a name, an address, a phone, an exact age or free text.
    KEPT_ON_ERASURE: ClassVar[tuple[str, ...]] = ()

    # -- what differs between the kinds ---------------------------------------------------

    def capacity_of(self, association: Association) -> int | None:
        """How many records of this kind `association` takes at once (None: no limit)."""
        return self.KIND.capacity_of(association)

    def contact_address(self) -> str | None:
        """Who hears from us once an association takes it (None: nobody to tell)."""
        raise NotImplementedError

    @classmethod
    def _own_fields(cls, record: Mapping[str, Any]) -> dict[str, Any]:
        """The subclass's own fields, read from the stored record."""
        return {}

    def _own_record(self) -> dict[str, Any]:
        """The subclass's own keys of the stored record."""
        return {}

    def _erased_fields(self) -> dict[str, Any]:
        """What an erasure keeps of `fields` (KEPT_ON_ERASURE; a subclass may add to it)."""
        return {k: self.fields[k] for k in self.KEPT_ON_ERASURE if self.fields.get(k) is not None}

    def _erased_own(self) -> dict[str, Any]:
        """What an erasure changes of the subclass's own fields."""
        return {}

    # -- the stored record ----------------------------------------------------------------

    @classmethod
    def from_record(cls: type[Record], record: Mapping[str, Any]) -> Record:
        association = record.get("association") or {}
        known = _SHARED_KEYS | cls.OWN_KEYS
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
            extra={k: v for k, v in record.items() if k not in known},
            **cls._own_fields(record),
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
        record.update(self._own_record())
        return record

    # -- what routing reads ---------------------------------------------------------------

    def _place_codes(self) -> dict[str, str | None]:
        """Where it is, as routing reads it: the codes of its commune, département, région."""
        place = Place.from_stored(self.place) if self.place else None
        return dict(
            commune=place.commune_code if place else None,
            departement=place.departement if place else None,
            region=place.region if place else None,
        )

    def excluding(self, association_id: str) -> tuple[str, ...]:
        """Who routing must leave out once `association_id` lets it go."""
        return tuple(dict.fromkeys([*self.declined, association_id]))

    # -- the association's link -----------------------------------------------------------

    def answer_state(self, association_id: str, attempt: int) -> str:
        """What the link of one routing shows: open, accepted, declined or elsewhere."""
        if self.association_id == association_id and self.attempt == attempt:
            return {Status.ROUTED: "open", Status.ACCEPTED: "accepted"}.get(self.status, "elsewhere")
        if association_id in self.declined:
            return "declined"
        return "elsewhere"

    def answer_deadline(self, reroute_days: int) -> int | None:
        """The epoch after which silence sends it to another association: `reroute_days`
        after it was routed to the present one (the services' sweep of silence). None when
        no association holds it."""
        if self.assigned_at is None:
            return None
        return int(self.assigned_at) + reroute_days * 86400

    # -- transitions ----------------------------------------------------------------------

    def first_routing(self, decision: Decision, association: Association | None, at: Moment) -> Change[Self]:
        """A new record: received, then routed or sent to triage."""
        received = Event(at.iso, "received", self.channel, {})
        return self._routed(decision, association, at, (received,), releasing=None)

    def decline(
        self, reason: str, comment: str, decision: Decision, association: Association | None, at: Moment
    ) -> Change[Self]:
        """The routed association declines: the next candidate (`decision`), or triage.
        Once erased, its comment (free text, which may name the person) is not kept."""
        self._require(Status.ROUTED)
        comment = "" if self.erased else comment
        declined = Event(at.iso, "declined", self.association_id or "", {"reason": reason, "comment": comment})
        return self._onward((declined,), decision, association, at)

    def reroute_for_silence(self, decision: Decision, association: Association | None, at: Moment) -> Change[Self]:
        """No answer after the delay: on as if declined."""
        self._require(Status.ROUTED)
        event = Event(at.iso, "rerouted", "system", {"association": self.association_id, "reason": "no answer"})
        return self._onward((event,), decision, association, at)

    def bounce(
        self, address: str, reason: str, decision: Decision, association: Association | None, at: Moment
    ) -> Change[Self]:
        """The association's mail could not be delivered: on at once, as if declined."""
        self._require(Status.ROUTED)
        event = Event(
            at.iso, "bounced", "mail", {"association": self.association_id, "address": address, "reason": reason}
        )
        return self._onward((event,), decision, association, at)

    def remind(self, days_waiting: int, association: Association, at: Moment) -> Change[Self]:
        """The association has not answered yet: one reminder, with the same link."""
        self._require(Status.ROUTED)
        after = replace(self, reminded_at=at.epoch, updated_at=at.iso)
        event = Event(at.iso, "reminded", "system", {"association": association.id})
        return Change(
            self, after, (event,), (MailIntent(self.MAILS.reminder, association, self.attempt, days_waiting),)
        )

    def accept(self, association: Association, at: Moment, keep_until: int | None = None) -> Change[Self]:
        """The routed association takes it: contact details are its own from now on, and
        whoever submitted it is told. `keep_until`: for a kind whose acceptance keeps its
        data longer (RecordKind.accepted_retention_setting, a sign-up's), until when."""
        expires_at = self.expires_at if keep_until is None else max(self.expires_at, keep_until)
        self._require(Status.ROUTED)
        self._require_holder(association)
        after = replace(self, status=Status.ACCEPTED, accepted_at=at.iso, updated_at=at.iso, expires_at=expires_at)
        mails = (MailIntent(self.MAILS.accepted, association),) if self.contact_address() else ()
        return Change(
            self, after, (Event(at.iso, "accepted", association.id, {}),), mails, (LoadChange(association.id, -1),)
        )

    # -- erasure (GDPR art. 17) ------------------------------------------------------------

    @property
    def erased(self) -> bool:
        """Its personal data was erased: only a stub for statistics is left."""
        return bool(self.extra.get("erased_at"))

    @property
    def erasable(self) -> bool:
        """Whether an erasure has anything left to do in the record: not erased yet, or a
        timeline that holds what an erasure scrubs (a reply an older version threaded onto
        the stub)."""
        return not self.erased or any(scrub_event(e) != e for e in self.events)

    def raw_mail_keys(self) -> tuple[str, ...]:
        """Where the inbound mails that made or answered it are kept as received (each
        once): what its erasure deletes with it."""
        keys = [*self._own_raw_mail_keys(), *((e.get("detail") or {}).get("raw_key") for e in self.events)]
        return tuple(dict.fromkeys(k for k in keys if k))

    def _own_raw_mail_keys(self) -> tuple[str | None, ...]:
        """The raw mails the subclass's own fields point to (a request's inbound mail)."""
        return ()

    def erase(self, admin: str, at: Moment) -> Change[Self]:
        """An admin erases its personal data: names, addresses, phones, message, the
        commune and every free text are gone; what statistics count stays (status,
        channel, KEPT_ON_ERASURE, département and région, dates, routing without what its
        reason spelt out). The stored timeline is scrubbed with domain/erasure.py's
        `scrub_event`. Once erased, it is erased: a second erasure is no transition."""
        if self.erased:
            raise InvalidTransition(f"{self.reference} is erased already")
        place = {k: self.place[k] for k in ("departement", "region") if self.place.get(k)} if self.place else None
        after = replace(
            self,
            fields=self._erased_fields(),
            place=place or None,
            routing=erased_routing(self.routing),
            triage_reason=erased_reason(self.triage_reason),
            updated_at=at.iso,
            extra={"erased_at": at.iso},
            **self._erased_own(),
        )
        return Change(self, after, (Event(at.iso, "erased", admin, {}),))

    # -- the steps transitions are made of ------------------------------------------------

    def _require(self, status: Status) -> None:
        if self.status != status:
            raise InvalidTransition(f"{self.reference} is {self.status.value}, not {status.value}")

    def _require_holder(self, association: Association) -> None:
        if association.id != self.association_id:
            raise InvalidTransition(f"{self.reference} waits on {self.association_id}, not {association.id}")

    def _held_by(self, association: Association, at: Moment, **also: Any) -> Self:
        """Routed to `association` now: a new attempt (its link), waiting from `at`."""
        return replace(
            self,
            status=Status.ROUTED,
            association_id=association.id,
            association_name=association.name,
            attempt=self.attempt + 1,
            assigned_at=at.epoch,
            updated_at=at.iso,
            **also,
        )

    def _onward(
        self, events: tuple[Event, ...], decision: Decision, association: Association | None, at: Moment
    ) -> Change[Self]:
        """The present association lets it go (declined, silent, its mail bounced): routed
        on to `association`, or to triage; an erased record, to triage whatever `decision`
        says (ErasedTriage)."""
        if self.erased:
            decision, association = ErasedTriage(), None
        leaving = self.association_id
        moved = replace(self, declined=self.excluding(leaving) if leaving else self.declined, reminded_at=None)
        return moved._routed(decision, association, at, events, releasing=leaving, before=self)

    def _routed(
        self,
        decision: Decision,
        association: Association | None,
        at: Moment,
        events: tuple[Event, ...],
        releasing: str | None,
        before: Self | None = None,
    ) -> Change[Self]:
        """Routed to `association` as `decision` chose it (a place taken of its capacity,
        its mail with a new attempt's link), or to triage when `association` is None;
        `releasing` gives back the place the previous association held."""
        load = [LoadChange(releasing, -1)] if releasing else []
        common: dict[str, Any] = dict(routing=decision.as_dict(), triage_reason=decision.reason)
        if association is not None:
            after = self._held_by(association, at, **common)
            step = Event(at.iso, "routed", "routing", {"association": association.id})
            mails: tuple[MailIntent, ...] = (MailIntent(self.MAILS.new, association, after.attempt),)
            load.append(LoadChange(association.id, 1, self.capacity_of(association)))
        else:
            after = replace(
                self,
                status=Status.NEEDS_TRIAGE,
                association_id=None,
                association_name=None,
                updated_at=at.iso,
                **common,
            )
            step = Event(at.iso, "needs_triage", "routing", {"reason": decision.reason})
            mails = ()
        return Change(before or self, after, (*events, step), mails, tuple(load))


__all__ = ["Change", "Decision", "RoutedMails", "RoutedRecord"]
