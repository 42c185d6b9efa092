"""Use case: the association answers (contract section 9), or does not.

Accept: the request is the association's, its contact details are shown, the requester is
told. Decline: the request goes to the next candidate under policy v1, never back to an
association that declined, or to triage. Silence: a reminder after REMINDER_DAYS, the next
candidate after REROUTE_DAYS. A bounce of the association's mail: the next candidate at
once, and the address is flagged. Every change is one conditional transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Optional

from ..config import Settings
from ..domain.models import Association
from ..domain.routing import route_request
from ..domain.territory import Place
from .clock import Clock
from .directory import DirectoryService
from .intake import MAX_ATTEMPTS, routing_query
from .mails import MailComposer, requester_address
from .ports import Assignment, Event, Rejected, Transition

log = logging.getLogger(__name__)

DECLINE_REASONS = (
    ("complet", "Nous n'avons plus de place pour le moment"),
    ("territoire", "Ce territoire n'est pas couvert par notre association"),
    ("profil", "L'âge, la situation ou le besoin ne correspondent pas à notre action"),
    ("autre", "Autre raison"),
)


class UnknownRequest(Exception):
    """The link is genuine but its request is gone (expired) or never existed."""


class InvalidAnswer(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AnswerView:
    state: str  # "open", "accepted", "declined", "elsewhere"
    request: dict[str, Any]
    association: Optional[Association]
    assignment: Assignment
    just_done: Optional[str] = None


class AnswerService:
    def __init__(
        self,
        store: Any,
        directory: DirectoryService,
        mails: MailComposer,
        clock: Clock,
        settings: Settings,
        links: Any,
    ):
        self.store = store
        self.directory = directory
        self.mails = mails
        self.clock = clock
        self.settings = settings
        self.links = links

    # -- the association's page ---------------------------------------------------

    def view(self, token: str) -> AnswerView:
        """What the link shows. Reads only: mail scanners open every link."""
        assignment = self.links.read_answer_token(token)  # InvalidLink: tampered or expired
        request = self.store.get_request(assignment.request_id, self.clock.now().epoch)
        if request is None:
            raise UnknownRequest()
        association = self.directory.snapshot().get(assignment.association_id)
        return AnswerView(self._state(request, assignment), request, association, assignment)

    @staticmethod
    def _state(request: dict[str, Any], a: Assignment) -> str:
        if request.get("association_id") == a.association_id and request.get("attempt") == a.attempt:
            return {"routed": "open", "accepted": "accepted"}.get(request["status"], "elsewhere")
        if a.association_id in request.get("declined", []):
            return "declined"
        return "elsewhere"

    def accept(self, token: str) -> AnswerView:
        view = self.view(token)
        if view.state != "open" or view.association is None:
            return view  # a second click, or an answer after another outcome: show what happened
        now = self.clock.now()
        request = {**view.request, "status": "accepted", "accepted_at": now.iso, "updated_at": now.iso}
        mails = []
        to = requester_address(request)
        if to:
            mails.append(self.mails.requester_accepted(request, view.association, to))
        transition = self._transition(
            view.request, request, [Event(now.iso, "accepted", view.association.id, {})], mails,
            [(view.association.id, -1, None)],
        )
        try:
            self._commit(transition)
        except Rejected as refused:
            if refused.what != "request":
                raise
            return self.view(token)  # another answer won the race: show it
        self.directory.note_released(view.association.id)
        return AnswerView("accepted", request, view.association, view.assignment, just_done="accepted")

    def decline(self, token: str, reason: Optional[str], comment: Optional[str]) -> AnswerView:
        if reason not in {value for value, _ in DECLINE_REASONS}:
            raise InvalidAnswer("reason", "Choisissez la raison du refus.")
        view = self.view(token)
        if view.state != "open" or view.association is None:
            return view
        now = self.clock.now()
        detail = {"reason": reason, "comment": (comment or "").strip()[:1000]}
        event = Event(now.iso, "declined", view.association.id, detail)
        outcome = self._route_onward(view.request, view.association.id, [event])
        if outcome is None:
            return self.view(token)
        return AnswerView("declined", outcome, view.association, view.assignment, just_done="declined")

    # -- silence and bounces (the sweeper, SES notifications) -------------------------

    def sweep_silence(self) -> tuple[int, int]:
        """Remind associations that have not answered; route onward those that still have not."""
        now = self.clock.now()
        reminded = rerouted = 0
        for request in self.store.routed_waiting_since(now.epoch - self.settings.reminder_days * 86400, now.epoch):
            waited = now.epoch - int(request["assigned_at"])
            association_id = request["association_id"]
            if waited >= self.settings.reroute_days * 86400:
                event = Event(now.iso, "rerouted", "system", {"association": association_id, "reason": "no answer"})
                rerouted += self._route_onward(request, association_id, [event]) is not None
            elif not request.get("reminded_at"):
                reminded += self._remind(request, waited // 86400)
        return reminded, rerouted

    def _remind(self, request: dict[str, Any], days_waiting: int) -> bool:
        association = self.directory.snapshot().get(request["association_id"])
        if association is None:
            return False
        now = self.clock.now()
        updated = {**request, "reminded_at": now.epoch, "updated_at": now.iso}
        mail = self.mails.association_reminder(updated, association, request["attempt"], days_waiting)
        event = Event(now.iso, "reminded", "system", {"association": association.id})
        try:
            self._commit(self._transition(request, updated, [event], [mail], []))
        except Rejected:
            return False  # answered meanwhile
        return True

    def association_mail_bounced(self, mail_id: str, address: Optional[str], reason: str) -> bool:
        """The association's mail could not be delivered: route onward now, flag the address."""
        mail = self.store.mail_state(mail_id)
        if mail is None or mail.get("kind") not in {"association_new_request", "association_reminder"}:
            return False
        address = address or mail["to"][0]
        now = self.clock.now()
        request = self.store.get_request(mail["request_id"], now.epoch)
        if request is None:
            return False
        association = self.directory.snapshot().get(request.get("association_id") or "")
        self.store.flag_address(association.id if association else "unknown", address, now.iso, reason)
        if request["status"] != "routed" or association is None or address.lower() not in [e.lower() for e in association.emails]:
            return False  # an old mail: the request has moved on already
        event = Event(now.iso, "bounced", "mail", {"association": association.id, "address": address, "reason": reason})
        return self._route_onward(request, association.id, [event]) is not None

    # -- shared ---------------------------------------------------------------------

    def _route_onward(self, request: dict[str, Any], leaving: str, events: list[Event]) -> Optional[dict[str, Any]]:
        """Route again without `leaving` and every association that declined; None if raced."""
        declined = list(dict.fromkeys([*request.get("declined", []), leaving]))
        place = Place(**request["place"]) if request.get("place") else None
        query = routing_query(request["fields"], place)
        for _ in range(MAX_ATTEMPTS):
            snapshot = self.directory.snapshot()
            decision = route_request(query, snapshot.index, snapshot.load, declined, self.settings.routing_weights)
            now = self.clock.now()
            association = snapshot.get(decision.association_id) if decision.association_id else None
            updated = {
                **request,
                "declined": declined,
                "updated_at": now.iso,
                "routing": decision.as_dict(),
                "triage_reason": decision.reason,
                "reminded_at": None,
            }
            mails, load = [], [(leaving, -1, None)]
            if association:
                attempt = int(request.get("attempt") or 0) + 1
                updated.update(
                    status="routed", association_id=association.id, attempt=attempt, assigned_at=now.epoch,
                    association={"id": association.id, "name": association.name},
                )
                step = Event(now.iso, "routed", "routing", {"association": association.id})
                mails.append(self.mails.association_new_request(updated, association, attempt))
                load.append((association.id, 1, association.capacity))
            else:
                updated.update(status="needs_triage", association_id=None, association=None)
                step = Event(now.iso, "needs_triage", "routing", {"reason": decision.reason})
            try:
                self._commit(self._transition(request, updated, [*events, step], mails, load))
            except Rejected as refused:
                if refused.what in {"capacity", "conflict"}:
                    self.directory.refresh_load()
                    continue
                if refused.what == "request":
                    return None
                raise
            self.directory.note_released(leaving)
            if association:
                self.directory.note_taken(association.id)
            log.info("request routed onward", extra={"reference": request["reference"], "status": updated["status"]})
            return updated
        raise RuntimeError("could not route onward")  # pragma: no cover - capacity churn

    def _commit(self, transition: Transition) -> None:
        """Commit: that is the outcome. The mails it stored leave through the table's
        stream, outside the request (services/outbox.py)."""
        self.store.commit_transition(transition)

    def _transition(self, before: dict[str, Any], after: dict[str, Any], events: list[Event], mails: list, load: list) -> Transition:
        return Transition(
            request=after,
            from_status=before["status"],
            from_attempt=int(before.get("attempt") or 0),
            events=events,
            mails=mails,
            expires_at=int(before["expires_at"]),
            mail_expires_at=self.clock.now().epoch + self.settings.mail_retention_days * 86400,
            load_changes=load,
            event_seq=len(before.get("events", [])),
        )
