"""The values we put in the headers of our mail, made safe whatever was stored.

Header values come from people (a form's email, a mail's Message-ID) and from stored
items written by older code. Each one is parsed, checked against a strict grammar and
re-serialised by the `email` package before it reaches a header; what fails is dropped
(an identifier we only echo) or refused (an address we must send to).

SES does not support SMTPUTF8 (RFC 6531): an address must be 7-bit ASCII, its domain in
Punycode (IDNA). So a non-ASCII domain is encoded, and a non-ASCII local part
(`jöe@example.fr`) cannot be sent to at all: a permanent failure, never an encoded-word
inside `To`. Nothing here holds the offending value in its error message: errors are
logged and stored, values are personal data.
"""

from __future__ import annotations

import re
import unicodedata
from email.headerregistry import Address, AddressHeader, HeaderRegistry

from .email_address import NotAnAddress, read_email

# RFC 5322 atext, ASCII only.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
# msg-id = "<" id-left "@" id-right ">", without obsolete forms and without "=?", which
# a receiver (and Python's own header folding) may decode as an RFC 2047 encoded-word.
_MSG_ID = re.compile(rf"<({_DOT_ATOM})@({_DOT_ATOM}|\[[\x21-\x5a\x5e-\x7e]*\])>")
MSG_ID_MAX = 250  # one unfoldable header line stays well under 998 octets

AUTO_SUBMITTED = ("auto-generated", "auto-replied")
SUBJECT_MAX = 200

_registry = HeaderRegistry()


class UnsendableMail(ValueError):
    """A mail that no retry can send: a permanent failure. The message names the field,
    never its value."""


def clean_msg_id(value: object) -> str | None:
    """A msg-id as the email package parses and writes it back, or None to drop it."""
    if not isinstance(value, str):
        return None
    candidate = value.strip()
    if len(candidate) > MSG_ID_MAX or "=?" in candidate or not _MSG_ID.fullmatch(candidate):
        return None
    header = _registry("Message-ID", candidate)
    if header.defects or str(header) != candidate:
        return None
    return candidate


def ascii_address(value: object, field: str = "address") -> str:
    """`local@domain` that SES and any SMTP server take: an address under the one rule
    (domain/email_address.py) in its ASCII form, the domain in Punycode.

    Raises UnsendableMail (naming `field`, not the value) for anything else.
    """
    if not isinstance(value, str):
        raise UnsendableMail(f"{field}: not a string")
    try:
        spec = read_email(value.strip()).ascii
    except NotAnAddress as refused:
        raise UnsendableMail(f"{field}: {refused}") from None
    if spec is None:
        raise UnsendableMail(f"{field}: non-ASCII local part (SES has no SMTPUTF8)")
    local, _, domain = spec.rpartition("@")
    # Re-serialised and parsed back by the email package: it must read the same one address.
    written = Address(username=local, domain=domain).addr_spec
    header = _registry("To", written)
    if (
        written != spec
        or header.defects
        or not isinstance(header, AddressHeader)
        or [a.addr_spec for a in header.addresses] != [spec]
    ):
        raise UnsendableMail(f"{field}: does not parse as one address")
    return spec


def sender_address(mail_from: str) -> Address:
    """`Name <address>` of our configured sender, as a header-ready Address."""
    from email.utils import parseaddr

    name, address = parseaddr(mail_from)
    if not address:
        raise UnsendableMail("From: not an address")
    local, _, domain = ascii_address(address, "From").rpartition("@")
    return Address(display_name=header_text(name, 80), username=local, domain=domain)


def header_text(value: object, limit: int = SUBJECT_MAX) -> str:
    """Free text for an unstructured header (Subject, a display name): one line.

    Control and format characters go, any run of spaces or line breaks becomes one space,
    and "=?" is broken up so that no part of the text is read as an encoded-word: the
    email package encodes what needs encoding itself.
    """
    text = "" if value is None else str(value)
    text = "".join(
        " " if ch.isspace() else ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf") or ch.isspace()
    )
    text = " ".join(text.split()).replace("=?", "= ?")
    return text[:limit].strip()


def body_text(value: object) -> str:
    """A text or HTML part: line breaks kept, other control characters (NUL, ESC, lone CR) dropped."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
