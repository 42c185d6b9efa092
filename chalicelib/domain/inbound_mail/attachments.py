"""The text of attached documents: PDF (pypdf), DOCX (python-docx), ODT (odfpy), text, HTML.

A school's or child-welfare team's "fiche de liaison" often carries the facts while the
body says only "veuillez trouver ci-joint la fiche". Attachments are hostile input like
the rest of the mail, so every read is bounded before the library sees the bytes:
- size: an attachment over `Limits.attachment_max_bytes` is not opened;
- pages: a PDF with more than `Limits.attachment_max_pages` pages is not read;
- zip containers (DOCX, ODT): member count, total declared size and compression ratio are
  checked first (a zip bomb is refused unopened; zipfile never inflates past a member's
  declared size, so the declared sizes bound the work);
- time: one budget per message (`Limits.attachment_seconds`), checked between pages and
  paragraphs; text is capped per attachment;
- an encrypted PDF is tried with the empty password (what most "protected" forms use),
  else skipped.
Nothing here raises: a document that cannot be read gives no text and a short English
note for the operator. Pure: bytes in, text out, no I/O.
"""

from __future__ import annotations

import io
import logging
import time
import zipfile
from typing import Callable, Optional

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


def document_kind(ctype: str, name: Optional[str]) -> Optional[str]:
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
    except Exception as exc:  # noqa: BLE001 - hostile or broken documents: no text, a note
        text, note = "", f"unreadable {doc.kind}: {type(exc).__name__}"
    text = text.replace("\x00", "")[: limits.attachment_max_chars]
    return AttachmentText(doc.name, doc.kind, text.strip(), note)


def _decoded(doc: Document, limits: Limits) -> tuple[str, Optional[str]]:
    text = _decode_bytes(doc.data[: limits.attachment_max_chars * 8], doc.charset)
    if doc.kind == HTML:
        text = html_to_text(text, max_chars=limits.attachment_max_chars * 8)
    return text, None


def _pdf(data: bytes, limits: Limits, budget: _Budget) -> tuple[str, Optional[str]]:
    from pypdf import PdfReader  # imported on the first PDF only: cold starts stay light

    # pypdf warns through logging about every repaired structure: noise for operators.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception:  # noqa: BLE001 - unsupported cipher, broken encryption dictionary
            opened = 0
        if not opened:
            return "", "not read: encrypted PDF"
    try:  # the declared count first: counting pages walks the whole page tree
        declared = int(reader.trailer["/Root"]["/Pages"]["/Count"])
    except Exception:  # noqa: BLE001 - a broken tree: counted below
        declared = 0
    if declared > limits.attachment_max_pages:
        return "", f"not read: {declared} pages (limit {limits.attachment_max_pages})"
    pages = len(reader.pages)
    if pages > limits.attachment_max_pages:
        return "", f"not read: {pages} pages (limit {limits.attachment_max_pages})"
    texts: list[str] = []
    size = 0
    for number in range(pages):
        if not budget.left():
            return "\n".join(texts), f"partly read: time budget spent at page {number + 1}"
        page_text = reader.pages[number].extract_text() or ""
        texts.append(page_text)
        size += len(page_text)
        if size >= limits.attachment_max_chars:
            break
    return "\n".join(texts), None


def _zip_checked(data: bytes, limits: Limits) -> Optional[str]:
    """Why a zip container must not be opened (a bomb, too big), None when it may."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
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


def _docx(data: bytes, limits: Limits, budget: _Budget) -> tuple[str, Optional[str]]:
    refused = _zip_checked(data, limits)
    if refused:
        return "", refused
    import docx  # python-docx, imported on the first document only

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    size = 0
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            if not budget.left():
                return "\n".join(blocks + lines), "partly read: time budget spent"
            cells = []
            for cell in row.cells:
                if cell.text not in cells:  # merged cells repeat their text
                    cells.append(cell.text)
            lines.append(" : ".join(c.strip() for c in cells if c.strip()))
            size += len(lines[-1])
            if size >= limits.attachment_max_chars:
                break
    return "\n".join(blocks + lines), None


def _odt(data: bytes, limits: Limits, budget: _Budget) -> tuple[str, Optional[str]]:
    refused = _zip_checked(data, limits)
    if refused:
        return "", refused
    from odf import teletype, text as odf_text  # odfpy, imported on the first document only
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    lines: list[str] = []
    size = 0
    for element in document.getElementsByType(odf_text.P) + document.getElementsByType(odf_text.H):
        if not budget.left():
            return "\n".join(lines), "partly read: time budget spent"
        lines.append(teletype.extractText(element))
        size += len(lines[-1])
        if size >= limits.attachment_max_chars:
            break
    return "\n".join(lines), None


_READERS: dict[str, Callable[[bytes, Limits, _Budget], tuple[str, Optional[str]]]] = {PDF: _pdf, DOCX: _docx, ODT: _odt}
