"""Header fields: RFC 2047 decoding, content types, parameters, addresses, message ids
(MIME decoding, part 2). Nothing here raises on malformed input."""

from __future__ import annotations

import binascii
import email.utils
import re
import unicodedata
from email.message import Message

from ..email_address import NotAnAddress, read_email
from .charsets import _decode_bytes, _unescape_8bit
from .model import MAX_HEADER_CHARS, MAX_IDS

_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_NEWLINES = re.compile(r"[\r\n]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?]*)\?=")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NON_B64 = re.compile(rb"[^A-Za-z0-9+/]")


def _unfold(value: str) -> str:
    return _NEWLINES.sub(" ", _FOLD.sub("", value[:MAX_HEADER_CHARS]))


def _word_bytes(encoding: str, text: str) -> bytes:
    data = text.encode("ascii", "surrogateescape") if text.isascii() else text.encode("utf-8", "surrogateescape")
    if encoding in "bB":
        data = _NON_B64.sub(b"", data)
        data += b"=" * (-len(data) % 4)
        try:
            return binascii.a2b_base64(data)
        except (binascii.Error, ValueError):
            return data
    return binascii.a2b_qp(data, header=True)


def _decode_header(value: str | None) -> str:
    """RFC 2047 words in any charset, raw 8-bit as UTF-8 or windows-1252; unfolded."""
    if not value:
        return ""
    value = _unfold(str(value))
    out: list[str] = []
    pending: list[bytes] = []  # adjacent encoded words in one charset: decoded together
    pending_charset = ""
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix
        if pending:  # the previous token was an encoded word
            blank = not gap.strip(" \t")
            if not (blank and charset.lower() == pending_charset.lower()):
                out.append(_decode_bytes(b"".join(pending), pending_charset))
                pending = []
                if not blank:  # whitespace between encoded words is not text
                    out.append(_unescape_8bit(gap))
        elif gap:
            out.append(_unescape_8bit(gap))
        pending.append(_word_bytes(match.group(2), match.group(3)))
        pending_charset = charset
        pos = match.end()
    if pending:
        out.append(_decode_bytes(b"".join(pending), pending_charset))
    out.append(_unescape_8bit(value[pos:]))
    return _CONTROL.sub(" ", "".join(out)).replace("\t", " ")


def _clean_header_text(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split()))


class _Headers:
    """Case-insensitive raw header access that cannot raise."""

    def __init__(self, part: Message):
        self.items: list[tuple[str, str]] = []
        try:
            raw_items = list(part.raw_items())
        except Exception:  # noqa: BLE001
            raw_items = []
        for name, value in raw_items:
            try:
                self.items.append((str(name).strip().lower(), value if isinstance(value, str) else str(value)))
            except Exception:  # noqa: BLE001
                continue

    def __len__(self) -> int:
        return len(self.items)

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.items if n == name]

    def raw(self, name: str) -> str | None:
        for n, v in self.items:
            if n == name:
                return v
        return None

    def text(self, name: str) -> str | None:
        """Decoded, unfolded, whitespace-collapsed value; None if absent."""
        value = self.raw(name)
        if value is None:
            return None
        return _clean_header_text(_decode_header(value))

    def plain(self, name: str) -> str:
        """Unfolded value without RFC 2047 decoding (structured fields), '' if absent."""
        value = self.raw(name)
        return _plain(value) if value else ""

    def plain_all(self, name: str, most: int) -> tuple[str, ...]:
        """`plain` of each of the first `most` fields of that name, in the mail's order."""
        return tuple(_plain(v) for v in self.all(name)[:most])


def _plain(value: str) -> str:
    return " ".join(_unescape_8bit(_unfold(value)).split())


