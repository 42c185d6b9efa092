"""The page cursor both stores give and take (memory/routed.py, dynamodb/routed.py): the
sort key of the last record of a page (`list_sk`, `<created_at>#<id>`), base64url.

A cursor comes back in a URL (the API's `next`, the console's "Page suivante"), where
anyone may change it. One that is not ours (not base64url, not such a sort key, or
outside the list's window of creation times) is InvalidCursor, never a query that
storage refuses; the DynamoDB store rebuilds its start key from the sort key alone.
"""

from __future__ import annotations

import base64
import binascii
import re

from ..services.ports import InvalidCursor

# `created_at` as services/clock.py writes it, then the record's id (a uuid4's hex).
_LIST_SK = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?Z#[0-9A-Za-z_-]{1,64}")
# The longest cursor a sort key of that shape encodes to.
MAX_CURSOR = 128


def encode_cursor(list_sk: str) -> str:
    return base64.urlsafe_b64encode(list_sk.encode()).decode()


def decode_cursor(cursor: str, low: str = "", high: str = "\uffff") -> str:
    """The sort key a cursor names, or InvalidCursor; `low`, `high`: the list's window
    (a key outside it is no cursor of this list, and DynamoDB refuses to start there)."""
    if len(cursor) > MAX_CURSOR:
        raise InvalidCursor()
    try:
        list_sk = base64.b64decode(cursor, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, ValueError):  # not base64url, not ASCII (UnicodeDecodeError too)
        raise InvalidCursor() from None
    if not _LIST_SK.fullmatch(list_sk) or not low <= list_sk <= high:
        raise InvalidCursor()
    return list_sk


def record_id(list_sk: str) -> str:
    """The record's id in its sort key."""
    return list_sk.rpartition("#")[2]
