"""Inbound mail, parsed without ever falling over (contract section 8).

`parse_inbound(raw)` turns the raw bytes of one message into an `InboundMail`: decoded
headers, the readable text split into what the sender wrote (`own_text`), what they
quoted, what they forwarded and their signature, and whether the message is automatic
(bounce, auto-reply, list or bulk mail: RFC 3834 and the usual de facto signals).

Pure: no I/O. Stdlib only. It never raises anything but `UnparseableMail`, whose
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

from __future__ import annotations

import binascii
import codecs
import email
import email.parser
import email.policy
import email.utils
import re
import unicodedata
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from typing import Iterable, Optional

__all__ = ["Limits", "UnparseableMail", "InboundMail", "parse_inbound"]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_parts: int = 100
    max_depth: int = 10
    max_text_chars: int = 200_000


class UnparseableMail(Exception):
    """The message cannot be used; `.reason` is a short English text for an operator."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundMail:
    message_id: Optional[str]
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: Optional[str]
    from_name: Optional[str]
    reply_to: Optional[str]
    date: Optional[str]
    automatic: Optional[str]
    text: str
    own_text: str
    forwarded_text: str
    signature: str
    quoted_text: str
    attachments: tuple[str, ...]


# Bounds that are not worth a setting.
MAX_HEADER_LINES = 10_000  # lines in the top-level header section
MAX_HEADER_CHARS = 20_000  # one header value, before decoding
MAX_IDS = 100  # message ids kept from In-Reply-To / References
MAX_ATTACHMENTS = 200
LONG_LINE = 400  # lines longer than this are never markers, attributions or sign-offs


def parse_inbound(raw: bytes, envelope_sender: Optional[str] = "", limits: Limits = Limits()) -> InboundMail:
    """Never raises anything but UnparseableMail."""
    try:
        return _Parser(limits).parse(raw, envelope_sender)
    except UnparseableMail:
        raise
    except RecursionError:
        raise UnparseableMail("MIME structure nested too deeply for the parser") from None
    except MemoryError:
        raise UnparseableMail("message too large to parse in memory") from None
    except Exception as exc:  # noqa: BLE001 - the whole point: nothing else escapes
        detail = str(exc).replace("\n", " ")[:160]
        raise UnparseableMail(f"parser error: {type(exc).__name__}: {detail}") from None


# ---------------------------------------------------------------------------------------
# Charsets
# ---------------------------------------------------------------------------------------

# What these labels really carry in mail: Outlook and many others send windows-1252
# (€ ’ “ ” œ …) under an ISO-8859-1 or US-ASCII label.
_AS_CP1252 = {
    "iso-8859-1", "iso8859-1", "iso_8859-1", "iso-8859-1:1987", "iso_8859-1:1987", "latin1",
    "latin-1", "latin_1", "l1", "cp819", "ibm819", "iso-ir-100", "csisolatin1", "8859-1",
    "us-ascii", "ascii", "us", "ansi_x3.4-1968", "ansi_x3.4-1986", "iso646-us", "iso-646-us",
    "cp367", "ibm367", "csascii", "windows-1252", "cp1252", "x-cp1252", "cp-1252", "win-1252",
    "ansi", "default", "",
}
# Supersets that decode what the smaller label's senders really produce.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030", "cp936": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949",
    "big5": "big5hkscs", "tis-620": "cp874", "iso-8859-11": "cp874", "iso-8859-9": "cp1254",
    "iso-2022-jp": "iso2022_jp_ext",
}
# Codecs that are text codecs for Python but nonsense (or slow) as a mail charset.
_REFUSED_CODECS = {"punycode", "idna", "unicode_escape", "raw_unicode_escape", "mbcs", "oem"}
_CHARSET_CLEAN = re.compile(r"[^a-z0-9_.:+-]")


def _codec(label: Optional[str]) -> Optional[str]:
    """Python codec for a declared charset; "cp1252" for the latin-1 family; None if unknown."""
    name = _CHARSET_CLEAN.sub("", (label or "").strip().strip("\"'").lower())[:40]
    if name in _AS_CP1252:
        return "cp1252"
    name = _SUPERSETS.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("-", "_") in _REFUSED_CODECS:
        return None
    return info.name


