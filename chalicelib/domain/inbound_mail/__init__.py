"""Inbound mail, parsed without ever falling over (docs/contract.md §8).

`parse_inbound(raw)` turns the raw bytes of one message into an `InboundMail`: decoded
headers, the readable text split into what the sender wrote (`own_text`), what they
quoted, what they forwarded and their signature, and whether the message is automatic
(bounce, auto-reply, list or bulk mail: RFC 3834 and the usual de facto signals).

Pure: no I/O. Stdlib only, and email-validator for the sender's address
(domain/email_address.py). It never raises anything but `UnparseableMail`, whose
`.reason` is a short English text for the operator who finds the raw message in
quarantine. It degrades first (an undecodable header is decoded as well as possible, a
multipart without a usable boundary is read as text) and gives up only on input that
is really unusable: over the size, part or nesting limits, or without any header.

Time per message is bounded: the size is checked first; the number of MIME parts is
estimated from the raw bytes before the parser builds anything; text is capped
(`Limits.max_text_chars`) before any line-based work; every regular expression runs on
bounded input or cannot backtrack; HTML is reduced to bare tags before `html.parser`
sees it (that parser is quadratic on some unclosed constructs).

Parsing uses `email.policy.compat32`: it does not raise on header access as
`policy.default` does (NUL bytes in parameters, malformed address groups...), and
headers are decoded here from their raw text (RFC 2047 in any charset, raw 8-bit as
UTF-8 or else windows-1252).
"""

from .html_text import html_to_text
from .model import InboundMail, Limits, UnparseableMail
from .parser import parse_inbound

__all__ = ["Limits", "UnparseableMail", "InboundMail", "parse_inbound", "html_to_text"]
