"""The MIME walk: structure limits, text parts, attached messages, attachments."""

from __future__ import annotations

import binascii
import email
import email.parser
import email.policy
import re
import unicodedata
from email.message import Message

from .attachments import document_kind, read_documents
from .automatic import _REPORT_TYPES, _classify, _forwarded_robot, _localpart
from .body import _split_body, _unflow
from .charsets import _decode_bytes, _unescape_8bit
from .headers import (
    _NON_B64,
    _addresses,
    _clean_header_text,
    _content_type,
    _decode_header,
    _filename,
    _Headers,
    _message_id,
    _message_ids,
    _param,
    _usable_address,
)
from .html_text import html_to_text
from .model import MAX_ATTACHMENTS, MAX_HEADER_LINES, Document, InboundMail, Limits, UnparseableMail
from .sender_verdict import AUTHENTICATION_RESULTS_MAX_HEADERS


def parse_inbound(raw: bytes, envelope_sender: str | None = "", limits: Limits = Limits()) -> InboundMail:
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
        self.documents: list[Document] = []  # attachments whose text may be read
        self.report: str | None = None
        self.forwarded: list[str] = []  # text of attached messages (message/rfc822)
        self.text_chars = 0

    # -- entry ---------------------------------------------------------------------------

    def parse(self, raw: bytes, envelope_sender: str | None) -> InboundMail:
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
            h,
            envelope_sender,
            unixfrom if isinstance(unixfrom, str) else None,
            localparts,
            subject,
            self.report,
            from_name or "",
            empty_from="<>" in "".join(h.plain("from").split()),
        )

        main = self._cap(self._text_of(msg, depth=0))
        attached = self._cap("\n\n".join(t for t in self.forwarded if t.strip()))
        own, quoted, forwarded, signature = _split_body(main, subject, from_name or "")
        forwarded_text = "\n\n".join(t for t in (forwarded, attached.strip()) if t)
        text = "\n\n".join(t for t in (main.strip(), attached.strip()) if t)
        if automatic is None:
            automatic = _forwarded_robot(subject, own)
        # Robots' attachments (a bounce's copy of our mail) are never worth reading.
        documents = read_documents(self.documents, self.limits) if automatic is None else ()
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
            documents=documents,
            authentication_results=h.plain_all("authentication-results", AUTHENTICATION_RESULTS_MAX_HEADERS),
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
        kind = document_kind(ctype, name)
        if kind and len(self.documents) < self.limits.attachment_max_count:
            charset = _param(h, "content-type", "charset")
            self.documents.append(Document(name or f"[{ctype}]", kind, self._payload_bytes(part), charset))

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
        ranked = sorted(
            range(len(kinds)), key=lambda k: (order.index(kinds[k][0]) if kinds[k][0] in order else len(order), k)
        )
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

    def _encoded_message(self, h: _Headers, inner: Message, depth: int) -> Message | None:
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