def _utf8(data: bytes) -> Optional[str]:
    """Strict UTF-8, tolerating a sequence cut at the very end (text capped by bytes)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 3 or exc.reason != "unexpected end of data":
            return None
        cut = exc.start
    try:
        return data[:cut].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_bytes(data: bytes, label: Optional[str]) -> str:
    """Decode faithfully: the declared charset, else UTF-8, else windows-1252 (never fails)."""
    if not data:
        return ""
    codec = _codec(label)
    if codec == "cp1252" or codec == "ascii":
        if data.isascii():
            return data.decode("ascii")
        # 8-bit text under a latin-1/ascii label is, in practice, either UTF-8 sent with
        # a wrong label or windows-1252; valid UTF-8 with non-ASCII is never an accident.
        text = _utf8(data)
        return text if text is not None else data.decode("cp1252", errors="replace")
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
        except Exception:  # noqa: BLE001 - exotic codecs may raise anything
            codec = None
    text = _utf8(data)
    if text is not None:
        return text
    if codec and codec != "utf-8":
        try:
            return data.decode(codec, errors="replace")
        except Exception:  # noqa: BLE001
            pass
    return data.decode("cp1252", errors="replace")


def _unescape_8bit(value: str) -> str:
    """A header or payload string from the bytes parser (surrogate-escaped 8-bit) as text."""
    if not value:
        return ""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8", "replace")
    return _decode_bytes(data, None) if not data.isascii() else value


# ---------------------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------------------

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


def _decode_header(value: Optional[str]) -> str:
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

    def raw(self, name: str) -> Optional[str]:
        for n, v in self.items:
            if n == name:
                return v
        return None

    def text(self, name: str) -> Optional[str]:
        """Decoded, unfolded, whitespace-collapsed value; None if absent."""
        value = self.raw(name)
        if value is None:
            return None
        return _clean_header_text(_decode_header(value))

    def plain(self, name: str) -> str:
        """Unfolded value without RFC 2047 decoding (structured fields), '' if absent."""
        value = self.raw(name)
        return " ".join(_unescape_8bit(_unfold(value)).split()) if value else ""


_TOKEN = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]{1,80}/[a-z0-9!#$%&'*+.^_`|~-]{1,120}$")
_PARAM = {
    name: re.compile(r"(?:^|;)\s*" + name + r"\s*=\s*(?:\"([^\"]{0,300})\"|(" + value + r"{1,300}))", re.I)
    for name, value in (
        ("charset", r"[^\s;\"]"), ("boundary", r"[^\s;\"]"), ("report-type", r"[^\s;\"]"),
        ("format", r"[^\s;\"]"), ("delsp", r"[^\s;\"]"),
        ("name", r"[^;\"]"), ("filename", r"[^;\"]"),  # unquoted names with blanks happen
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


def _param(h: _Headers, header: str, name: str) -> Optional[str]:
    value = h.plain(header)
    if not value:
        return None
    found = _PARAM[name].search(value[:MAX_HEADER_CHARS])
    if not found:
        return None
    return (found.group(1) if found.group(1) is not None else found.group(2)).strip()


def _filename(part: Message, h: _Headers) -> Optional[str]:
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


def _addresses(value: Optional[str]) -> list[tuple[str, str]]:
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
_ADDR_SPEC = re.compile(r"^[^\s<>()\[\]\\,;:\"@]{1,64}@[^\s<>()\[\]\\,;:\"@]{1,255}$")


def _usable_address(addr: str) -> Optional[str]:
    addr = _unescape_8bit(addr).strip().strip("<>").strip().lower()
    if len(addr) > 254 or not _ADDR_SPEC.match(addr):
        return None
    local, _, domain = addr.rpartition("@")
    if not local or not domain or domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return None
    return addr


_MSG_ID = re.compile(r"<[^<>\s]{1,990}>")
_MSG_ID_PRINTABLE = re.compile(r"^<[\x21-\x7e\u00a0-\U0010ffff]+>$")


def _message_ids(value: Optional[str]) -> tuple[str, ...]:
    if not value:
        return ()
    text = _unescape_8bit(_unfold(value))
    found = []
    for match in _MSG_ID.finditer(text):
        mid = match.group(0)
        if _MSG_ID_PRINTABLE.match(mid) and mid not in found:
            found.append(mid)
            if len(found) >= MAX_IDS:
                break
    return tuple(found)


def _message_id(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    compact = "".join(_unescape_8bit(_unfold(value)).split())
    ids = _message_ids(compact)
    if ids:
        return ids[0]
    # No angle brackets: "id@host" alone is still an identifier worth keeping.
    if compact and len(compact) <= 990 and "@" in compact and "<" not in compact and ">" not in compact:
        candidate = f"<{compact}>"
        if _MSG_ID_PRINTABLE.match(candidate):
            return candidate
    return None


# ---------------------------------------------------------------------------------------
# Automatic mail
# ---------------------------------------------------------------------------------------

_ROBOT_LOCALPART = re.compile(
    r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|mail[-_.]?delivery[-_.]?(?:system|subsystem)?)$"
)
_NOREPLY_LOCALPART = re.compile(
    r"(?:^|[._+-])(?:no[-_.]?reply|no[-_.]?response|do[-_.]?not[-_.]?reply|dont[-_.]?reply"
    r"|ne[-_.]?pas[-_.]?repondre|nepasrepondre|noreponse|no[-_.]?reponse)(?:[._+-]|$)"
)
# Anchored at the start of the subject: a human's "TR: Réponse automatique..." is human.
_AUTO_SUBJECT = re.compile(
    r"^(?:auto\s*:|auto[-\s]?reply\b|autoreply\b|auto[-\s]?response\b|automatic\s+(?:reply|response)\b"
    r"|r[ée]ponse\s+automatique\b|r[ée]ponse\s+auto\s*:|out\s+of\s+(?:the\s+)?office\b|absence\s+du\s+bureau\b"
    r"|absente?\s+du\s+bureau\b|message\s+d['’]absence\b|abwesenheitsnotiz\b|automatische\s+antwort\b"
    r"|respuesta\s+autom[áa]tica\b|risposta\s+automatica\b|vacation\s+(?:reply|message|notice)\b|on\s+vacation\b"
    r"|delivery\s+status\s+notification\b|delivery\s+(?:failure|notification|report|problem)\b|undeliverable\b"
    r"|undelivered\s+mail\b|undelivered\s+message\b|undeliverable\s+mail\b|mail\s+delivery\s+(?:failed|failure|problem|system)\b"
    r"|returned\s+mail\b|returned\s+to\s+sender\b|failure\s+notice\b|delivery\s+has\s+failed\b"
    r"|message\s+(?:delivery\s+)?(?:not\s+delivered|undeliverable|could\s+not\s+be\s+delivered|blocked|rejected)\b"
    r"|non[-\s]?remis\b|non\s+distribu[ée]\b|non\s+distribuable\b|message\s+non\s+(?:remis|distribu[ée]|d[ée]livr[ée])\b"
    r"|notification\s+d['’][ée]tat\s+de\s+(?:remise|distribution)\b|[ée]chec\s+de\s+(?:la\s+)?(?:remise|distribution)\b"
    r"|unzustellbar\b|nicht\s+zustellbar\b|warning:\s+could\s+not\s+send\b|warning:\s+message\b.{0,40}\bdelayed\b"
    r"|delayed\s+mail\b|mail\s+could\s+not\s+be\s+delivered\b|could\s+not\s+send\s+message\b|email\s+bounce\b"
    r"|bounce(?:d)?\s+(?:mail|message|notification)\b|mail\s+system\s+error\b|rejected\s*:|mail\s+rejected\b"
    r"|delivery\s+status\b|read\s*:|lu\s*:|non\s+lu\s*:|gelesen\s*:|return\s+receipt\b|accus[ée]\s+de\s+(?:lecture|r[ée]ception)\b"
    r"|disposition\s+notification\b|\[?spam\s+report\b|abuse\s+report\b|email\s+feedback\s+report\b"
    r"|complaint\s+about\s+message\s+from\b)",
    re.IGNORECASE,
)
_REPORT_TYPES = {
    "message/delivery-status": "delivery-status report",
    "message/global-delivery-status": "delivery-status report",
    "message/disposition-notification": "disposition-notification report",
    "message/global-disposition-notification": "disposition-notification report",
    "message/feedback-report": "feedback report",
}
_AUTORESPONDER_HEADERS = (
    ("x-autoreply", "x-autoreply"),
    ("x-autorespond", "x-autorespond"),
    ("x-autoresponder", "x-autoresponder"),
    ("x-autoreply-from", "x-autoreply"),
    ("x-mail-autoreply", "x-autoreply"),
    ("x-failed-recipients", "x-failed-recipients (bounce)"),
    ("x-ms-exchange-message-is-ndr", "exchange non-delivery report"),
    ("x-amazon-ses-bounce", "ses bounce"),
)
# RFC 2369/2919 and the older list managers' own (ezmlm, fml, Sympa...): mailing-list mail.
_LIST_HEADERS = (
    "list-id", "list-unsubscribe", "list-subscribe", "list-post", "list-help", "list-owner", "list-archive",
    "mailing-list", "x-mailing-list", "x-ml-name", "x-mlserver",
)
_FALSE = {"no", "false", "0", "off", "none"}
_MAILER_VACATION = re.compile(r"\b(?:vacation|autorespond|auto[-\s]?reply|autoresponder|out[-\s]of[-\s]office)\b", re.I)


def _first_token(value: str) -> str:
    return value.split(";", 1)[0].split("(", 1)[0].strip().strip("\"'").lower()


def _localpart(addr: str) -> str:
    addr = addr.strip().strip("<>").strip().lower()
    return addr.rpartition("@")[0] if "@" in addr else addr


def _classify(
    h: _Headers,
    envelope_sender: Optional[str],
    unixfrom: Optional[str],
    from_localparts: list[str],
    subject: str,
    report: Optional[str],
    from_name: str,
    empty_from: bool = False,
) -> Optional[str]:
    """Why this message is automatic (no request, no answer), None for a human."""
    if envelope_sender is not None:
        env = str(envelope_sender).strip()
        if env in ("", "<>"):
            return "empty envelope sender"
        env_local = _localpart(env)
        if _ROBOT_LOCALPART.match(env_local):
            return "mailer-daemon envelope sender"
    explicit_human = False
    for value in h.all("auto-submitted"):
        token = _first_token(_unescape_8bit(_unfold(value)))
        if token == "no":
            explicit_human = True
        elif token:
            return f"auto-submitted: {token[:40]}"
    for header, reason in _AUTORESPONDER_HEADERS:
        for value in h.all(header):
            token = _first_token(_unescape_8bit(_unfold(value)))
            if header in ("x-autoreply", "x-autorespond", "x-autoresponder") or token:
                if token not in _FALSE:
                    return reason
    for value in h.all("x-autogenerated") + h.all("x-auto-generated"):
        if _first_token(_unescape_8bit(_unfold(value))) == "reply":
            return "x-autogenerated: reply"
    for value in h.all("precedence"):
        token = _first_token(_unescape_8bit(_unfold(value)))
        if token in ("bulk", "junk", "list", "auto_reply", "auto-reply", "autoreply"):
            return f"precedence: {token}"
    for header in _LIST_HEADERS:
        if h.raw(header) is not None:
            return header
    if report:
        return report
    for local in from_localparts:
        if _ROBOT_LOCALPART.match(local):
            return "postmaster sender" if "master" in local else "mailer-daemon sender"
    for value in h.all("return-path"):
        path = _unescape_8bit(_unfold(value)).strip()
        if path in ("<>", "< >", ""):
            return "empty envelope sender (return-path)"
        if _ROBOT_LOCALPART.match(_localpart(path)):
            return "mailer-daemon envelope sender (return-path)"
    if unixfrom:
        parts = unixfrom.split()
        if len(parts) >= 2:
            env = parts[1]
            if env in ("<>", "MAILER-DAEMON") or _ROBOT_LOCALPART.match(_localpart(env)):
                return "mailer-daemon envelope sender (mbox)"
    for local in from_localparts:
        if _NOREPLY_LOCALPART.search(local):
            return "no-reply sender"
    if explicit_human:
        return None  # the sender said so; no weaker signal overrides it
    for header in ("x-mailer", "user-agent"):
        value = h.text(header)
        if value and _MAILER_VACATION.search(value[:300]):
            return f"{header}: {value[:40].lower()}"
    if subject and _AUTO_SUBJECT.match(subject[:300]):
        return f"subject: {subject[:40]}"
    name = "-".join(from_name.lower().split())
    if _ROBOT_LOCALPART.match(name) or name.startswith(("mail-administrator", "mail-system")):
        return "mailer-daemon sender"
    if empty_from:
        return "empty from address"
    return None


def _forwarded_robot(subject: str, own_text: str) -> Optional[str]:
    """A robot's message forwarded with no word of the sender's own is not a request.

    People forward bounces and out-of-office notices to whoever might care; with nothing
    added, there is nobody to help and an acknowledgement would only add noise.
    """
    stripped = subject
    while True:
        match = _FWD_SUBJECT.match(stripped) or _REPLY_SUBJECT.match(stripped)
        if not match:
            break
        stripped = stripped[match.end():].lstrip()
    if stripped is subject or not _AUTO_SUBJECT.match(stripped[:300]):
        return None
    if len(re.findall(r"\w+", own_text)) > 3:  # more than "Forward the message."
        return None  # the sender wrote something of their own: a person to answer
    return f"forwarded automatic mail: {stripped[:40]}"


# ---------------------------------------------------------------------------------------
# HTML to text
# ---------------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "tr", "table", "tbody", "thead", "tfoot", "ul", "ol", "li", "dl", "dt", "dd",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "blockquote", "section", "article",
    "header", "footer", "address", "center", "form", "fieldset", "nav", "aside", "main",
    "figure", "figcaption", "caption", "body", "html", "o:p_block",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "xml", "object", "svg", "math"}
_VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source", "embed", "param"}
_TAG_NAME = re.compile(r"(/?)([A-Za-z][A-Za-z0-9:_-]{0,40})")
_WS = re.compile(r"\s+")
_MANY_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def _simplify_html(html: str) -> str:
    """Bare tags only (no attributes, comments, declarations); stray '<' escaped. Linear.

    html.parser is quadratic on unclosed tags and comments ("<a <a <a ...", "<!--" x N):
    what reaches it here has none.
    """
    out: list[str] = []
    n = len(html)
    pos = 0
    next_gt = -2  # cached position of the next '>' at or after the current '<'
    next_comment_end = -2
    while pos < n:
        lt = html.find("<", pos)
        if lt < 0:
            out.append(html[pos:])
            break
        out.append(html[pos:lt])
        if html.startswith("<!--", lt):
            if next_comment_end != -1 and next_comment_end < lt + 4:
                next_comment_end = html.find("-->", lt + 4)
            if next_comment_end == -1:
                break  # an unclosed comment hides the rest, as in a browser
            pos = next_comment_end + 3
            continue
        if next_gt != -1 and next_gt < lt:
            next_gt = html.find(">", lt)
        if next_gt == -1 or next_gt - lt > 2000:
            out.append("&lt;")
            pos = lt + 1
            continue
        inner = html[lt + 1 : next_gt]
        match = _TAG_NAME.match(inner)
        if match:
            out.append(f"<{match.group(1)}{match.group(2).lower()}>")
            pos = next_gt + 1
        elif inner[:1] in ("!", "?"):
            pos = next_gt + 1  # doctype, conditional comment, processing instruction
        else:
            out.append("&lt;")
            pos = lt + 1
    return "".join(out)


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote = 0
        self.pre = 0

    def _flush(self, force: bool = False) -> None:
        line = "".join(self.current).strip()
        self.current = []
        if line or force:
            self.lines.append("> " * min(self.quote, 10) + line if line else ("> " * min(self.quote, 10)).rstrip())

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ARG002
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self._flush(force=True)
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self.current.append("- ")
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP_TAGS:
            return
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _BLOCK_TAGS:
            self._flush(force=tag == "p")  # Outlook's empty paragraphs are its blank lines
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag in ("td", "th"):
            self.current.append(" ")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            chunks = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            for i, chunk in enumerate(chunks):
                if i:
                    self._flush(force=True)
                self.current.append(chunk.replace("\xa0", " "))
        else:
            self.current.append(_WS.sub(" ", data))

    def text(self) -> str:
        self._flush()
        return "\n".join(line.rstrip() for line in self.lines)


def html_to_text(html: str, max_chars: int = 1_000_000) -> str:
    """Readable text of an HTML body: no script/style/head, blocks and <br> as newlines."""
    html = html[:max_chars]
    try:
        parser = _HTMLText()
        parser.feed(_simplify_html(html))
        parser.close()
        text = parser.text()
    except Exception:  # noqa: BLE001 - fall back to crude tag stripping
        text = re.sub(r"<[^<>]{0,2000}>", " ", html)
    return _MANY_BLANKS.sub("\n\n", text).strip()


# ---------------------------------------------------------------------------------------
# Own text, quotes, forwards, signature
# ---------------------------------------------------------------------------------------

_FWD_SEPARATOR = re.compile(
    r"^[-=_*\s]{0,40}(?:message\s+transf[ée]r[ée]|forwarded\s+message|message\s+r[ée]exp[ée]di[ée]"
    r"|mensaje\s+reenviado|weitergeleitete\s+nachricht|messaggio\s+inoltrato|mail\s+transf[ée]r[ée])"
    r"\s*:?[-=_*\s]{0,40}$"
    r"|^(?:begin\s+forwarded\s+message|d[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]|message\s+transf[ée]r[ée])\s*:?\s*$",
    re.IGNORECASE,
)
_ORIG_SEPARATOR = re.compile(
    r"^[-=_*\s]{2,40}(?:original\s+message|message\s+d['’]origine|message\s+original|courriel\s+original"
    r"|ursprüngliche\s+nachricht|mensaje\s+original|messaggio\s+originale)[-=_*\s]{0,40}$",
    re.IGNORECASE,
)
_HDR_FROM = re.compile(r"^\*?\s*(?:de|from|von|da|exp[ée]diteur)\s*\*?\s*:", re.IGNORECASE)
_HDR_SENT = re.compile(r"^\*?\s*(?:envoy[ée]|sent|date|gesendet|enviado|inviato)(?:\s+le)?\s*\*?\s*:", re.IGNORECASE)
_HDR_TO_SUBJ = re.compile(
    r"^\*?\s*(?:[àa]|to|pour|objet|subject|cc|betreff|an|para|asunto|oggetto)\s*\*?\s*:", re.IGNORECASE
)
_UNDERSCORES = re.compile(r"^[_\-=]{8,}\s*$")
_ATTRIBUTION_START = re.compile(r"^(?:le|on|am|el|il|em)\s", re.IGNORECASE)
_ATTRIBUTION = re.compile(
    r"(?:a\s+[ée]crit|wrote|schrieb|escribi[óo]|ha\s+scritto|escreveu)\s*:?\s*$", re.IGNORECASE
)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|r[ée]f?|aw|sv|antw|rif|res)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_FWD_SUBJECT = re.compile(r"^\s*(?:tr|fw|fwd|wg|rv|enc)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)

_SIGN_OFF = re.compile(
    r"^(?:(?:(?:bien|tr[eè]s|trés|tres|biens)\s+)?(?:cordialement|sinc[eè]rement|amicalement|respectueusement|cdlt|cdt)"
    r"|bien\s+[àa]\s+(?:vous|toi)|b[àa]v"
    r"|(?:mes\s+|nos\s+)?sinc[eè]res\s+salutations|(?:meilleures\s+|mes\s+|nos\s+)?salutations(?:\s+distingu[ée]es|\s+cordiales|\s+respectueuses)?"
    r"|(?:tr[eè]s\s+)?bonne\s+(?:journ[ée]e|soir[ée]e|fin\s+de\s+journ[ée]e|fin\s+de\s+semaine|semaine|continuation|r[ée]ception)"
    r"|avec\s+(?:mes|nos)\s+(?:remerciements|salutations|sinc[eè]res\s+salutations|meilleures\s+salutations)"
    r"|en\s+vous\s+remerciant|dans\s+l['’]attente\s+de\s+(?:votre|vous)\s+(?:lire|r[ée]ponse|retour)"
    r"|(?:best|kind|warm|warmest)\s+(?:regards|wishes)|regards|sincerely|yours\s+(?:sincerely|truly)|cheers"
    r"|mit\s+freundlichen\s+gr[üu](?:ß|ss)en|saludos|cordiali\s+saluti)"
    r"(?![\w])",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^(?:envoy[ée]\s+(?:de|depuis)\s+(?:mon|ma|l['’]|un)|sent\s+from\s+(?:my|mail|outlook)|get\s+outlook\s+for"
    r"|t[ée]l[ée]chargez\s+outlook|obtenir\s+outlook|envoy[ée]\s+avec)",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:bonjour|bonsoir|madame|monsieur|mesdames|messieurs|hello|hi|salut|ch[eè]re?s?|dear)\b.{0,60}$", re.IGNORECASE
)
_TEAM_LINE = re.compile(r"^(?:l['’][ée]quipe|le\s+service|la\s+direction|le\s+secr[ée]tariat|le\s+p[ôo]le)\b", re.IGNORECASE)
_NAME_TOKEN = re.compile(r"[^\W\d_]{2,}")


def _is_quote(line: str) -> bool:
    return line.lstrip(" \t")[:1] == ">"


def _header_block(lines: list[str], i: int) -> bool:
    """An Outlook-style header block starts at line i: De/From, then Envoyé/Date, À/Objet."""
    if len(lines[i]) > LONG_LINE or not _HDR_FROM.match(lines[i].strip()):
        return False
    sent = to_subject = False
    for line in lines[i + 1 : i + 8]:
        s = line.strip()
        if len(s) > LONG_LINE:
            break
        sent = sent or bool(_HDR_SENT.match(s))
        to_subject = to_subject or bool(_HDR_TO_SUBJ.match(s))
        if sent and to_subject:
            return True
    return False


def _attribution_span(lines: list[str], i: int) -> int:
    """Number of lines (1-3) of a 'Le ... a écrit :' / 'On ... wrote:' line at i, else 0."""
    first = lines[i].strip()
    if not first or len(first) > LONG_LINE:
        return 0
    if _ATTRIBUTION.search(first) and (_ATTRIBUTION_START.match(first) or _next_is_quote(lines, i + 1)):
        return 1
    if not _ATTRIBUTION_START.match(first):
        return 0
    joined = first
    for k in (1, 2):
        if i + k >= len(lines):
            break
        nxt = lines[i + k].strip()
        if not nxt or len(nxt) > LONG_LINE or _is_quote(nxt):
            break
        joined += " " + nxt
        if _ATTRIBUTION.search(joined):
            return k + 1
    return 0


def _next_is_quote(lines: list[str], j: int) -> bool:
    for line in lines[j : j + 3]:
        if line.strip():
            return _is_quote(line)
    return False


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft line breaks (a line ending with a space)."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        if line == "-- ":
            if buffer:
                out.append(buffer)
                buffer = ""
            out.append(line)
            continue
        if line.endswith(" "):
            buffer += line[:-1] if delsp else line
        else:
            out.append(buffer + line)
            buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _join(lines: Iterable[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    return _MANY_BLANKS.sub("\n\n", text).strip("\n").strip()


def _split_body(text: str, subject: str, from_name: str) -> tuple[str, str, str, str]:
    """(own_text, quoted_text, forwarded_text, signature) of a message's main text."""
    lines = text.split("\n")
    reply = bool(_REPLY_SUBJECT.match(subject)) and not _FWD_SUBJECT.match(subject)
    own: list[str] = []
    quoted: list[str] = []
    forwarded: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if _is_quote(line):
            quoted.append(line)
            i += 1
            continue
        if not stripped or len(stripped) > LONG_LINE:
            own.append(line)
            i += 1
            continue
        if _FWD_SEPARATOR.match(stripped):
            forwarded.extend(lines[i + 1 :])
            break
        if _ORIG_SEPARATOR.match(stripped):
            (quoted.extend(lines[i:]) if reply else forwarded.extend(lines[i + 1 :]))
            break
        start = i
        if _UNDERSCORES.match(stripped) and i + 1 < n:
            j = i + 1
            while j < n and j < i + 3 and not lines[j].strip():
                j += 1
            if j < n and _header_block(lines, j):
                start, i = i, j
        if _header_block(lines, i):
            (quoted.extend(lines[start:]) if reply else forwarded.extend(lines[i:]))
            break
        i = start
        span = _attribution_span(lines, i)
        if span:
            quoted.extend(lines[i : i + span])
            if _next_is_quote(lines, i + span):
                i += span
                continue
            quoted.extend(lines[i + span :])
            break
        own.append(line)
        i += 1
    own, signature = _split_signature(own, from_name)
    return _join(own), _join(quoted), _join(forwarded), _join(signature)


