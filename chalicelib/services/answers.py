"""Use case: the association answers (docs/contract.md §9), or does not.

Accept: the request is the association's, its contact details are shown, the requester is
told. Decline: the request goes to the next candidate under policy v1, never back to an
association that declined, or to triage. Silence: a reminder after REMINDER_DAYS, the next
candidate after REROUTE_DAYS. A bounce of the association's mail: the next candidate at
once, and the address is flagged. Every change is one conditional transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.change import Moment
from ..domain.models import Association
from ..domain.request import Change, Request
from ..domain.routing import RoutingDecision, route_request
from .answering import DECLINE_REASONS, AnswerFlow, AnswerPageState, InvalidAnswer, UnknownRequest
from .concurrency import commit_with_retries
from .directory import DirectorySnapshot
from .mails import MailComposer
from .ports import RequestStore
from .transitions import request_transition

# The web's names for the answer page, where they have always been imported from.
__all__ = ["DECLINE_REASONS", "AnswerService", "AnswerView", "InvalidAnswer", "UnknownRequest"]

log = logging.getLogger(__name__)


class AnswerView(AnswerPageState):
    """A request's answer page."""

    @property
    def request(self) -> dict[str, Any]:
        return self.record


@dataclass(eq=False, kw_only=True)
class AnswerService(AnswerFlow[Request, AnswerView]):
    view_type = AnswerView
    record_type = Request
    requests: RequestStore
    mails: MailComposer

    # -- what a request's answer is made of (services/answering.py) ---------------------------

    def _read(self, record_id: str, now: int) -> dict[str, Any] | None:
        return self.requests.get_request(record_id, now)

    def _from_record(self, record: dict[str, Any]) -> Request:
        return Request.from_record(record)

    def _accepted(self, entity: Request, association: Association, at: Moment) -> Change:
        return entity.accept(association, at)

    def _after_accept(self, association: Association) -> None:
        self.directory.note_released(association.id)

    def _waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
        return self.requests.routed_waiting_since(before_epoch, now)

    def _with_retries(self, attempt: Callable[[DirectorySnapshot], Change]) -> Change:
        return commit_with_retries(self.directory, attempt)

    def _decide(
        self, entity: Request, snapshot: DirectorySnapshot, excluded: tuple[str, ...]
    ) -> tuple[RoutingDecision, Association | None]:
        """Policy v1 on the snapshot's load counts."""
        decision = route_request(
            entity.routing_query(), snapshot.index, snapshot.load, excluded, self.settings.routing_weights
        )
        return decision, snapshot.get(decision.association_id) if decision.association_id else None

    def _routed_onward(self, leaving: str, change: Change) -> None:
        self.directory.note_released(leaving)
        if change.after.association_id:
            self.directory.note_taken(change.after.association_id)
        log.info(
            "request routed onward", extra={"reference": change.after.reference, "status": change.after.status.value}
        )

    def _commit(self, change: Change) -> None:
        """Commit: that is the outcome. The mails it stored leave through the table's
        stream, outside the request (services/outbox.py)."""
        self.requests.commit_transition(request_transition(change, self.mails.render, self.clock, self.settings))
