"""Small pure text helpers: references shown to people, contact details kept out of mail."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L: a reference is read aloud on the phone and typed from a paper note.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# French phone numbers as people write them: 06 12 34 56 78, 06.12.34.56.78, +33 6 12...
PHONE_IN_TEXT = re.compile(r"(?:\+33\s?|0033\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")


def new_reference() -> str:
    """MNT-XXXX-XXXX: matches [A-Z0-9-]{6,24}; 31^8 ≈ 8.5e11 values."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(8)]
    return f"MNT-{''.join(chars[:4])}-{''.join(chars[4:])}"


def redact_contacts(text: str | None) -> str | None:
    """Remove email addresses and phone numbers from free text.

    The association's first mail must not carry the youth's contact details (they are
    shown once it accepts), and a youth often writes them in the message anyway.
    """
    if not text:
        return text
    text = EMAIL_IN_TEXT.sub("[adresse masquée]", text)
    return PHONE_IN_TEXT.sub("[numéro masqué]", text)