def _split_signature(lines: list[str], from_name: str) -> tuple[list[str], list[str]]:
    content = [k for k, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return lines, []
    # 1. The conventional delimiter "-- " (or "--" once mail clients strip the space).
    for k in content[1:]:
        if lines[k].rstrip() in ("--", "-- ") or lines[k] == "-- ":
            after = [m for m in content if m > k]
            if len(after) <= 15:
                return lines[:k], lines[k + 1 :]
    # 2. A sign-off ("Cordialement", "Bien à vous"...) followed by a short block; the
    #    line is the sign-off (and maybe a name), not a sentence that starts like one,
    #    and something more than a greeting stays above it.
    for idx, k in enumerate(content[1:], start=1):
        s = lines[k].strip()
        found = _SIGN_OFF.match(s.replace("’", "'")) if len(s) <= 80 else None
        if not found:
            continue
        tail = s[found.end() :].strip(" ,.;:!-–")
        if len(tail.split()) > 4 or tail.endswith("?"):
            continue
        if all(_GREETING.match(lines[m].strip()) for m in content[:idx]):
            continue
        after = content[idx + 1 :]
        if len(after) <= 10 and all(len(lines[m].strip()) <= 120 for m in after):
            return lines[:k], lines[k:]
    # 3. "Envoyé de mon iPhone" and friends, at the very end.
    for k in content[-3:]:
        if k != content[0] and _MOBILE_SIGNATURE.match(lines[k].strip()):
            return lines[:k], lines[k:]
    # 4. A last paragraph that is a name block: starts with the sender's first name or
    #    "L'équipe ...", a few short lines.
    last_blank = max((k for k in range(len(lines)) if not lines[k].strip() and k < content[-1]), default=-1)
    block = [k for k in content if k > last_blank]
    if last_blank > content[0] and 1 <= len(block) <= 5 and all(len(lines[k].strip()) <= 80 for k in block):
        first = lines[block[0]].strip()
        tokens = _NAME_TOKEN.findall(from_name or "")
        starts_with_name = (
            bool(tokens) and first.lower().startswith(tokens[0].lower()) and len(first.split()) <= 6 and "?" not in first
        )
        if starts_with_name or _TEAM_LINE.match(first):
            return lines[:last_blank], lines[last_blank + 1 :]
    # 5. The last line is the sender's name.
    last = lines[content[-1]].strip()
    if from_name and len(from_name) >= 3 and last.lower() == from_name.strip().lower():
        return lines[: content[-1]], lines[content[-1] :]
    return lines, []


# ---------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------

_BOUNDARY_DECL = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))', re.IGNORECASE)
_CONTAINER_DECL = re.compile(rb"(?im)^content-type:[ \t]*\"?(?:multipart|message)/")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_ATTACHED_MESSAGE = {"message/rfc822", "message/global", "message/news"}
_TEXT_TYPES = {"text/plain", "text/html", "text/enriched", "text/richtext", "text/x-plain", "text/plain-flowed"}


