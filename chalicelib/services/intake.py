"""Use case: submit a request. The forms, the API and the mail intake all end here.

One intake is one DynamoDB transaction: the request, its reference, its timeline, the
outgoing mails, the idempotency record, the per-IP counter and the association's
capacity. Mails are sent only after that commit (see services.outbox).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from ..config import Settings
from ..domain.change import Event, MailIntent, Moment
from ..domain.mentor import MentorSignup
from ..domain.models import NewRequest
from ..domain.reference import new_reference
from ..domain.request import Change, Request
from ..domain.routed_record import RoutedRecord
from ..domain.routing import RoutingDecision, route_request
from ..domain.territory import Place, departement_place, resolve_place
from ..domain.vocabulary import Status
from .clock import Clock
from .concurrency import commit_with_retries
from .directory import DirectoryService, DirectorySnapshot
from .mails import MailComposer
from .ports import NewRecord, OutgoingMail, Refusal, Rejected, RequestStore, RoutedStore, SubmissionGuards
from .rate_limit import RateLimited, rate_window
from .transitions import mail_expires_at, timeline_expiry

log = logging.getLogger(__name__)


class IdempotencyConflict(Exception):
    """An API Idempotency-Key used again with another body."""


@dataclass(frozen=True)
class Idempotency:
    key: str  # namespaced by door: "api:<Idempotency-Key>", "form:<submission_id>", "mail:<id>"
    fingerprint: str  # what the same key must come with again
    # The API promises 409 for the same key with another body; a form posted twice or a
    # mail delivered twice is the same submission whatever changed, and gets its answer.
    must_match_body: bool = False

    @staticmethod
    def of_api(key: str, body: Any) -> Idempotency:
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return Idempotency(f"api:{key}", hashlib.sha256(canonical.encode()).hexdigest(), must_match_body=True)

    @staticmethod
    def of_form(submission_id: str) -> Idempotency:
        return Idempotency(f"form:{submission_id}", "")

    @staticmethod
    def of_mail(message_key: str) -> Idempotency:
        return Idempotency(f"mail:{message_key}", "")


@dataclass(frozen=True)
class IntakeResult:
    id: str
    reference: str
    status: str
    association: dict[str, str | None] | None
    mail_ids: tuple[str, ...] = ()
    replayed: bool = False  # the same submission again: this is the first one's answer

    def as_response(self) -> dict[str, Any]:
        return {"id": self.id, "reference": self.reference, "status": self.status, "association": self.association}

    @staticmethod
    def of(record: RoutedRecord, mail_ids: tuple[str, ...] = ()) -> IntakeResult:
        """The answer to a submission that made `record` (as routed)."""
        association = {"id": record.association_id, "name": record.association_name} if record.association_id else None
        return IntakeResult(record.id, record.reference, record.status.value, association, mail_ids)

    def log_received(self, logger: logging.Logger, what: str, channel: str) -> None:
        """`what` ("request received") with its reference, channel and outcome: enough to
        follow a submission, nothing personal. On the use case's own logger."""
        logger.info(
            what,
            extra={
                "reference": self.reference,
                "channel": channel,
                "status": self.status,
                "association": (self.association or {}).get("id"),
            },
        )


Record = TypeVar("Record", Request, MentorSignup)


@dataclass
class Received(Generic[Record]):
    """The record a submission makes, before its first commit: its reference is drawn
    again when another record holds it already (the commit is refused, nothing written)."""

    record: Record
    draw_reference: Callable[[], str]

    def new_reference_if_taken(self, refused: Rejected) -> bool:
        """For the retry loop: True when the refusal was the reference, drawn again."""
        if refused.what is not Refusal.REFERENCE:
            return False
        self.record = replace(self.record, reference=self.draw_reference())
        return True


def commit_submission(
    commit: Callable[[], IntakeResult],
    store: RoutedStore[Any],
    idempotency: Idempotency | None,
    now: int,
) -> IntakeResult:
    """Commit a submission (a request, a sign-up), answering its transaction's guards: a
    full per-IP counter is RateLimited, a key used already gets the answer it got."""
    try:
        return commit()
    except Rejected as refused:
        if refused.what is Refusal.RATE:
            raise RateLimited() from None
        if refused.what is Refusal.IDEMPOTENCY and idempotency:
            return replay(store, idempotency, now)
        raise


def replay(store: RoutedStore[Any], idempotency: Idempotency, now: int) -> IntakeResult:
    """The answer the first submission with this key got, stored with it; another body
    where the API's key must come with the same one is a conflict."""
    stored = store.idempotency(idempotency.key, now)
    if stored is None:  # expired between the two reads: extremely unlikely
        raise IdempotencyConflict()
    if idempotency.must_match_body and stored.fingerprint != idempotency.fingerprint:
        raise IdempotencyConflict()
    r = stored.response
    return IntakeResult(r["id"], r["reference"], r["status"], r["association"], replayed=True)


