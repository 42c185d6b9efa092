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
from dataclasses import dataclass
from typing import Any, Optional

from ..config import Settings
from ..domain.models import NewRequest
from ..domain.routing import RoutingDecision, RoutingQuery, route_request
from ..domain.territory import Place, departement_place, resolve_place
from ..domain.text import new_reference
from ..domain.vocabulary import Need, Public, Situation, Status
from .clock import Clock
from .directory import DirectoryService, DirectorySnapshot
from .mails import MailComposer, requester_address
from .ports import Event, IntakeWrite, OutgoingMail, Rejected, RequestStore

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 25  # each retry follows a place taken by someone else


class RateLimited(Exception):
    pass


class IdempotencyConflict(Exception):
    pass


@dataclass(frozen=True)
class Idempotency:
    key: str  # namespaced: "api:<Idempotency-Key>" or "form:<submission_id>"
    fingerprint: str  # what the same key must come with again

    @staticmethod
    def of_body(key: str, body: Any) -> "Idempotency":
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return Idempotency(key, hashlib.sha256(canonical.encode()).hexdigest())


@dataclass(frozen=True)
class IntakeResult:
    id: str
    reference: str
    status: str
    association: Optional[dict[str, str]]
    mail_ids: tuple[str, ...] = ()
    replayed: bool = False

    def as_response(self) -> dict[str, Any]:
        return {"id": self.id, "reference": self.reference, "status": self.status, "association": self.association}


def routing_query(fields: dict[str, Any], place: Optional[Place]) -> RoutingQuery:
    """What routing reads of a request (its stored fields and place): no contact detail."""
    return RoutingQuery(
        age=fields.get("age"),
        situation=Situation(fields["situation"]) if fields.get("situation") else None,
        need=Need(fields["need"]) if fields.get("need") else None,
        publics=tuple(Public(p) for p in fields.get("publics") or ()),
        commune=place.commune_code if place else None,
        departement=place.departement if place else None,
        region=place.region if place else None,
    )


class IntakeService:
    def __init__(
        self,
        store: RequestStore,
        directory: DirectoryService,
        clock: Clock,
        settings: Settings,
        mails: MailComposer,
    ):
        self.store = store
        self.directory = directory
        self.clock = clock
        self.settings = settings
        self.mails = mails

    def accept(
        self,
        new: NewRequest,
        idempotency: Optional[Idempotency] = None,
        rate_key: Optional[str] = None,
    ) -> IntakeResult:
        """Route and store a request; the mails wait in the outbox."""
        now = self.clock.now()
        place = resolve_place(new.postal_code, new.city) if new.postal_code else None
        if place is None and new.departement:
            place = departement_place(new.departement)  # routes on the département (contract 6)
        snapshot = self.directory.snapshot()
        request_id = uuid.uuid4().hex
        reference = new_reference()
        for _ in range(MAX_ATTEMPTS):
            decision = self._route(new, place, snapshot)
            write = self._write(new, place, decision, snapshot, request_id, reference, now)
            if idempotency:
                write.idempotency_key = idempotency.key
                write.idempotency_fingerprint = idempotency.fingerprint
                write.idempotency_response = self._result(write).as_response()
                write.idempotency_expires_at = now.epoch + self.settings.idempotency_hours * 3600
            if rate_key:
                window = now.epoch // self.settings.rate_limit_seconds
                write.rate_key = f"{rate_key}#{window}"
                write.rate_limit = self.settings.rate_limit_count
                write.rate_expires_at = (window + 1) * self.settings.rate_limit_seconds
            try:
                self.store.commit_intake(write)
            except Rejected as refused:
                if refused.what in {"capacity", "conflict"}:
                    # Someone took the last place meanwhile: route again on fresh counts.
                    snapshot = self.directory.refresh_load()
                    continue
                if refused.what == "reference":
                    reference = new_reference()
                    continue
                if refused.what == "rate":
                    raise RateLimited() from None
                if refused.what == "idempotency" and idempotency:
                    return self._replay(idempotency, now.epoch)
                raise
            if decision.association_id:
                self.directory.note_taken(decision.association_id)
            # Reference, channel, outcome: enough to follow a request, nothing personal.
            log.info(
                "request received",
                extra={"reference": reference, "channel": new.channel.value, "status": write.request["status"],
                       "association": decision.association_id, "triage_reason": decision.reason},
            )
            return self._result(write)
        raise RuntimeError("intake could not be committed")  # pragma: no cover - capacity churn

    def _replay(self, idempotency: Idempotency, now: int) -> IntakeResult:
        stored = self.store.idempotency(idempotency.key, now)
        if stored is None:  # expired between the two reads: extremely unlikely
            raise IdempotencyConflict()
        if stored.fingerprint != idempotency.fingerprint and idempotency.key.startswith("api:"):
            raise IdempotencyConflict()
        r = stored.response
        return IntakeResult(r["id"], r["reference"], r["status"], r["association"], replayed=True)

    def _route(self, s: NewRequest, place: Optional[Place], snapshot: DirectorySnapshot) -> RoutingDecision:
        if s.triage_reason:
            return RoutingDecision(None, s.triage_reason, (), {}, snapshot.index)
        query = routing_query(s.fields(), place)
        return route_request(query, snapshot.index, snapshot.load, (), self.settings.routing_weights)

    def _write(
        self,
        s: NewRequest,
        place: Optional[Place],
        decision: RoutingDecision,
        snapshot: DirectorySnapshot,
        request_id: str,
        reference: str,
        now: Any,
    ) -> IntakeWrite:
        association = snapshot.get(decision.association_id) if decision.association_id else None
        status = Status.ROUTED if association else Status.NEEDS_TRIAGE
        request = {
            "id": request_id,
            "reference": reference,
            "channel": s.channel.value,
            "status": status.value,
            "created_at": now.iso,
            "updated_at": now.iso,
            "fields": s.fields(),
            "referent": s.referent,
            "extraction": s.extraction,
            "inbound": s.inbound,
            "place": place.__dict__ if place else None,
            "association_id": association.id if association else None,
            "association": {"id": association.id, "name": association.name} if association else None,
            "routing": decision.as_dict(),
            "triage_reason": decision.reason,
        }
        events = [Event(now.iso, "received", s.channel.value, {})]
        mails: list[OutgoingMail] = []
        if association:
            request["attempt"] = 1
            request["assigned_at"] = now.epoch
            events.append(Event(now.iso, "routed", "routing", {"association": association.id}))
            mails.append(self.mails.association_new_request(request, association, 1))
        else:
            events.append(Event(now.iso, "needs_triage", "routing", {"reason": decision.reason}))
        ack_to = requester_address(request)
        if ack_to and s.acknowledge:
            mails.append(self.mails.acknowledgement(request, ack_to))
        retention = self.settings.retention_days * 86400
        return IntakeWrite(
            request=request,
            events=events,
            mails=mails,
            expires_at=now.epoch + retention,
            mail_expires_at=now.epoch + self.settings.mail_retention_days * 86400,
            capacity_of=(association.id, association.capacity) if association else None,
        )

    def _result(self, w: IntakeWrite) -> IntakeResult:
        r = w.request
        return IntakeResult(r["id"], r["reference"], r["status"], r["association"], tuple(m.id for m in w.mails))