_OBS_HEADER_NAME = re.compile(rb"(?m)^([\x21-\x39\x3b-\x7e]{1,80})[ \t]+:")


def _header_end(raw: bytes) -> int:
    ends = (raw.find(b"\n\n"), raw.find(b"\r\n\r\n"), raw.find(b"\r\r"))
    return min((p for p in ends if p >= 0), default=len(raw))


class _Parser:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.parts = 0
        self.attachments: list[str] = []
        self.report: Optional[str] = None
        self.forwarded: list[str] = []  # text of attached messages (message/rfc822)
        self.text_chars = 0

    # -- entry ---------------------------------------------------------------------------

    def parse(self, raw: bytes, envelope_sender: Optional[str]) -> InboundMail:
        raw = self._bytes(raw)
        self._precheck(raw)
        msg = self._message(raw)
        h = _Headers(msg)
        if not len(h):
            raise UnparseableMail("no headers: not a mail message")
        self._walk_structure(msg, depth=0, inside_attached=False)

        subject = _clean_header_text(_decode_header(h.raw("subject")))[:2000]
        from_pairs = _addresses(h.raw("from"))
        from_address = None
        from_name = None
        for name, addr in from_pairs:
            usable = _usable_address(addr)
            if usable:
                from_address = usable
                from_name = _clean_header_text(_decode_header(name)).strip("\"' ") or None
                break
        if from_name is None and from_pairs:
            from_name = _clean_header_text(_decode_header(from_pairs[0][0])).strip("\"' ") or None
        if from_name:
            from_name = from_name[:200]
        reply_to = None
        for _, addr in _addresses(h.raw("reply-to")):
            reply_to = _usable_address(addr)
            if reply_to:
                break
        localparts = [_localpart(_unescape_8bit(addr)) for _, addr in from_pairs if addr]
        date = h.plain("date") or None

        try:
            unixfrom = msg.get_unixfrom()
        except Exception:  # noqa: BLE001
            unixfrom = None
        automatic = _classify(
            h, envelope_sender, unixfrom if isinstance(unixfrom, str) else None,
            localparts, subject, self.report, from_name or "",
            empty_from="<>" in "".join(h.plain("from").split()),
        )

        main = self._cap(self._text_of(msg, depth=0))
        attached = self._cap("\n\n".join(t for t in self.forwarded if t.strip()))
        own, quoted, forwarded, signature = _split_body(main, subject, from_name or "")
        forwarded_text = "\n\n".join(t for t in (forwarded, attached.strip()) if t)
        text = "\n\n".join(t for t in (main.strip(), attached.strip()) if t)
        if automatic is None:
            automatic = _forwarded_robot(subject, own)
        return InboundMail(
            message_id=_message_id(h.raw("message-id")),
            in_reply_to=_message_ids(h.raw("in-reply-to")),
            references=_message_ids(h.raw("references")),
            subject=subject,
            from_address=from_address,
            from_name=from_name,
            reply_to=reply_to,
            date=date[:200] if date else None,
            automatic=automatic,
            text=text[: self.limits.max_text_chars],
            own_text=own,
            forwarded_text=forwarded_text[: self.limits.max_text_chars],
            signature=signature,
            quoted_text=quoted,
            attachments=tuple(self.attachments[:MAX_ATTACHMENTS]),
        )

    @staticmethod
    def _bytes(raw: object) -> bytes:
        if isinstance(raw, bytes):
            return raw
        if isinstance(raw, (bytearray, memoryview)):
            return bytes(raw)
        if isinstance(raw, str):
            return raw.encode("utf-8", "surrogateescape")
        raise UnparseableMail(f"not a mail message: {type(raw).__name__} instead of bytes")

    def _precheck(self, raw: bytes) -> None:
        """Refuse what would cost too much before the parser builds anything."""
        limits = self.limits
        if len(raw) > limits.max_bytes:
            raise UnparseableMail(f"message too large: {len(raw)} bytes (limit {limits.max_bytes})")
        if not raw.strip():
            raise UnparseableMail("empty message")
        end = _header_end(raw)
        if raw.count(b"\n", 0, end) > MAX_HEADER_LINES or raw.count(b"\r", 0, end) > MAX_HEADER_LINES:
            raise UnparseableMail(f"header section too long (over {MAX_HEADER_LINES} lines)")
        # Each multipart/* or message/* part declares itself; each part follows a boundary.
        containers = len(_CONTAINER_DECL.findall(raw))
        if containers > limits.max_parts:
            raise UnparseableMail(f"too many MIME parts (over {limits.max_parts})")
        boundaries = {(m.group(1) or m.group(2)).rstrip() for m in _BOUNDARY_DECL.finditer(raw)} - {b""}
        if len(boundaries) > limits.max_parts:
            raise UnparseableMail(f"too many MIME parts (over {limits.max_parts})")
        # Every part follows one delimiter line, every multipart ends with one more. A
        # quick upper bound first (lines that start with "--"), the exact count of
        # delimiter lines only when that bound is over the limit.
        most = 2 * limits.max_parts + 2
        quick = raw.count(b"\n--") + raw.count(b"\r--") + raw.startswith(b"--")
        if boundaries and quick > most:
            alternatives = b"|".join(re.escape(b) for b in sorted(boundaries, key=len, reverse=True))
            exact = re.compile(rb"(?:^|(?<=[\r\n]))--(?:" + alternatives + rb")(?:--)?[ \t]*(?=[\r\n]|$)")
            if sum(1 for _ in exact.finditer(raw)) > most:
                raise UnparseableMail(f"too many MIME parts (over {limits.max_parts})")

    @staticmethod
    def _message(raw: bytes) -> Message:
        # Leading blank lines would make every header body text.
        raw = raw.lstrip(b"\r\n\t ")
        # Obsolete syntax (RFC 5322 4.5): "Subject : ..." with blanks before the colon.
        end = _header_end(raw)
        head = _OBS_HEADER_NAME.sub(rb"\1:", raw[:end])
        if len(head) != end:
            raw = head + raw[end:]
        try:
            msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        except Exception:  # noqa: BLE001 - a broken structure: keep the headers, body as text
            parser = email.parser.BytesParser(policy=email.policy.compat32)
            msg = parser.parsebytes(raw, headersonly=True)
        return msg

    # -- structure -------------------------------------------------------------------

    def _children(self, part: Message) -> list[Message]:
        try:
            payload = part.get_payload()
        except Exception:  # noqa: BLE001
            return []
        if isinstance(payload, list):
            return [p for p in payload if isinstance(p, Message)]
        return []

    def _walk_structure(self, part: Message, depth: int, inside_attached: bool) -> None:
        """Count parts, check nesting, note delivery/feedback reports. Iterative."""
        stack = [(part, depth, inside_attached)]
        while stack:
            node, level, attached = stack.pop()
            self.parts += 1
            if self.parts > self.limits.max_parts:
                raise UnparseableMail(f"too many MIME parts (over {self.limits.max_parts})")
            if level > self.limits.max_depth:
                raise UnparseableMail(f"MIME nesting too deep (over {self.limits.max_depth} levels)")
            h = _Headers(node)
            ctype = _content_type(h)
            if not attached:
                if ctype == "multipart/report" and self.report is None:
                    kind = (_param(h, "content-type", "report-type") or "").lower().strip()
                    self.report = f"{kind} report" if kind else "multipart/report"
                elif ctype in _REPORT_TYPES and self.report is None:
                    self.report = _REPORT_TYPES[ctype]
            inner = attached or ctype in _ATTACHED_MESSAGE
            for child in reversed(self._children(node)):
                stack.append((child, level + 1, inner))

    def _disposition(self, h: _Headers) -> str:
        return h.plain("content-disposition").split(";", 1)[0].strip().strip("\"'").lower()

    def _note_attachment(self, part: Message, h: _Headers, ctype: str) -> None:
        if len(self.attachments) >= MAX_ATTACHMENTS:
            return
        name = _filename(part, h)
        self.attachments.append(name or f"[{ctype}]")

    def _cap(self, text: str) -> str:
        return text[: self.limits.max_text_chars]

    def _text_of(self, part: Message, depth: int) -> str:
        """Readable text of a part (recursively); attached messages go to self.forwarded."""
        if depth > self.limits.max_depth:
            raise UnparseableMail(f"MIME nesting too deep (over {self.limits.max_depth} levels)")
        if self.text_chars > self.limits.max_text_chars:
            return ""
        h = _Headers(part)
        ctype = _content_type(h)
        children = self._children(part)
        disposition = self._disposition(h)

        if ctype in _ATTACHED_MESSAGE or (ctype.startswith("message/") and children and ctype not in _REPORT_TYPES):
            if disposition == "attachment" or _filename(part, h):
                self._note_attachment(part, h, ctype)
            for child in children[:1]:
                child = self._encoded_message(h, child, depth + 1) or child
                slot = len(self.forwarded)  # an outer message before the ones it carries
                self.forwarded.append("")
                self.forwarded[slot] = self._attached_message(child, depth + 1)
            return ""
        if ctype.startswith("message/"):
            return ""  # delivery-status and other machine-readable reports

        if children:
            if ctype == "multipart/alternative":
                return self._alternative(children, depth)
            texts = [self._text_of(child, depth + 1) for child in children]
            return "\n\n".join(t for t in texts if t.strip())

        # A leaf. A "multipart" without a usable boundary arrives here too: read it as text.
        if ctype.startswith("multipart/"):
            ctype = "text/plain"
        filename = _filename(part, h)
        if disposition == "attachment" or (filename and ctype not in ("text/plain", "text/html")):
            self._note_attachment(part, h, ctype)
            return ""
        if ctype not in _TEXT_TYPES:
            if ctype != "text/rfc822-headers":  # a bounce's copy of the original headers
                self._note_attachment(part, h, ctype)
            return ""
        text = self._leaf_text(part, h, ctype)
        self.text_chars += len(text)
        return text

    def _alternative(self, children: list[Message], depth: int) -> str:
        """text/plain first, then HTML, then anything else that yields text."""
        kinds = [(_content_type(_Headers(c)), c) for c in children]
        order = ("text/plain", "text/html", "multipart/related", "multipart/mixed", "multipart/alternative")
        ranked = sorted(range(len(kinds)), key=lambda k: (order.index(kinds[k][0]) if kinds[k][0] in order else len(order), k))
        for k in ranked:
            text = self._text_of(kinds[k][1], depth + 1)
            if text.strip():
                return text
        return ""

    def _leaf_text(self, part: Message, h: _Headers, ctype: str) -> str:
        data = self._payload_bytes(part)
        charset = _param(h, "content-type", "charset")
        if ctype == "text/html" and not charset:
            found = _META_CHARSET.search(data[:4096])
            charset = found.group(1).decode("ascii") if found else None
        limit = self.limits.max_text_chars * (5 if ctype == "text/html" else 1) * 4
        text = _decode_bytes(data[:limit], charset)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
        if ctype == "text/html":
            text = html_to_text(text, max_chars=self.limits.max_text_chars * 5)
        elif ctype in ("text/enriched", "text/richtext"):
            text = re.sub(r"<<", "<", re.sub(r"<[^<>\n]{0,60}>", "", text[: self.limits.max_text_chars]))
        else:
            text = text[: self.limits.max_text_chars]
            if (_param(h, "content-type", "format") or "").lower() == "flowed":
                text = _unflow(text, (_param(h, "content-type", "delsp") or "").lower() == "yes")
        return unicodedata.normalize("NFC", text)[: self.limits.max_text_chars]

    @staticmethod
    def _payload_bytes(part: Message) -> bytes:
        try:
            data = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - undecodable transfer encoding: take it as it is
            data = None
        if isinstance(data, bytes):
            return data
        try:
            payload = part.get_payload()
        except Exception:  # noqa: BLE001
            return b""
        if isinstance(payload, str):
            return payload.encode("utf-8", "surrogateescape")
        return b""

    def _encoded_message(self, h: _Headers, inner: Message, depth: int) -> Optional[Message]:
        """A message/rfc822 sent base64 or quoted-printable (not allowed, but sent): the
        parser read the encoded text as a message without headers; decode and parse it."""
        cte = h.plain("content-transfer-encoding").lower()
        if cte not in ("base64", "quoted-printable") or len(_Headers(inner)):
            return None
        encoded = self._payload_bytes(inner)
        try:
            if cte == "base64":
                letters = _NON_B64.sub(b"", encoded)
                data = binascii.a2b_base64(letters + b"=" * (-len(letters) % 4))
            else:
                data = binascii.a2b_qp(encoded)
        except (binascii.Error, ValueError):
            return None
        if not data.strip():
            return None
        self._precheck(data)
        msg = self._message(data)
        if not len(_Headers(msg)):
            return None
        self._walk_structure(msg, depth=depth, inside_attached=True)
        return msg

    def _attached_message(self, inner: Message, depth: int) -> str:
        h = _Headers(inner)
        header_lines = []
        for label, name in (("De", "from"), ("Date", "date"), ("Objet", "subject")):
            value = h.text(name)
            if value:
                header_lines.append(f"{label} : {value[:300]}")
        body = self._text_of(inner, depth)
        return "\n\n".join(part for part in ("\n".join(header_lines), body.strip()) if part)
