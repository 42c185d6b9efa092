"""Use case: submit a request. The forms, the API and (later) the mail intake end here.

One intake is one DynamoDB transaction: the request, its reference, its timeline, the
outgoing mails, the idempotency record, the per-IP counter and the association's
capacity. Mails are sent only after that commit (see services.outbox).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..config import Settings
from ..domain.models import NewRequest
from ..domain.routing import RoutingDecision, RoutingQuery, route_request
from ..domain.territory import Place, resolve_place
from ..domain.text import new_reference, redact_contacts
from ..domain.vocabulary import Channel, Need, Public, Situation, Status, StructureType
from .clock import Clock
from .directory import DirectoryService, DirectorySnapshot
from .ports import Event, IntakeWrite, OutgoingMail, Rejected, RequestStore

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


RenderMail = Callable[[str, dict[str, Any]], tuple[str, str, str]]


def message_id_for(mail_id: str, reference: Optional[str], domain: str) -> str:
    """Our Message-IDs carry the reference: a reply's In-Reply-To finds its request."""
    return f"<{mail_id}.{reference}@{domain}>" if reference else f"<{mail_id}@{domain}>"


def _structure_label(referent: Optional[dict[str, Any]]) -> Optional[str]:
    if not referent or not referent.get("structure_type"):
        return None
    return StructureType(referent["structure_type"]).label


class IntakeService:
    def __init__(
        self,
        store: RequestStore,
        directory: DirectoryService,
        render_mail: RenderMail,
        clock: Clock,
        settings: Settings,
        answer_link: Callable[[str, str], str],
    ):
        self.store = store
        self.directory = directory
        self.render_mail = render_mail
        self.clock = clock
        self.settings = settings
        self.answer_link = answer_link

    def accept(
        self,
        new: NewRequest,
        idempotency: Optional[Idempotency] = None,
        rate_key: Optional[str] = None,
    ) -> IntakeResult:
        """Route and store a request; the mails wait in the outbox."""
        now = self.clock.now()
        place = resolve_place(new.postal_code, new.city) if new.postal_code else None
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
            return self._result(write)
        raise RuntimeError("intake could not be committed")  # pragma: no cover - capacity churn

    def replay_if_known(self, idempotency: Idempotency) -> Optional[IntakeResult]:
        """An already-processed idempotency key answers without routing again."""
        stored = self.store.idempotency(idempotency.key, self.clock.now().epoch)
        if stored is None:
            return None
        return self._replay(idempotency, self.clock.now().epoch, stored)

    def _replay(self, idempotency: Idempotency, now: int, stored=None) -> IntakeResult:
        stored = stored or self.store.idempotency(idempotency.key, now)
        if stored is None:  # expired between the two reads: extremely unlikely
            raise IdempotencyConflict()
        if stored.fingerprint != idempotency.fingerprint and idempotency.key.startswith("api:"):
            raise IdempotencyConflict()
        r = stored.response
        return IntakeResult(r["id"], r["reference"], r["status"], r["association"], replayed=True)

    def _route(self, s: NewRequest, place: Optional[Place], snapshot: DirectorySnapshot) -> RoutingDecision:
        if s.triage_reason:
            return RoutingDecision(None, s.triage_reason, (), {}, snapshot.index)
        query = RoutingQuery(
            age=s.age,
            situation=s.situation,
            need=s.need,
            publics=tuple(s.publics),
            commune=place.commune_code if place else None,
            departement=place.departement if place else None,
            region=place.region if place else None,
        )
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
            events.append(Event(now.iso, "routed", "routing", {"association": association.id}))
            mails.append(self._association_mail(request, s, place, association, reference))
        else:
            events.append(Event(now.iso, "needs_triage", "routing", {"reason": decision.reason}))
        ack_to = s.referent.get("email") if s.referent else s.email
        if ack_to and s.acknowledge:
            mails.append(self._acknowledgement(request, s, ack_to, reference, association))
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

    def _mail(
        self,
        template: str,
        context: dict[str, Any],
        to: str,
        request_id: str,
        auto: str,
        reply_to: Optional[str] = None,
        in_reply_to: Optional[str] = None,
        reference: Optional[str] = None,
    ) -> OutgoingMail:
        subject, text, html = self.render_mail(template, context)
        mail_id = uuid.uuid4().hex
        domain = self.settings.mail_from.rpartition("@")[2].rstrip(">") or "localhost"
        return OutgoingMail(
            id=mail_id,
            message_id=message_id_for(mail_id, reference or context.get("reference"), domain),
            in_reply_to=in_reply_to,
            to=(to,),
            subject=subject,
            text=text,
            html=html,
            auto_submitted=auto,
            request_id=request_id,
            kind=template,
            reply_to=reply_to,
        )

    def _association_mail(self, request: dict, s: NewRequest, place: Optional[Place], association, reference) -> OutgoingMail:
        # No contact detail of the youth or the referent here: they are shown once the
        # association accepts (contract sections 7 and 9).
        context = {
            "reference": reference,
            "association_name": association.name,
            "age": s.age,
            "commune": place.commune_name if place and place.commune_name else None,
            "postal_code": s.postal_code,
            "situation": Situation(s.situation).label if s.situation else "non précisée",
            "need": Need(s.need).label,
            "publics": [Public(p).label for p in s.publics],
            "message": redact_contacts(s.message),
            "via_referent": s.referent is not None,
            "structure_type": _structure_label(s.referent),
            "answer_url": self.answer_link(request["id"], association.id),
        }
        return self._mail("association_new_request", context, association.emails[0], request["id"], "auto-generated")

    def _acknowledgement(self, request: dict, s: NewRequest, to: str, reference: str, association) -> OutgoingMail:
        context = {
            "reference": reference,
            "first_name": s.first_name,
            "for_referent": s.referent is not None,
            "referent_name": s.referent.get("name") if s.referent else None,
            "routed": association is not None,
        }
        # Replies go to the intake address, where the reference in the subject threads them.
        reply_to = self.settings.intake_addresses[0] if self.settings.intake_addresses else None
        inbound_id = (s.inbound or {}).get("message_id")
        # An answer to a mail is "auto-replied" (RFC 3834) and threads under it.
        auto = "auto-replied" if s.channel is Channel.EMAIL else "auto-generated"
        return self._mail("acknowledgement", context, to, request["id"], auto, reply_to, inbound_id, reference)
