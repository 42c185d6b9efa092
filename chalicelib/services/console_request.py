"""The console's request page (docs/contract.md §10): its fields, the routing
explanation, the timeline; viewing a page with contact details is a `viewed` timeline
event naming the operator. A reply received by mail is shown in full from its raw mail."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..domain.change import Event
from ..domain.models import Association
from ..domain.operators import Operator
from ..domain.paris_time import french_time, parse_iso
from ..domain.request import Request
from ..domain.routed_record import RoutedRecord
from ..domain.vocabulary import Status
from .console_common import ConsoleParts
from .directory import DirectorySnapshot

log = logging.getLogger(f"{__package__}.console")  # one logger for the console's use cases

# A `viewed` event per operator and page visit, but not again within this delay.
VIEW_AGAIN_SECONDS = 1800
# A reply received by mail is shown in full from its raw mail, up to this many characters.
REPLY_TEXT_MAX = 20_000

EVENT_LABELS = {
    "received": "Demande reçue",
    "routed": "Envoyée à une association",
    "needs_triage": "À trier",
    "accepted": "Acceptée par l'association",
    "declined": "Refusée par l'association",
    "rerouted": "Routée à nouveau",
    "bounced": "E-mail de l'association rejeté",
    "reminded": "Relance envoyée à l'association",
    "assigned": "Attribuée par l'équipe",
    "closed": "Close",
    "reply_received": "Réponse reçue par e-mail",
    # services/mail_intake.py: the sender's SPF, DKIM and DMARC results (in the detail).
    "sender_unverified": "Expéditeur non vérifié : authentification SPF, DKIM, DMARC en échec",
    "sender_no_verdict": "Expéditeur non vérifié : aucun résultat SPF, DKIM ou DMARC concluant",
    "viewed": "Coordonnées consultées",
    "mail_resent": "E-mail renvoyé à l'association",
    "erased": "Données personnelles effacées",
    "mail_failed": "E-mail non envoyé : envoi abandonné",
}
RULE_LABELS = {
    "active": "Association inactive",
    "territory": "Territoire non couvert",
    "age": "Âge non accueilli",
    "situation": "Situation non accueillie",
    "need": "Besoin non proposé",
    "publics_required": "Public requis absent",
    "declined": "A déjà refusé cette demande",
    "capacity": "Complète",
    "recruits_mentors": "Ne recrute pas de bénévoles",
}
TERRITORY_LEVELS = {"commune": "commune", "departement": "département", "region": "région", "national": "national"}


@dataclass(frozen=True)
class TimelineEntry:
    at: str  # Europe/Paris
    at_iso: str
    type: str
    label: str
    actor: str
    detail: dict[str, Any]
    reply: dict[str, Any] | None = None  # a reply received by mail: from, subject, text


@dataclass(frozen=True)
class RequestPage:
    record: dict[str, Any]
    request: RoutedRecord  # a Request, or a sign-up (console_volunteers.py)
    timeline: list[TimelineEntry]
    candidates: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    associations: list[dict[str, Any]]  # the active ones, for "Attribuer": id, name, full
    association: Association | None
    actions: dict[str, bool] = field(default_factory=dict)


class RequestPageReads(ConsoleParts):
    event_labels: Mapping[str, str] = EVENT_LABELS  # the timeline's words (a sign-up's differ)

    def request_page(self, reference: str, operator: Operator) -> RequestPage:
        """The page; opening it while it shows contact details is a `viewed` event."""
        request = self._load(reference)
        if not request.erased and self._should_log_view(request, operator):
            event = Event(self.clock.now().iso, "viewed", operator.email, {})
            if self.requests.append_event(request.id, event, len(request.events), request.expires_at):
                request = self._load(reference)
        return self._page(request, operator)

    def _should_log_view(self, request: Request, operator: Operator) -> bool:
        if not request.events:
            return True
        last = request.events[-1]
        if last.get("type") != "viewed" or last.get("actor") != operator.email:
            return True
        try:
            seen = parse_iso(str(last["at"])).timestamp()
        except ValueError:
            return True
        return self.clock.now().epoch - seen >= VIEW_AGAIN_SECONDS

    def _page(self, request: Request, operator: Operator) -> RequestPage:
        snapshot = self.directory.snapshot()
        active = [
            {
                "id": a.id,
                "name": a.name,
                "capacity": a.capacity,
                "load": snapshot.load.get(a.id, 0),
                "full": a.capacity is not None and snapshot.load.get(a.id, 0) >= a.capacity,
            }
            for a in snapshot.index.associations
            if a.active
        ]
        open_ = request.status in {Status.NEEDS_TRIAGE, Status.ROUTED}
        actions = {
            "assign": open_ and not request.erased,
            "reroute": open_ and not request.erased,
            "close": request.status != Status.CLOSED,
            "resend": request.status == Status.ROUTED and not request.erased,
            "erase": operator.is_admin and request.erasable,
        }
        return self._record_page(request, snapshot, active, actions)

    def _record_page(
        self,
        record: RoutedRecord,
        snapshot: DirectorySnapshot,
        associations: list[dict[str, Any]],
        actions: dict[str, bool],
    ) -> RequestPage:
        """Any kind's page: the record, its timeline, the routing explanation, its
        association; `associations` and `actions`, what it offers to do."""
        candidates, excluded = routing_explanation(record.routing or {}, snapshot)
        return RequestPage(
            record=record.to_record(),
            request=record,
            timeline=[self._entry(e) for e in record.events],
            candidates=candidates,
            excluded=excluded,
            associations=associations,
            association=snapshot.get(record.association_id or ""),
            actions=actions,
        )

    def _entry(self, event: Mapping[str, Any]) -> TimelineEntry:
        entry = timeline_entry(event, self.event_labels)
        if entry.reply is not None and self.raw_mail is not None and entry.detail.get("raw_key"):
            full = self._reply_text(str(entry.detail["raw_key"]))
            if full:
                entry.reply["text"] = full
        return entry

    def _reply_text(self, key: str) -> str | None:
        """A reply's own text (quoted history cut), read from the raw mail; None if it is
        gone (retention, erasure) or unreadable: the stored excerpt is shown then."""
        from ..domain.inbound_mail import Limits, UnparseableMail, parse_inbound

        if self.raw_mail is None:
            return None
        try:
            # Its own text only: its attached documents are not read on a page view (their
            # reading is bounded in time only in mail intake's child process).
            mail = parse_inbound(self.raw_mail.get(key), limits=Limits(attachment_max_count=0))
        except (KeyError, OSError, UnparseableMail):
            return None
        except Exception as exc:  # noqa: BLE001 - S3 errors: the excerpt will do
            log.warning("console: reply not read", extra={"error": type(exc).__name__})
            return None
        return (mail.own_text or mail.text or "")[:REPLY_TEXT_MAX] or None


def routing_explanation(routing: Mapping[str, Any], snapshot: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The stored explanation of the last routing, for people: the candidates (best first,
    with their score's parts) and the associations each rule left out, by name."""
    names = {a.id: a.name for a in snapshot.index.associations}
    candidates = []
    for c in routing.get("candidates") or []:
        parts = c.get("parts") or {}
        candidates.append(
            {
                "id": c["id"],
                "name": names.get(c["id"], c["id"]),
                "score": c.get("score"),
                "publics": parts.get("publics"),
                "territory": parts.get("territory"),
                "territory_level": TERRITORY_LEVELS.get(parts.get("territory_level") or "", ""),
                "first_need": parts.get("first_need"),
                "needs": parts.get("needs"),  # a request's, a sign-up's
                "load_share": round(100 * float(c.get("load_share") or 0)),
                "chosen": c["id"] == routing.get("association"),
            }
        )
    excluded = [
        {"rule": RULE_LABELS.get(rule, rule), "associations": [names.get(i, i) for i in ids]}
        for rule, ids in (routing.get("excluded") or {}).items()
        if ids
    ]
    return candidates, excluded


def timeline_entry(event: Mapping[str, Any], labels: Mapping[str, str] = EVENT_LABELS) -> TimelineEntry:
    detail = dict(event.get("detail") or {})
    reply = None
    if event.get("type") == "reply_received":
        reply = {
            "from": detail.get("from"),
            "subject": detail.get("subject"),
            "text": detail.get("excerpt"),
            "unverified": detail.get("sender") == "unknown",
        }  # services/mail_intake.py: no verdict
    return TimelineEntry(
        at=french_time(str(event.get("at") or "")),
        at_iso=str(event.get("at") or ""),
        type=str(event.get("type")),
        label=labels.get(str(event.get("type")), str(event.get("type"))),
        actor=str(event.get("actor") or ""),
        detail=detail,
        reply=reply,
    )