_TOKEN = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]{1,80}/[a-z0-9!#$%&'*+.^_`|~-]{1,120}$")
_PARAM = {
    name: re.compile(r"(?:^|;)\s*" + name + r"\s*=\s*(?:\"([^\"]{0,300})\"|(" + value + r"{1,300}))", re.I)
    for name, value in (
        ("charset", r"[^\s;\"]"),
        ("boundary", r"[^\s;\"]"),
        ("report-type", r"[^\s;\"]"),
        ("format", r"[^\s;\"]"),
        ("delsp", r"[^\s;\"]"),
        ("name", r"[^;\"]"),
        ("filename", r"[^;\"]"),  # unquoted names with blanks happen
    )
}


def _content_type(h: _Headers) -> str:
    value = h.plain("content-type")
    ctype = value.split(";", 1)[0].strip().strip("\"'").lower()
    if not ctype:
        return "text/plain"
    if not _TOKEN.match(ctype):
        # "text/plain." or "text" alone: a text part in practice; anything else unusable
        return "text/plain" if ctype.startswith("text") else "application/octet-stream"
    return ctype


def _param(h: _Headers, header: str, name: str) -> str | None:
    value = h.plain(header)
    if not value:
        return None
    found = _PARAM[name].search(value[:MAX_HEADER_CHARS])
    if not found:
        return None
    return (found.group(1) if found.group(1) is not None else found.group(2)).strip()


def _filename(part: Message, h: _Headers) -> str | None:
    # Plain (often RFC 2047-encoded or raw 8-bit) parameters first, decoded here;
    # RFC 2231 forms (filename*=, filename*0*=) through the library.
    name = _param(h, "content-disposition", "filename") or _param(h, "content-type", "name")
    if not name:
        try:
            name = part.get_filename()
        except Exception:  # noqa: BLE001
            name = None
        if not isinstance(name, str):
            name = None
    if not name:
        return None
    name = _clean_header_text(_decode_header(name)).replace("\x00", "")
    return name[:255] or None


def _addresses(value: str | None) -> list[tuple[str, str]]:
    if not value:
        return []
    text = _unfold(value)[:4000]
    try:
        pairs = email.utils.getaddresses([text])
    except Exception:  # noqa: BLE001
        pairs = []
    result = []
    for name, addr in pairs:
        if isinstance(name, str) and isinstance(addr, str) and (name or addr):
            result.append((name, addr))
    if not result:
        found = _ADDR_IN_TEXT.search(text)
        if found:
            result.append(("", found.group(0)))
    return result


_ADDR_IN_TEXT = re.compile(r"[^\s<>()\[\]\\,;:\"@]{1,64}@[A-Za-z0-9.-]{1,255}")


def _usable_address(addr: str) -> str | None:
    """An address under the one rule (domain/email_address.py), in lower case; None if not one.

    A local part with non-ASCII letters is kept: the mail came, so the sender's system
    speaks SMTPUTF8, and their request is worth having even though SES cannot answer it
    (its acknowledgement then fails as unsendable, where operators see it)."""
    try:
        found = read_email(_unescape_8bit(addr).strip().strip("<>").strip().lower())
    except NotAnAddress:
        return None
    return found.ascii or found.normalized


# RFC 5322 msg-id: "<" dot-atom-text "@" (dot-atom-text / "[" dtext "]") ">", ASCII only.
# An identifier that does not parse as one is dropped, never kept as is: it may be copied
# into our own headers later (In-Reply-To of an acknowledgement). An RFC 2047 encoded-word
# is made of legal characters but is decoded by some readers into CR/LF: dropped too.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = _ATEXT + r"(?:\." + _ATEXT + r")*"
_STRICT_MSG_ID = re.compile(r"<" + _DOT_ATOM + r"@(?:" + _DOT_ATOM + r"|\[[\x21-\x5a\x5e-\x7e]*\])>")
_ANY_BRACKETED = re.compile(r"<[^<>]{0,1000}>")
_ENCODED_WORD_IN_ID = re.compile(r"=\?[^?]*\?[bBqQ]\?", re.ASCII)
MAX_MSG_ID_CHARS = 250


def _valid_message_id(candidate: str) -> bool:
    return (
        len(candidate) <= MAX_MSG_ID_CHARS
        and _STRICT_MSG_ID.fullmatch(candidate) is not None
        and not _ENCODED_WORD_IN_ID.search(candidate)
    )


def _message_ids(value: str | None) -> tuple[str, ...]:
    """The valid msg-ids of an In-Reply-To / References field; the others are dropped."""
    if not value:
        return ()
    text = _unescape_8bit(_unfold(value))
    found: list[str] = []
    for match in _ANY_BRACKETED.finditer(text):
        mid = match.group(0)
        if _valid_message_id(mid) and mid not in found:
            found.append(mid)
            if len(found) >= MAX_IDS:
                break
    return tuple(found)


def _message_id(value: str | None) -> str | None:
    """The message's own id when it is one valid msg-id; None otherwise (treated as absent)."""
    if not value:
        return None
    text = _unescape_8bit(_unfold(value)).strip()
    if "<" not in text and ">" not in text and "@" in text:
        text = f"<{text}>"  # "id@host" without brackets: still an identifier, once checked
    ids = [m.group(0) for m in _ANY_BRACKETED.finditer(text)]
    if len(ids) != 1 or text.replace(ids[0], "", 1).strip(" \t"):
        return None  # several ids, or text around one: not a Message-ID field
    return ids[0] if _valid_message_id(ids[0]) else None
