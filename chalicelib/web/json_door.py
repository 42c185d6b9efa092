"""What the JSON API's doors share: an anonymous submission's way in (requests, docs/contract.md
§4; volunteers' sign-ups, §11) and the admin token's check."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Response

from ..config import Settings
from ..domain.submission import InvalidSubmission
from ..services.intake import Idempotency, IdempotencyConflict
from ..services.rate_limit import RateLimited
from . import security
from .parsing import MAX_API_BYTES, BodyRefused, body_bytes, parse_json
from .responses import api_error, api_errors, json_response, too_many

if TYPE_CHECKING:
    from chalice.app import Request

Submission = TypeVar("Submission")


def json_submission(
    request: Request,
    settings: Settings,
    parse: Callable[[dict[str, Any]], Submission],
    submit: Callable[[Submission, Idempotency | None, str | None], Any],
) -> Response:
    """One anonymous JSON submission: body limits, the cross-site check, a JSON object whose
    fields `parse` reads (InvalidSubmission: 422, one message a field), the Idempotency-Key,
    then `submit(submission, idempotency, rate_key)`, whose result answers 201."""
    raw = body_bytes(request)
    if len(raw) > MAX_API_BYTES:
        return api_error("body", "body larger than 64 KiB", 413)
    if not security.cross_site_post_allowed(request.headers, settings):
        # A browser page elsewhere can post a text/plain body here without a preflight.
        return api_error("Origin", "cross-site submissions only from partner origins", 403)
    try:
        body = parse_json(raw, MAX_API_BYTES)
    except BodyRefused as refused:
        return json_response(refused.api_errors(), refused.status)
    if not isinstance(body, dict):
        return api_error("body", "a JSON object is expected", 400)
    try:
        submission = parse(body)
    except InvalidSubmission as exc:
        return api_errors(exc.errors)
    key = (request.headers.get("idempotency-key") or "").strip()
    idempotency = Idempotency.of_api(key[:200], body) if key else None
    try:
        result = submit(submission, idempotency, security.rate_key(request, settings))
    except RateLimited:
        return too_many(settings, as_page=False)
    except IdempotencyConflict:
        return api_error("Idempotency-Key", "key already used with another body", 409)
    return json_response(result.as_response(), 201)


def admin_refusal(request: Request, settings: Settings) -> Response | None:
    """The 401 answer to a request without the admin token; None when it has it."""
    if not security.is_admin(request.headers, settings):
        return api_error("Authorization", "admin token required", 401, {"WWW-Authenticate": "Bearer"})
    return None
