"""The JSON API of volunteer mentors (docs/contract.md §11): `POST /api/v1/mentors` (the
same door as `POST /api/v1/requests`: body limits, cross-site check, Idempotency-Key,
per-IP limit) and the admin read `GET /api/v1/mentors/{id_or_reference}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domain.mentor_submission import MentorSubmission, parse_mentor_submission
from .json_door import RecordApi

if TYPE_CHECKING:
    from ..domain.mentor import MentorSignup
    from ..services.intake import Idempotency, IntakeResult
    from ..services.mentors import MentorService
    from ..services.queries import RecordQueries


@dataclass(frozen=True, kw_only=True)
class MentorApi(RecordApi):
    """A sign-up's doors (web/json_door.py serves both kinds): only its fields and use
    cases are the volunteers' own."""

    mentors: MentorService
    queries: RecordQueries[MentorSignup]
    missing = "no such sign-up"

    def _parse(self, body: dict[str, Any]) -> MentorSubmission:
        return parse_mentor_submission(body, json=True)

    def _store(
        self, submission: MentorSubmission, idempotency: Idempotency | None, rate_key: str | None
    ) -> IntakeResult:
        return self.mentors.sign_up(submission, "api", idempotency, rate_key)

    def _find(self, id_or_reference: str) -> dict[str, Any] | None:
        return self.queries.get(id_or_reference)
