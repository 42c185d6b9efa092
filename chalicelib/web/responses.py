"""The answers every door gives: JSON with its errors, French pages, French error pages."""

from __future__ import annotations

import json
from typing import Any

from chalice import Response

from ..adapters.templates import render_page
from ..config import Settings
from ..domain.submission import FieldError
from . import forms, security


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={**security.api_headers(), **(headers or {})},
    )


def api_error(field: str, message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """The API's one error shape (docs/contract.md §4): `{"errors": [{"field", "message"}]}`."""
    return api_errors([FieldError(field=field, message=message)], status, headers)


def api_errors(errors: list[FieldError], status: int = 422, headers: dict[str, str] | None = None) -> Response:
    return json_response({"errors": [e.model_dump() for e in errors]}, status, headers)


def page(settings: Settings, name: str, status: int = 200, **context: Any) -> Response:
    # `site`: the footer's network name; `field_labels`: what the error summary names each
    # field (a page with fields of its own passes its own).
    body = render_page(name, **{"site": settings, "field_labels": forms.FIELD_LABELS, **context})
    return Response(body=body, status_code=status, headers={**security.page_headers(settings)})


def error_page(
    settings: Settings,
    status: int,
    heading: str,
    message: str,
    back_url: str | None = None,
    back_label: str | None = None,
) -> Response:
    return page(
        settings,
        "error",
        status,
        page_title=f"Erreur : {heading}",
        heading=heading,
        message=message,
        back_url=back_url,
        back_label=back_label,
    )


def not_found_page(settings: Settings) -> Response:
    return page(settings, "not_found", 404, page_title="Page introuvable")


def too_many(settings: Settings, as_page: bool) -> Response:
    """The per-IP limit is reached: 429 with Retry-After, as a page or as JSON."""
    retry = {"Retry-After": str(settings.rate_limit_seconds)}
    if as_page:
        response = error_page(
            settings,
            429,
            "Trop de demandes",
            "Trop de demandes ont été envoyées depuis cette connexion. Réessayez dans quelques minutes.",
        )
        response.headers.update(retry)
        return response
    return api_error("body", "too many submissions from this address", 429, retry)
