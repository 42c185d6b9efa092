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
from ..domain.request import Change, Moment, Request
from ..domain.routing import RoutingDecision, route_request
from .clock import Clock
from .concurrency import commit_with_retries
from .directory import DirectoryService, DirectorySnapshot
from .mails import MailComposer
from .ports import AnswerLinks, Assignment, MailLogStore, OutboxStore, Refusal, Rejected, RequestStore, Transition

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
        *,
        requests: RequestStore,
        outbox: OutboxStore,
        mail_log: MailLogStore,
        directory: DirectoryService,
        mails: MailComposer,
        links: AnswerLinks,
        clock: Clock,
        settings: Settings,
    ):
        self.requests = requests
        self.outbox = outbox
        self.mail_log = mail_log
        self.directory = directory
        self.mails = mails
        self.links = links
        self.clock = clock
        self.settings = settings

    # -- the association's page ---------------------------------------------------

    def view(self, token: str) -> AnswerView:
        """What the link shows. Reads only: mail scanners open every link."""
        assignment = self.links.read_answer_token(token)  # InvalidLink: tampered or expired
        request = self._load(assignment.request_id)
        association = self.directory.snapshot().get(assignment.association_id)
        state = request.answer_state(assignment.association_id, assignment.attempt)
        return AnswerView(state, request.to_record(), association, assignment)

    def accept(self, token: str) -> AnswerView:
        view = self.view(token)
        if view.state != "open" or view.association is None:
            return view  # a second click, or an answer after another outcome: show what happened
        change = Request.from_record(view.request).accept(view.association, self._moment())
        try:
            self._commit(change)
        except Rejected as refused:
            if refused.what is not Refusal.STALE:
                raise
            return self.view(token)  # another answer won the race: show it
        self.directory.note_released(view.association.id)
        return AnswerView("accepted", change.after.to_record(), view.association, view.assignment, just_done="accepted")

    def decline(self, token: str, reason: Optional[str], comment: Optional[str]) -> AnswerView:
        if reason not in {value for value, _ in DECLINE_REASONS}:
            raise InvalidAnswer("reason", "Choisissez la raison du refus.")
        view = self.view(token)
        if view.state != "open" or view.association is None:
            return view
        note = (comment or "").strip()[:1000]
        after = self._route_onward(
            Request.from_record(view.request), lambda r, d, a, at: r.decline(reason, note, d, a, at)
        )
        if after is None:
            return self.view(token)
        return AnswerView("declined", after.to_record(), view.association, view.assignment, just_done="declined")

    # -- silence and bounces (the sweeper, SES notifications) -------------------------

    def sweep_silence(self) -> tuple[int, int]:
        """Remind associations that have not answered; route onward those that still have not."""
        now = self.clock.now()
        reminded = rerouted = 0
        for record in self.requests.routed_waiting_since(now.epoch - self.settings.reminder_days * 86400, now.epoch):
            request = Request.from_record(record)
            waited = now.epoch - int(request.assigned_at or now.epoch)
            if waited >= self.settings.reroute_days * 86400:
                rerouted += self._route_onward(request, lambda r, d, a, at: r.reroute_for_silence(d, a, at)) is not None
            elif not request.reminded_at:
                reminded += self._remind(request, waited // 86400)
        return reminded, rerouted

    def _remind(self, request: Request, days_waiting: int) -> bool:
        association = self.directory.snapshot().get(request.association_id or "")
        if association is None:
            return False
        try:
            self._commit(request.remind(days_waiting, association, self._moment()))
        except Rejected as refused:
            if refused.what is not Refusal.STALE:
                raise
            return False  # answered meanwhile
        return True

    def association_mail_bounced(self, mail_id: str, address: Optional[str], reason: str) -> bool:
        """The association's mail could not be delivered: route onward now, flag the address."""
        mail = self.outbox.mail_state(mail_id)
        if mail is None or mail.get("kind") not in {"association_new_request", "association_reminder"}:
            return False
        address = address or mail["to"][0]
        now = self.clock.now()
        record = self.requests.get_request(mail["request_id"], now.epoch)
        if record is None:
            return False
        request = Request.from_record(record)
        association = self.directory.snapshot().get(request.association_id or "")
        self.mail_log.flag_address(association.id if association else "unknown", address, now.iso, reason)
        if request.status.value != "routed" or association is None or address.lower() not in [e.lower() for e in association.emails]:
            return False  # an old mail: the request has moved on already
        return self._route_onward(request, lambda r, d, a, at: r.bounce(address, reason, d, a, at)) is not None

    # -- shared ---------------------------------------------------------------------

    def _load(self, request_id: str) -> Request:
        record = self.requests.get_request(request_id, self.clock.now().epoch)
        if record is None:
            raise UnknownRequest()
        return Request.from_record(record)

    def _moment(self) -> Moment:
        now = self.clock.now()
        return Moment(now.epoch, now.iso)

    def _route_onward(self, request: Request, move: Any) -> Optional[Request]:
        """Route again without the association that lets it go, nor any that declined it
        (policy v1), and apply `move` (decline, silence, bounce); None if another change
        of the request won meanwhile."""
        leaving = request.association_id or ""
        excluded = request.excluding(leaving)

        def attempt(snapshot: DirectorySnapshot) -> Change:
            decision: RoutingDecision = route_request(
                request.routing_query(), snapshot.index, snapshot.load, excluded, self.settings.routing_weights
            )
            association = snapshot.get(decision.association_id) if decision.association_id else None
            change = move(request, decision, association, self._moment())
            self._commit(change)
            return change

        try:
            change = commit_with_retries(self.directory, attempt)
        except Rejected as refused:
            if refused.what is Refusal.STALE:
                return None
            raise
        self.directory.note_released(leaving)
        if change.after.association_id:
            self.directory.note_taken(change.after.association_id)
        log.info("request routed onward", extra={"reference": request.reference, "status": change.after.status.value})
        return change.after

    def _commit(self, change: Change) -> None:
        """Commit: that is the outcome. The mails it stored leave through the table's
        stream, outside the request (services/outbox.py)."""
        before, after = change.before, change.after
        record = after.to_record()
        record.pop("events"), record.pop("expires_at")
        self.requests.commit_transition(
            Transition(
                request=record,
                from_status=before.status.value,
                from_attempt=before.attempt,
                events=list(change.events),
                mails=[self.mails.render(intent, after) for intent in change.mails],
                expires_at=before.expires_at,
                mail_expires_at=self.clock.now().epoch + self.settings.mail_retention_days * 86400,
                load_changes=[(c.association_id, c.delta, c.capacity) for c in change.load],
                event_seq=len(before.events),
                assigned_before=before.assigned_at,  # the time to answer, for the statistics
            )
        )
