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

from ..domain.models import Association
from ..domain.request import Change, Request
from ..domain.routing import RoutingDecision, route_request
from .answering import DECLINE_REASONS, AnswerFlow, InvalidAnswer, UnknownRequest
from .concurrency import commit_with_retries
from .directory import DirectorySnapshot

# The web's names for the answer page, where they have always been imported from.
__all__ = ["DECLINE_REASONS", "AnswerService", "InvalidAnswer", "UnknownRequest"]

log = logging.getLogger(__name__)


@dataclass(eq=False, kw_only=True)
class AnswerService(AnswerFlow[Request]):
    """A request's answer: routed onward under policy v1, on the directory's load counts."""

    record_type = Request

    # -- what a request's answer is made of (services/answering.py) ---------------------------

    def _after_accept(self, association: Association) -> None:
        self.directory.note_released(association.id)

    def _with_retries(self, attempt: Callable[[DirectorySnapshot], Change[Request]]) -> Change[Request]:
        return commit_with_retries(self.directory, attempt)

    def _decide(
        self, entity: Request, snapshot: DirectorySnapshot, excluded: tuple[str, ...]
    ) -> tuple[RoutingDecision, Association | None]:
        """Policy v1 on the snapshot's load counts."""
        decision = route_request(
            entity.routing_query(), snapshot.index, snapshot.load, excluded, self.settings.routing_weights
        )
        return decision, snapshot.get(decision.association_id) if decision.association_id else None

    def _routed_onward(self, leaving: str, change: Change[Request]) -> None:
        self.directory.note_released(leaving)
        if change.after.association_id:
            self.directory.note_taken(change.after.association_id)
        log.info(
            "request routed onward", extra={"reference": change.after.reference, "status": change.after.status.value}
        )
