"""The error boundary of the HTTP door: no raw 500, no stack trace, no personal data.

Every route of app.py reaches its view through `app.guarded`, so an exception that a view
did not handle becomes, here and only here:
- storage unavailable (StorageUnavailable): 503 with `Retry-After`;
- anything else: 500;
as a French page for pages and as `{"errors": [...]}` for the API. Each answer carries a
correlation id (`X-Correlation-Id`, and shown on the page) that the log line also holds,
so that an operator finds the failure from what a person reports. The log line holds the
exception's type and where it was raised, never its message (it may quote input).
Chalice middleware cannot do this: Chalice turns a view's exception into its own 500
before a middleware sees it. Chalice also answers its own raw 500 for a response whose
header value holds a line break (`Chalice._validate_response`), after the view has run:
such a response is checked here first, so that the answer is still ours.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from chalice import Response

from ..config import Settings

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

# What no header value may hold: a line break would end the header (or start another),
# and other control characters are refused by HTTP itself (RFC 9110, field values).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class UnsafeHeader(Exception):
    """A view built a header value holding a control character: a bug of ours, answered
    as one (the value is not logged: it may quote input)."""


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]  # Chalice's multi-value headers


def correlation_id(request: Any) -> str:
    """API Gateway's request id when there is one (it is in its own logs too)."""
    context = getattr(request, "context", None) or {}
    return str(context.get("requestId") or uuid.uuid4().hex)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames[-4:]))


def failure_response(exc: BaseException, request: Any, settings: Settings | None = None) -> Response:
    from ..services.ports import StorageUnavailable

    cid = correlation_id(request)
    outage = isinstance(exc, StorageUnavailable)
    status = 503 if outage else 500
    log.error(
        "storage unavailable" if outage else "unexpected error",
        extra={
            "correlation_id": cid,
            "error": type(exc).__name__,
            "where": _where(exc),
            "path": getattr(request, "path", "") or "",
        },
    )
    headers = {"X-Correlation-Id": cid, "Cache-Control": "no-store"}
    if outage:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        message = "service temporarily unavailable, retry later" if outage else "internal error"
        body = {"errors": [{"field": "body", "message": f"{message} (correlation id {cid})"}]}
        return Response(
            body=json.dumps(body),
            status_code=status,
            headers={"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff", **headers},
        )
    return Response(body=failure_page(status, cid), status_code=status, headers={**_page_headers(settings), **headers})


def failure_page(status: int, cid: str) -> str:
    from ..adapters.templates import render_page

    if status == 503:
        heading = "Service momentanément indisponible"
        message = "Nous n'avons pas pu traiter votre demande à cause d'une panne passagère. Réessayez dans une minute."
    else:
        heading = "Une erreur est survenue"
        message = (
            "Nous n'avons pas pu afficher cette page à cause d'une erreur de notre côté. "
            "Réessayez dans quelques minutes."
        )
    try:
        return render_page(
            "error",
            page_title=f"Erreur : {heading}",
            heading=heading,
            message=message,
            back_url="/",
            back_label="Revenir à l'accueil",
            correlation_id=cid,
        )
    except Exception:  # noqa: BLE001 - the templates themselves are what failed: plain French still
        return (
            f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{heading}</title></head>'
            f"<body><main><h1>{heading}</h1><p>{message}</p><p>Code de suivi : {cid}</p></main></body></html>"
        )


def _page_headers(settings: Settings | None) -> dict[str, str]:
    """The pages' headers; the defaults' when the failure came before the settings."""
    from . import security

    return security.page_headers(settings or Settings())


class Room(Protocol):
    """A room of views (web/views.py): its settings give the error page its headers."""

    settings: Settings


class GuardedViews:
    """A room of views, built and each call made inside the boundary."""

    def __init__(self, make_views: Callable[[], Room], request: Any):
        self._make_views = make_views
        self._request = request

    def __getattr__(self, name: str) -> Callable[..., Response]:
        def call(*args: Any, **kwargs: Any) -> Response:
            settings: Settings | None = None
            try:
                views = self._make_views()
                settings = views.settings
                response = getattr(views, name)(*args, **kwargs)
                headers = getattr(response, "headers", None) or {}
                if any(_CONTROL.search(str(v)) for vs in headers.values() for v in _listed(vs)):
                    raise UnsafeHeader()
                return response
            except Exception as exc:  # noqa: BLE001 - any failure becomes a French page or body, never a trace
                return failure_response(exc, self._request, settings)

        return call
