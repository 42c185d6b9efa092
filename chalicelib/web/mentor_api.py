"""The JSON API of volunteer mentors (docs/contract.md §11): `POST /api/v1/mentors` (the
same door as `POST /api/v1/requests`: body limits, cross-site check, Idempotency-Key,
per-IP limit) and the admin read `GET /api/v1/mentors/{id_or_reference}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalice import Response

from ..config import Settings
from ..domain.mentor_submission import parse_mentor_submission
from .json_door import admin_refusal, json_submission
from .responses import api_error, json_response

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.mentors import MentorQueries, MentorService


@dataclass(frozen=True, kw_only=True)
class MentorApi:
    settings: Settings
    mentors: MentorService
    queries: MentorQueries

    def submit(self, request: Request) -> Response:
        return json_submission(
            request,
            self.settings,
            lambda body: parse_mentor_submission(body, json=True),
            lambda submission, idempotency, rate_key: self.mentors.sign_up(submission, "api", idempotency, rate_key),
        )

    def get_signup(self, request: Request, id_or_reference: str) -> Response:
        if (denied := admin_refusal(request, self.settings)) is not None:
            return denied
        found = self.queries.get(id_or_reference)
        if found is None:
            return api_error("id", "no such sign-up", 404)
        return json_response(found)
