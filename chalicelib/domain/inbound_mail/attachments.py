"""The text of attached documents: PDF (pypdf), DOCX (python-docx), ODT, text, HTML.

A school's or child-welfare team's "fiche de liaison" often carries the facts while the
body says only "veuillez trouver ci-joint la fiche". Attachments are hostile input like
the rest of the mail, so every read is bounded before the library sees the bytes:
- size: an attachment over `Limits.attachment_max_bytes` is not opened;
- pages: a PDF with more than `Limits.attachment_max_pages` pages is not read;
- zip containers (DOCX, ODT): member count, total declared size and compression ratio are
  checked first (a zip bomb is refused unopened; zipfile never inflates past a member's
  declared size, so the declared sizes bound the work);
- pieces: no library is handed more than `Limits.attachment_max_piece_bytes` decompressed
  bytes in one go (one PDF stream; one DOCX or ODT paragraph or table row), so that
- time: one budget per message (`Limits.attachment_seconds`) is checked between pieces:
  between pages, before each operator of a page's content, between paragraphs and rows;
- text: reading stops at `Limits.attachment_max_chars` characters, or at
  `Limits.attachment_max_paragraphs` paragraphs of a DOCX or ODT, which is read as a
  stream (lxml's pull parser): nothing past the point where reading stops is inflated;
- an encrypted PDF is tried with the empty password (what most "protected" forms use),
  else skipped.
Nothing here raises: a document that cannot be read, or not whole, gives what was read
and a short English note for the operator. Pure: bytes in, text out, no I/O. What the
libraries print or log is dropped by the mail readers (chalicelib/adapters/mail_reading.py).
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from typing import IO, Any

from .charsets import _decode_bytes
from .html_text import html_to_text
from .model import AttachmentText, Document, Limits

PDF = "pdf"
DOCX = "docx"
ODT = "odt"
TEXT = "text"
HTML = "html"

_BY_TYPE = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.oasis.opendocument.text": ODT,
    "text/plain": TEXT,
    "text/html": HTML,
}
_BY_EXTENSION = {".pdf": PDF, ".docx": DOCX, ".odt": ODT, ".txt": TEXT, ".html": HTML, ".htm": HTML}
MAX_ZIP_MEMBERS = 300
MAX_ZIP_RATIO = 200  # deflate reaches ~1000:1 only on degenerate input such as a bomb
XML_CHUNK = 64 * 1024  # bytes inflated and parsed between two looks at the budget
SPENT = "partly read: time budget spent"


def document_kind(ctype: str, name: str | None) -> str | None:
    """Which reader an attachment needs, from its type or, for generic types, its name."""
    kind = _BY_TYPE.get(ctype)
    if kind is None and name and ctype in ("application/octet-stream", "application/download", "binary/octet-stream"):
        lowered = name.lower().strip()
        kind = next((k for ext, k in _BY_EXTENSION.items() if lowered.endswith(ext)), None)
    return kind


class _Budget:
    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def left(self) -> bool:
        return time.monotonic() < self.deadline


class _Stop(Exception):
    """Raised from inside a library's loop (pypdf's visitors) to end the reading there."""


def load_document_readers() -> None:
    """Imports the document libraries now rather than on the first document."""
    import docx.table  # noqa: F401
    import pypdf  # noqa: F401
    from docx.oxml import parser  # noqa: F401
    from lxml import etree  # noqa: F401


def read_documents(documents: list[Document], limits: Limits) -> tuple[AttachmentText, ...]:
    """Text of each document, within the limits; never raises."""
    budget = _Budget(limits.attachment_seconds)
    out = []
    for doc in documents[: limits.attachment_max_count]:
        if not budget.left():
            out.append(AttachmentText(doc.name, doc.kind, "", "not read: time budget of the message spent"))
            continue
        out.append(_read(doc, limits, budget))
    return tuple(out)


def _read(doc: Document, limits: Limits, budget: _Budget) -> AttachmentText:
    if len(doc.data) > limits.attachment_max_bytes:
        return AttachmentText(doc.name, doc.kind, "", f"not read: over {limits.attachment_max_bytes} bytes")
    try:
        if doc.kind in (TEXT, HTML):
            text, note = _decoded(doc, limits)
        else:
            text, note = _READERS[doc.kind](doc.data, limits, budget)
    except Exception as exc:  # noqa: BLE001 - hostile or broken documents (MemoryError too): no text, a note
        text, note = "", f"unreadable {doc.kind}: {type(exc).__name__}"
    text = text.replace("\x00", "")[: limits.attachment_max_chars]
    return AttachmentText(doc.name, doc.kind, text.strip(), note)


def _decoded(doc: Document, limits: Limits) -> tuple[str, str | None]:
    text = _decode_bytes(doc.data[: limits.attachment_max_chars * 8], doc.charset)
    if doc.kind == HTML:
        text = html_to_text(text, max_chars=limits.attachment_max_chars * 8)
    return text, None


# -- PDF ---------------------------------------------------------------------------------


def _pdf(data: bytes, limits: Limits, budget: _Budget) -> tuple[str, str | None]:
    from pypdf import PdfReader, apply_configuration  # imported on the first PDF only: cold starts stay light

    # The structure (cross-reference and object streams) inflates at most as much as a zip
    # container may; each page's streams at most one piece.
    whole = limits.attachment_max_unzipped_bytes
    with apply_configuration(None, **_pdf_stream_limits(whole)):
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened: int = reader.decrypt("")
            except Exception:  # noqa: BLE001 - unsupported cipher, broken encryption dictionary
                opened = 0
            if not opened:
                return "", "not read: encrypted PDF"
        try:  # the declared count first: counting pages walks the whole page tree
            trailer: Any = reader.trailer  # any shape at all: read inside this try
            declared = int(trailer["/Root"]["/Pages"]["/Count"])
        except Exception:  # noqa: BLE001 - a broken tree: counted below
            declared = 0
        if declared > limits.attachment_max_pages:
            return "", f"not read: {declared} pages (limit {limits.attachment_max_pages})"
        pages = len(reader.pages)
        if pages > limits.attachment_max_pages:
            return "", f"not read: {pages} pages (limit {limits.attachment_max_pages})"
        texts: list[str] = []
        notes: list[str] = []
        size = 0
        for number in range(1, pages + 1):
            if not budget.left():
                return "\n".join(texts), f"{SPENT} at page {number}"
            page_text, note = _pdf_page(
                reader.pages[number - 1], number, limits, budget, limits.attachment_max_chars - size
            )
            texts.append(page_text)
            size += len(page_text)
            if note:
                notes.append(note)
                if note.startswith(SPENT):
                    break
            if size >= limits.attachment_max_chars:
                break
    return "\n".join(texts), "; ".join(notes) or None


def _pdf_stream_limits(most: int) -> dict[str, int]:
    """pypdf's configuration capping what one stream inflates to (every filter) at `most`
    bytes, and the tokens parsed from it at a quarter of that: a page of text averages six
    bytes a token, a stream made to be slow two ("1 1 1 ..."), which parse at about 5 us a
    token. Only ever lower than pypdf's own limits."""
    from pypdf import get_configuration

    current = get_configuration()
    return {
        name: min(value, getattr(current, name))
        for name, value in {
            "zlib_maximum_output_length": most,
            "lzw_maximum_output_length": most,
            "run_length_maximum_output_length": most,
            "brotli_maximum_output_length": most,
            "array_based_stream_maximum_output_length": most,
            "stream_decoding_work_maximum_length": 2 * most,
            "stream_parsing_work_maximum_count": most // 4,
        }.items()
    }


