"""A routed record's reference, MNT-XXXX-XXXX (a request) or BEN-XXXX-XXXX (a volunteer's
sign-up; each kind's prefix: domain/record_kind.py): the one name people use for it.

It is shown on the thank-you page, put in every mail's subject and Message-ID, read aloud
on the phone and typed back from a paper note. Everything that makes, recognises or finds
a reference uses this module.
"""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L: a reference is read aloud on the phone and typed from a paper note.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_BLOCK = "[2-9A-HJ-NP-Z]{4}"  # one character of REFERENCE_ALPHABET, four times
REQUEST_PREFIX = "MNT"


def reference_pattern(prefix: str) -> str:
    """A reference as we issue it with `prefix`, without anchors: to be found inside a
    subject, a mail's text or one of our Message-IDs."""
    return f"{prefix}-{_BLOCK}-{_BLOCK}"


# A request's reference (any kind's: domain/record_kind.py ANY_REFERENCE_PATTERN).
REFERENCE_PATTERN = reference_pattern(REQUEST_PREFIX)
REFERENCE_IN_TEXT = re.compile(rf"\b{REFERENCE_PATTERN}\b")
# What docs/contract.md §2 promises a reference looks like. Pages and the API take
# any text of this shape as a reference; a request id (32 lowercase hex digits) never has it.
_CONTRACT_SHAPE = re.compile(r"[A-Z0-9-]{6,24}")


def new_reference(prefix: str = REQUEST_PREFIX) -> str:
    """<prefix>-XXXX-XXXX: matches [A-Z0-9-]{6,24}; 31^8 ≈ 8.5e11 values."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(8)]
    return f"{prefix}-{''.join(chars[:4])}-{''.join(chars[4:])}"


def is_reference(text: str) -> bool:
    """Whether `text` has a reference's shape (rather than being a request's id)."""
    return bool(_CONTRACT_SHAPE.fullmatch(text))
