"""Use cases of volunteer mentors (docs/contract.md §11), with the machinery of requests.

- `MentorService.sign_up`: route under mentor v1, then ONE transaction (the sign-up, its
  reference, timeline, mails, idempotency record, per-IP counter and the association's
  mentor load counter, refused at `mentor_capacity`);
- the association's answer through the same signed link as requests' (its assignment's
  kind is "mentor"): `view`, `accept`, `decline`; silence: `sweep_silence`;
- their reads for operators: services/queries.py RecordQueries, as requests'.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..domain.change import Moment
from ..domain.mentor import MentorSignup, new_mentor_reference
from ..domain.mentor_routing import MentorRoutingDecision, route_mentor
from ..domain.mentor_submission import MentorSubmission
from ..domain.models import Association
from ..domain.routed_record import Change
from ..domain.territory import resolve_place
from ..domain.vocabulary import Status
from .answering import AnswerFlow
from .concurrency import commit_on_load
from .intake import Idempotency, IntakeResult, Received, commit_submission, submission_write
from .ports import NewRecord, Rejected

log = logging.getLogger(__name__)


@dataclass(eq=False, kw_only=True)
class MentorService(AnswerFlow[MentorSignup]):
    """A sign-up: routed under mentor v1 on the mentor load counters, then answered as a
    request is (services/answering.py)."""

    record_type = MentorSignup

    # -- signing up ------------------------------------------------------------------

    def sign_up(
        self,
        submission: MentorSubmission,
        channel: str,
        idempotency: Idempotency | None = None,
        rate_key: str | None = None,
    ) -> IntakeResult:
        """Route and store a sign-up in one transaction; its mails wait in the outbox."""
        if idempotency:
            # Requests' and sign-ups' keys are one table's items: a partner may use the same
            # key on both doors without one answering for the other.
            idempotency = replace(idempotency, key=f"mentor-{idempotency.key}")
        at = self._moment()
        place = resolve_place(submission.postal_code, submission.city)
        received = Received(
            MentorSignup(
                id=uuid.uuid4().hex,
                reference=new_mentor_reference(),
                channel=channel,
                status=Status.NEEDS_TRIAGE,  # until routed: the transition decides
                created_at=at.iso,
                updated_at=at.iso,
                fields=submission.model_dump(mode="json"),
                expires_at=at.epoch + self.settings.mentor_retention_days * 86400,
                place=place.__dict__ if place else None,
            ),
            new_mentor_reference,
        )

        def attempt(load: dict[str, int]) -> IntakeResult:
            decision = self._route(received.record, load, ())
            change = received.record.first_routing(decision, self._association(decision.association_id), at)
            write = self._write(change, at, idempotency, rate_key)
            self.store.commit_new(write)
            return IntakeResult.of(write.record, tuple(m.id for m in write.mails))

        result = commit_submission(
            lambda: self._with_retries(attempt, received.new_reference_if_taken), self.store, idempotency, at.epoch
        )
        if result.replayed:
            return result
        result.log_received(log, "mentor sign-up received", channel)
        return result

    def _write(
        self, change: Change[MentorSignup], at: Moment, idempotency: Idempotency | None, rate_key: str | None
    ) -> NewRecord[MentorSignup]:
        mails = [self.mails.render(intent, change.after) for intent in change.mails]
        return submission_write(change, mails, list(change.events), at, idempotency, rate_key, self.settings)

    # -- routing -----------------------------------------------------------------------

    def _route(self, signup: MentorSignup, load: dict[str, int], declined: tuple[str, ...]) -> MentorRoutingDecision:
        associations = self.directory.snapshot().index.associations
        return route_mentor(signup.routing_query(), associations, load, declined)

    def _with_retries(
        self, attempt: Callable[[dict[str, int]], Any], retry_also: Callable[[Rejected], bool] = lambda refused: False
    ) -> Any:
        """Route on the mentor load counters as read now, commit; a full association or a
        concurrent write refuses the commit (nothing written): read them again, route again
        (services/concurrency.py, requests' helper)."""
        return commit_on_load(self.store.load_counts, attempt, retry_also)

    # -- the association's answer: the same link and page as requests' (services/answering.py)

    def _decide(
        self, entity: MentorSignup, load: dict[str, int], excluded: tuple[str, ...]
    ) -> tuple[MentorRoutingDecision, Association | None]:
        """Mentor v1 on the mentor load counters."""
        decision = self._route(entity, load, excluded)
        return decision, self._association(decision.association_id)

    def _routed_onward(self, leaving: str, change: Change[MentorSignup]) -> None:
        log.info(
            "mentor sign-up routed onward",
            extra={"reference": change.after.reference, "status": change.after.status.value},
        )