def _pdf_page(page: Any, number: int, limits: Limits, budget: _Budget, room: int) -> tuple[str, str | None]:
    """The text of one page, stopped inside it when the budget is spent or `room`
    characters are read (pypdf calls the visitors at every operator and text piece)."""
    from pypdf import apply_configuration
    from pypdf.errors import LimitReachedError

    pieces: list[str] = []
    read = 0

    def before_operator(*_: Any) -> None:
        if read >= room or not budget.left():
            raise _Stop

    def on_text(text: str, *_: Any) -> None:
        nonlocal read
        pieces.append(text)
        read += len(text)
        if read >= room:
            raise _Stop

    limited = _pdf_stream_limits(limits.attachment_max_piece_bytes)
    try:
        with apply_configuration(None, **limited):
            return page.extract_text(visitor_operand_before=before_operator, visitor_text=on_text) or "", None
    except _Stop:
        return "".join(pieces), None if read >= room else f"{SPENT} at page {number}"
    except LimitReachedError:
        return "", (
            f"page {number} not read: a stream over {limited['zlib_maximum_output_length']} bytes once"
            f" decompressed, or {limited['stream_parsing_work_maximum_count']} tokens"
        )


# -- DOCX and ODT: zip containers of XML, read as a stream -------------------------------


def _zip_checked(archive: zipfile.ZipFile, limits: Limits) -> str | None:
    """Why a zip container must not be opened (a bomb, too big), None when it may."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        return f"not read: {len(members)} zip members"
    total = sum(m.file_size for m in members)
    if total > limits.attachment_max_unzipped_bytes:
        return f"not read: {total} bytes once unzipped (limit {limits.attachment_max_unzipped_bytes})"
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > MAX_ZIP_RATIO * max(m.compress_size, 1):
            return "not read: compression ratio of a zip bomb"
    return None


def _xml_lines(
    member: IO[bytes], parser: Any, line_of: Callable[[Any], str | None], limits: Limits, budget: _Budget
) -> tuple[str, str | None]:
    """The lines `line_of` makes of the elements lxml's pull `parser` reports, fed a chunk
    of the zip `member` at a time. Stops at the limits; what was read is kept."""
    from lxml.etree import XMLSyntaxError

    lines: list[str] = []
    size = 0
    since_last = 0  # bytes fed since the last element was reported: one piece
    while budget.left():
        chunk = member.read(XML_CHUNK)
        try:
            if not chunk:
                parser.close()  # raises if the XML is cut short
                return "\n".join(lines), None
            parser.feed(chunk)
            events = list(parser.read_events())
        except XMLSyntaxError:
            return "\n".join(lines), f"partly read: malformed XML after {len(lines)} paragraphs"
        since_last += len(chunk)
        if since_last > limits.attachment_max_piece_bytes:  # an element ending here may be that big
            return "\n".join(lines), f"partly read: a paragraph over {limits.attachment_max_piece_bytes} bytes"
        for _, element in events:
            since_last = 0
            line = line_of(element)
            if line is None:
                continue
            if len(lines) == limits.attachment_max_paragraphs:
                return "\n".join(lines), f"partly read: first {len(lines)} paragraphs (limit)"
            lines.append(line)
            size += len(line)
            if size >= limits.attachment_max_chars:
                return "\n".join(lines), None
            if not budget.left():
                break
    return "\n".join(lines), SPENT


def _pull_parser(tags: tuple[str, ...], lookup: Any = None) -> Any:
    from lxml import etree

    # No entity is expanded and nothing is fetched: the settings python-docx parses with.
    parser = etree.XMLPullParser(
        events=("end",), tag=tags, remove_blank_text=True, resolve_entities=False, no_network=True
    )
    if lookup is not None:
        parser.set_element_class_lookup(lookup)
    return parser


def _docx(data: bytes, limits: Limits, budget: _Budget) -> tuple[str, str | None]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        refused = _zip_checked(archive, limits)
        if refused:
            return "", refused
        # python-docx's element classes read each paragraph and row as python-docx does
        # (runs, tabs, breaks, merged cells), one at a time instead of the whole document first.
        from docx.oxml.ns import qn
        from docx.oxml.parser import element_class_lookup
        from docx.table import Table, _Row

        body, paragraph, table, row = qn("w:body"), qn("w:p"), qn("w:tbl"), qn("w:tr")

        def line_of(element: Any) -> str | None:
            parent = element.getparent()
            if element.tag == paragraph and parent.tag == body:
                text: str | None = element.text
                element.clear()  # read: its memory goes back
                return text
            if element.tag == row and parent.tag == table and parent.getparent().tag == body:
                cells: list[str] = []
                for cell in _Row(element, Table(parent, None)).cells:  # type: ignore[arg-type]  # no part when streaming
                    if cell.text not in cells:  # merged cells repeat their text
                        cells.append(cell.text)
                return " : ".join(c.strip() for c in cells if c.strip())
            return None

        with archive.open(_docx_main_part(archive)) as member:
            return _xml_lines(member, _pull_parser((paragraph, row), element_class_lookup), line_of, limits, budget)


def _docx_main_part(archive: zipfile.ZipFile) -> str:
    """The document part the package's relationships name (word/document.xml nearly always)."""
    from lxml import etree

    try:
        rels = archive.getinfo("_rels/.rels")
    except KeyError:
        return "word/document.xml"
    if rels.file_size > 64 * 1024:
        return "word/document.xml"
    root = etree.fromstring(archive.read(rels), etree.XMLParser(resolve_entities=False, no_network=True))
    for rel in root:
        if str(rel.get("Type", "")).endswith("/officeDocument") and rel.get("Target"):
            return str(rel.get("Target")).lstrip("/")
    return "word/document.xml"


