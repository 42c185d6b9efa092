"""The parsed message, its attachments as the parser keeps and reads them, and the
parser's limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """An attachment the parser kept for reading: its name, kind, bytes and charset."""

    name: str
    kind: str
    data: bytes
    charset: str | None = None


@dataclass(frozen=True)
class AttachmentText:
    name: str
    kind: str
    text: str
    note: str | None = None  # why there is no (or only partial) text

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "kind": self.kind, "chars": len(self.text), "note": self.note}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_parts: int = 100
    max_depth: int = 10
    max_text_chars: int = 200_000
    # Attached documents (see attachments.py): which are read, and how far.
    attachment_max_count: int = 5
    attachment_max_bytes: int = 5 * 1024 * 1024
    attachment_max_pages: int = 30
    attachment_max_unzipped_bytes: int = 20 * 1024 * 1024
    attachment_max_chars: int = 20_000
    attachment_seconds: float = 3.0  # for all the documents of one message
    # Paragraphs and table rows read from one DOCX or ODT: a 30-page document (the PDF page
    # limit) holds about 1,200; past that it is a list of empty paragraphs made to be slow.
    attachment_max_paragraphs: int = 2_000
    # The most decompressed bytes a library digests in one go, before the time budget can be
    # checked again: one PDF stream (a page's content, a font), one DOCX or ODT paragraph or
    # table row. pypdf parses a content stream at about 2 us a byte (make bench), so a piece
    # stays under a tenth of `attachment_seconds`; a dense page of text holds 10-60 KB.
    attachment_max_piece_bytes: int = 256 * 1024


class UnparseableMail(Exception):
    """The message cannot be used; `.reason` is a short English text for an operator."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InboundMail:
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_address: str | None
    from_name: str | None
    reply_to: str | None
    date: str | None
    automatic: str | None
    text: str
    own_text: str
    forwarded_text: str
    signature: str
    quoted_text: str
    attachments: tuple[str, ...]
    documents: tuple[AttachmentText, ...] = ()  # text read from attached documents
    # The `Authentication-Results` fields, topmost first (sender_verdict.py reads them).
    authentication_results: tuple[str, ...] = ()


# Bounds that are not worth a setting.
MAX_HEADER_LINES = 10_000  # lines in the top-level header section
MAX_HEADER_CHARS = 20_000  # one header value, before decoding
MAX_IDS = 100  # message ids kept from In-Reply-To / References
MAX_ATTACHMENTS = 200
LONG_LINE = 400  # lines longer than this are never markers, attributions or sign-offs
