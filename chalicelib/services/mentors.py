"""Use cases of volunteer mentors (docs/contract.md §11), with the machinery of requests.

- `MentorService.sign_up`: route under mentor v1, then ONE transaction (the sign-up, its
  reference, timeline, mails, idempotency record, per-IP counter and the association's
  mentor load counter, refused at `mentor_capacity`);
- the association's answer through the same signed link as requests' (its assignment's
  kind is "mentor"): `view`, `accept`, `decline`; silence: `sweep_silence`;
- `MentorQueries`: one sign-up, lists and counts per status (admin API, the console).
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
from .answering import AnswerFlow, AnswerPageState
from .clock import Clock
from .concurrency import commit_on_load
from .intake import Idempotency, IntakeResult, Received, commit_submission, submission_write
from .mentor_mails import MentorMails
from .ports import MentorStore, NewRecord, Rejected
from .queries import read_page, record_view
from .transitions import RenderMail

log = logging.getLogger(__name__)


class MentorAnswerView(AnswerPageState):
    """A sign-up's answer page."""

    @property
    def signup(self) -> dict[str, Any]:
        return self.record


@dataclass(eq=False, kw_only=True)
class MentorService(AnswerFlow[MentorSignup, MentorAnswerView]):
    view_type = MentorAnswerView
    record_type = MentorSignup
    mentors: MentorStore
    mails: MentorMails

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
            self.mentors.commit_new(write)
            return IntakeResult.of(write.record, tuple(m.id for m in write.mails))

        result = commit_submission(
            lambda: self._with_retries(attempt, received.new_reference_if_taken), self.mentors, idempotency, at.epoch
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
        return commit_on_load(self.mentors.load_counts, attempt, retry_also)

    # -- the association's answer: the same link and page as requests' (services/answering.py)

    @property
    def store(self) -> MentorStore:
        return self.mentors

    @property
    def render(self) -> RenderMail:
        return self.mails.render

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


def signup_view(signup: MentorSignup, with_timeline: bool = True) -> dict[str, Any]:
    """The admin API's shape of a sign-up: its fields at the top, then the rest (as requests')."""
    stored = signup.to_record()
    return record_view(
        stored,
        {
            "association": stored.get("association"),
            "declined": stored.get("declined", []),
            "triage_reason": stored.get("triage_reason"),
            "routing": stored.get("routing"),
            "expires_at": stored.get("expires_at"),
        },
        with_timeline,
    )


@dataclass(eq=False, kw_only=True)
class MentorQueries:
    """Reads for operators: the admin API and the console's volunteers tab and statistics."""

    mentors: MentorStore
    clock: Clock

    def get(self, id_or_reference: str) -> dict[str, Any] | None:
        stored = self.mentors.get(id_or_reference.strip(), self.clock.now().epoch)
        return signup_view(stored) if stored else None

    def list(
        self,
        status: str | None = None,
        association: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page, newest first, with the next page's cursor (None on the last)."""
        return read_page(
            lambda: self.mentors.page(self.clock.now().epoch, status, association, limit, cursor),
            lambda signup: signup_view(signup, with_timeline=False),
        )

    def counts(self) -> dict[str, int]:
        """Sign-ups per status, past their retention left out."""
        return self.mentors.count_by_status(self.clock.now().epoch)
