"""The JSON API of volunteer mentors (contract section 11): `POST /api/v1/mentors` (the
same door as `POST /api/v1/requests`: body limits, cross-site check, Idempotency-Key,
per-IP limit) and the admin read `GET /api/v1/mentors/{id_or_reference}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalice import Response

from ..config import Settings
from ..domain.mentor_submission import parse_mentor_submission
from ..domain.submission import InvalidSubmission
from ..services.intake import Idempotency, IdempotencyConflict, RateLimited
from . import security
from .parsing import MAX_API_BYTES, BodyRefused, parse_json
from .responses import api_error, api_errors, json_response, too_many

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.mentors import MentorQueries, MentorService


@dataclass(frozen=True, kw_only=True)
class MentorApi:
    settings: Settings
    mentors: MentorService
    queries: MentorQueries

    def submit(self, request: Request) -> Response:
        raw = request.raw_body or b""
        if len(raw) > MAX_API_BYTES:
            return api_error("body", "body larger than 64 KiB", 413)
        if not security.cross_site_post_allowed(request.headers, self.settings):
            return api_error("Origin", "cross-site submissions only from partner origins", 403)
        try:
            body = parse_json(raw, MAX_API_BYTES)
        except BodyRefused as refused:
            return json_response(refused.api_errors(), refused.status)
        if not isinstance(body, dict):
            return api_error("body", "a JSON object is expected", 400)
        try:
            submission = parse_mentor_submission(body, json=True)
        except InvalidSubmission as exc:
            return api_errors(exc.errors)
        key = (request.headers.get("idempotency-key") or "").strip()
        idem = Idempotency.of_api(key[:200], body) if key else None
        try:
            result = self.mentors.sign_up(submission, "api", idem, security.rate_key(request, self.settings))
        except RateLimited:
            return too_many(self.settings, as_page=False)
        except IdempotencyConflict:
            return api_error("Idempotency-Key", "key already used with another body", 409)
        return json_response(result.as_response(), 201)

    def get_signup(self, request: Request, id_or_reference: str) -> Response:
        if not security.is_admin(request.headers, self.settings):
            return api_error("Authorization", "admin token required", 401, {"WWW-Authenticate": "Bearer"})
        found = self.queries.get(id_or_reference)
        if found is None:
            return api_error("id", "no such sign-up", 404)
        return json_response(found)