def hold_guards(
    write: SubmissionGuards,
    idempotency: Idempotency | None,
    rate_key: str | None,
    response: dict[str, Any],
    at: int,
    settings: Settings,
) -> None:
    """Writes the idempotency record (with the answer to replay) and the per-IP counter of
    the window in the submission's own transaction (requests' and sign-ups' alike)."""
    if idempotency:
        write.idempotency_key = idempotency.key
        write.idempotency_fingerprint = idempotency.fingerprint
        write.idempotency_response = response
        write.idempotency_expires_at = at + settings.idempotency_hours * 3600
    if rate_key:
        window = rate_window(rate_key, at, settings)
        write.rate_key, write.rate_limit, write.rate_expires_at = window.key, window.limit, window.expires_at


def submission_write(
    change: Change[Record],
    mails: list[OutgoingMail],
    events: list[Event],
    at: Moment,
    idempotency: Idempotency | None,
    rate_key: str | None,
    settings: Settings,
) -> NewRecord[Record]:
    """A submission's first commit (a request's, a sign-up's): the record as routed, its
    timeline and mails, the place it takes of its association's capacity, and its guards."""
    record = change.after
    write = NewRecord(
        record=record,
        events=events,
        mails=mails,
        keep_until=timeline_expiry(record, settings),
        mail_expires_at=mail_expires_at(at.epoch, settings),
        capacity_of=capacity_taken(change),
        at=at.epoch,
    )
    hold_guards(write, idempotency, rate_key, IntakeResult.of(record).as_response(), at.epoch, settings)
    return write


def capacity_taken(change: Change[Any]) -> tuple[str, int | None] | None:
    """The association a first routing gives a place to, with its capacity: the
    transaction's condition that it is not full."""
    taken = next((c for c in change.load if c.delta > 0), None)
    return (taken.association_id, taken.capacity) if taken else None


@dataclass(eq=False, kw_only=True)
class IntakeService:
    requests: RequestStore
    directory: DirectoryService
    mails: MailComposer
    clock: Clock
    settings: Settings

    def accept(
        self,
        new: NewRequest,
        idempotency: Idempotency | None = None,
        rate_key: str | None = None,
    ) -> IntakeResult:
        """Route and store a request in one transaction; its mails wait in the outbox."""
        now = self.clock.now()
        at = Moment(now.epoch, now.iso)
        place = resolve_place(new.postal_code, new.city) if new.postal_code else None
        if place is None and new.departement:
            place = departement_place(new.departement)  # routes on the département (docs/contract.md §6)
        received = Received(self._received(new, place, at), new_reference)

        def attempt(snapshot: DirectorySnapshot) -> IntakeResult:
            decision = self._route(new, received.record, snapshot)
            association = snapshot.get(decision.association_id) if decision.association_id else None
            change = received.record.first_routing(decision, association, at)
            write = self._write(new, change, at, idempotency, rate_key)
            self.requests.commit_new(write)
            return IntakeResult.of(write.record, tuple(m.id for m in write.mails))

        result = commit_submission(
            lambda: commit_with_retries(self.directory, attempt, received.new_reference_if_taken),
            self.requests,
            idempotency,
            now.epoch,
        )
        if result.replayed:
            return result
        if result.association and result.association["id"]:
            self.directory.note_taken(result.association["id"])
        result.log_received(log, "request received", new.channel.value)
        return result

    def _received(self, s: NewRequest, place: Place | None, at: Moment) -> Request:
        return Request(
            id=uuid.uuid4().hex,
            reference=new_reference(),
            channel=s.channel.value,
            status=Status.NEEDS_TRIAGE,  # until routed: the transition decides
            created_at=at.iso,
            updated_at=at.iso,
            fields=s.fields(),
            expires_at=at.epoch + self.settings.retention_days * 86400,
            referent=s.referent,
            extraction=s.extraction,
            inbound=s.inbound,
            place=place.__dict__ if place else None,
        )

    def _route(self, s: NewRequest, request: Request, snapshot: DirectorySnapshot) -> RoutingDecision:
        if s.triage_reason:
            return RoutingDecision(None, s.triage_reason, (), {}, snapshot.index)
        return route_request(request.routing_query(), snapshot.index, snapshot.load, (), self.settings.routing_weights)

    def _write(
        self, s: NewRequest, change: Change[Request], at: Moment, idempotency: Idempotency | None, rate_key: str | None
    ) -> NewRecord[Request]:
        request = change.after
        mails = [self.mails.render(intent, request) for intent in change.mails]
        if s.acknowledge and request.contact_address():
            mails.append(self.mails.render(MailIntent(request.MAILS.acknowledgement), request))
        events = [*change.events, *(Event(at.iso, kind, s.channel.value, detail) for kind, detail in s.notes)]
        return submission_write(change, mails, events, at, idempotency, rate_key, self.settings)
