"""Request bodies read within explicit limits, in one place.

Every door that reads a body goes through here, so that a hostile body (deeply nested
JSON, thousands of form fields, megabytes of directory) gets a clear 400 or 413 instead of
an exception deep inside a parser. Limits:

- API submission: 64 KiB (docs/contract.md §4); the admin directory: 1 MiB;
- JSON nesting: 20 levels (a submission needs 3, the directory 4). Python's json module
  recurses once per level and a 2 KB body of brackets reaches its recursion limit;
- JSON strings must be Unicode text: a lone surrogate escape (`"\\ud800"`) is refused,
  as nothing downstream (DynamoDB, mail) can encode it;
- forms: 64 KiB and 100 fields (the referent form has 23, with every `publics` box ticked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from chalice.app import Request

MAX_API_BYTES = 64 * 1024
MAX_DIRECTORY_BYTES = 1024 * 1024
MAX_FORM_BYTES = 64 * 1024
MAX_JSON_DEPTH = 20
MAX_FORM_FIELDS = 100


def body_bytes(request: Request) -> bytes:
    """The request's body. Chalice types `raw_body` as str or bytes but always gives bytes
    (it decodes base64 and encodes text as UTF-8); a str would be encoded the same way."""
    raw = request.raw_body or b""
    return raw.encode("utf-8") if isinstance(raw, str) else raw


def query_of(request: Request) -> Mapping[str, str]:
    """The query string's parameters (the last value of each), empty when there are none."""
    return request.query_params or {}


# A JSON string (skipped whole, brackets inside it do not count) or a bracket.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class BodyRefused(Exception):
    """A body that is not read: `status` (400 or 413), the field named, an English message
    for the API and a French one for pages."""

    def __init__(self, status: int, field: str, message: str, french: str):
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message
        self.french = french

    def api_errors(self) -> dict[str, Any]:
        return {"errors": [{"field": self.field, "message": self.message}]}


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, counted without parsing."""
    depth = deepest = 0
    for token in _JSON_TOKENS.finditer(text):
        c = token.group()
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _encodable(value: Any) -> bool:
    """No lone surrogate in any string (keys included); depth is already bounded."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True


def parse_json(raw: bytes, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of a body, or BodyRefused (413 too large, 400 otherwise)."""
    if len(raw) > max_bytes:
        size = f"{max_bytes // 1024} KiB" if max_bytes < 1024 * 1024 else f"{max_bytes // (1024 * 1024)} MiB"
        raise BodyRefused(413, "body", f"body larger than {size}", f"Envoi trop long : {size} au plus.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyRefused(400, "body", "body is not JSON (UTF-8 expected)", "Envoi illisible.") from None
    if json_depth(text) > max_depth:
        raise BodyRefused(400, "body", f"JSON nested deeper than {max_depth} levels", "Envoi illisible.")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise BodyRefused(400, "body", "body is not JSON", "Envoi illisible.") from None
    if not _encodable(value):
        raise BodyRefused(400, "body", "body holds text that is not Unicode (lone surrogate)", "Envoi illisible.")
    return value


def parse_form(raw: bytes, max_bytes: int = MAX_FORM_BYTES, max_fields: int = MAX_FORM_FIELDS) -> dict[str, Any]:
    """Field -> value (the last one), `publics` -> list. Undecodable bytes do not crash."""
    if len(raw) > max_bytes:
        raise BodyRefused(
            413,
            "body",
            "form larger than 64 KiB",
            "Le formulaire envoyé est trop long. Raccourcissez le message et réessayez.",
        )
    text = raw.decode("utf-8", errors="replace") if raw else ""
    # Counted before parsing, as urllib counts them (every `&` separates).
    if text.count("&") + 1 > max_fields:
        raise BodyRefused(
            400,
            "body",
            f"more than {max_fields} form fields",
            "Le formulaire envoyé contient trop de champs : il ne vient pas de notre site. "
            "Ouvrez le formulaire sur notre site, remplissez-le et envoyez-le.",
        )
    pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=max_fields)
    values: dict[str, Any] = {}
    publics: list[str] = []
    for key, value in pairs:
        if key == "publics":
            if value:
                publics.append(value)
        else:
            values[key] = value
    values["publics"] = publics
    return values
