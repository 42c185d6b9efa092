"""The JSON API (docs/contract.md §4): submissions from partners, and the operators' reads
and directory (admin token)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice import Response

from ..domain.digits import whole_number
from ..domain.models import ASSOCIATION_ID_PATTERN, NewRequest
from ..domain.submission import Submission, parse_submission
from ..domain.vocabulary import Channel, Status
from ..services.directory import API_AUTHOR, InvalidDirectory
from ..services.ports import InvalidCursor
from ..services.queries import DEFAULT_PAGE, MAX_PAGE
from .json_door import RecordApi, admin_refusal
from .parsing import MAX_DIRECTORY_BYTES, BodyRefused, body_bytes, parse_json, query_of
from .responses import api_error, json_response

if TYPE_CHECKING:
    from chalice.app import Request

    from ..services.directory import DirectoryService
    from ..services.intake import Idempotency, IntakeResult, IntakeService
    from ..services.outbox import OutboxService
    from ..services.queries import RequestQueries

LISTED_AT_MOST = 100  # quarantined and failed mails: the newest, for an operator to look at


@dataclass(frozen=True, kw_only=True)
class Api(RecordApi):
    """A request's doors (web/json_door.py: `submit`, `get_record`), and the operators'."""

    intake: IntakeService
    requests: RequestQueries
    directory: DirectoryService
    outbox: OutboxService
    healthy: Callable[[], bool]  # storage answers (the composition root knows how to ask)
    missing = "no such request"

    def _parse(self, body: dict[str, Any]) -> Submission:
        return parse_submission(body, json=True)

    def _store(self, submission: Submission, idempotency: Idempotency | None, rate_key: str | None) -> IntakeResult:
        return self.intake.accept(NewRequest.from_submission(submission, Channel.API), idempotency, rate_key)

    def _find(self, id_or_reference: str) -> dict[str, Any] | None:
        return self.requests.get(id_or_reference)

    # -- the operators' reads and the directory (admin token) ----------------------------

    def _admin_only(self, request: Request) -> Response | None:
        return admin_refusal(request, self.settings)

    def list_requests(self, request: Request) -> Response:
        if (denied := self._admin_only(request)) is not None:
            return denied
        q = query_of(request)
        status = q.get("status")
        if status is not None and status not in {s.value for s in Status}:
            return api_error("status", f"one of {[s.value for s in Status]}", 422)
        association = q.get("association") or None  # empty: no filter, as before
        if association is not None and not re.fullmatch(ASSOCIATION_ID_PATTERN, association):
            return api_error("association", "an association id (lower case letters, digits and hyphens)", 422)
        limit = whole_number(q.get("limit", str(DEFAULT_PAGE)))
        if limit is None or not 1 <= limit <= MAX_PAGE:
            return api_error("limit", f"a whole number from 1 to {MAX_PAGE}", 422)
        try:
            items, cursor = self.requests.list(status, association, limit, q.get("cursor"))
        except InvalidCursor:
            # The query names the page: a cursor we did not issue names no page (404, as for
            # any unknown resource; the OpenAPI document says so, and a fuzzer sending any
            # string the schema allows expects no 422 for it), rather than a malformed request.
            return api_error("cursor", "no such page: use the `next` value of a page", 404)
        return json_response({"items": items, "next": cursor})

    def put_directory(self, request: Request) -> Response:
        if (denied := self._admin_only(request)) is not None:
            return denied
        try:
            body = parse_json(body_bytes(request), MAX_DIRECTORY_BYTES)
        except BodyRefused as refused:
            return json_response(refused.api_errors(), refused.status)
        if not isinstance(body, dict) or "associations" not in body:
            return api_error("associations", "missing", 422)
        try:
            # The admin token's act: it may change addresses, and their notices go out.
            count = self.directory.replace(body["associations"], author=API_AUTHOR)
        except InvalidDirectory as exc:
            return json_response({"errors": exc.errors}, 422)
        return json_response({"count": count})

    def get_directory(self, request: Request) -> Response:
        if (denied := self._admin_only(request)) is not None:
            return denied
        # `flags`: addresses whose mail bounced, for an operator to correct the directory.
        return json_response({"associations": self.directory.entries(), "flags": self.directory.address_flags()})

    def quarantine(self, request: Request) -> Response:
        """Inbound mail that could not be parsed, newest first, with the reason."""
        if (denied := self._admin_only(request)) is not None:
            return denied
        return json_response({"items": self.requests.quarantined(LISTED_AT_MOST)})

    def outbox_failed(self, request: Request) -> Response:
        """Mails given up (`?state=failed`, the only state listed), newest first."""
        if (denied := self._admin_only(request)) is not None:
            return denied
        if query_of(request).get("state", "failed") != "failed":
            return api_error("state", "only 'failed' is listed", 422)
        return json_response({"items": self.outbox.failed_mails(LISTED_AT_MOST)})

    def openapi(self) -> Response:
        from .openapi import openapi_document

        return json_response(openapi_document())

    def health(self) -> Response:
        ok = self.healthy()
        return json_response({"status": "ok" if ok else "unavailable"}, 200 if ok else 503)