_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _odt(data: bytes, limits: Limits, budget: _Budget) -> tuple[str, str | None]:
    """Paragraphs and headings in document order. odfpy is not used to read: it builds the
    whole document before anything can be checked, and prints it on malformed XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        refused = _zip_checked(archive, limits)
        if refused:
            return "", refused
        paragraph, heading = f"{_ODF_TEXT}p", f"{_ODF_TEXT}h"

        def line_of(element: Any) -> str | None:
            if next(element.iterancestors(paragraph, heading), None) is not None:
                return None  # a note's or a frame's paragraph: part of the enclosing one
            text = _odf_text(element, limits.attachment_max_chars)
            element.clear(keep_tail=True)
            return text

        with archive.open("content.xml") as member:
            return _xml_lines(member, _pull_parser((paragraph, heading)), line_of, limits, budget)


def _odf_text(element: Any, most: int) -> str:
    """An ODF paragraph's text as odfpy's teletype.extractText gives it: <text:s text:c>
    is that many spaces (at most `most`), <text:tab> a tab, <text:line-break> a new line."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{_ODF_TEXT}line-break":
            parts.append("\n")
        elif child.tag == f"{_ODF_TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{_ODF_TEXT}s":
            count = str(child.get(f"{_ODF_TEXT}c", "1"))
            parts.append(" " * min(int(count) if count.isascii() and count.isdigit() else 1, most))
        elif isinstance(child.tag, str):  # not a comment or a processing instruction
            parts.append(_odf_text(child, most))
        parts.append(child.tail or "")
    return "".join(parts)


_READERS: dict[str, Callable[[bytes, Limits, _Budget], tuple[str, str | None]]] = {PDF: _pdf, DOCX: _docx, ODT: _odt}
