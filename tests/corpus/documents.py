"""Attached documents for the corpus and the tests, made here rather than stored opaque:
a PDF with text (hand-written, one font, WinAnsi), a DOCX (python-docx), an ODT (odfpy),
and the hostile ones (encrypted PDF, 2,000-page PDF, zip-bomb DOCX)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence


def pdf_with_text(lines: list[str], pages: int = 1) -> bytes:
    """A small valid PDF whose pages show `lines` (Helvetica, WinAnsiEncoding)."""
    return _pdf_showing(b" ".join(b"(" + _escaped(line) + b") '" for line in lines), pages)


def _escaped(line: str) -> bytes:
    data = line.encode("cp1252")
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _pdf_showing(shown: bytes, pages: int = 1, compressed: bool = False) -> bytes:
    """A PDF whose pages each run the text operators `shown`, its content stream
    FlateDecoded when `compressed`."""
    if compressed:
        return _pdf_of(_deflated([_TEXT_START, shown, _TEXT_END]), pages)
    return _pdf_of(_TEXT_START + shown + _TEXT_END, pages, flate=False)


_TEXT_START, _TEXT_END = b"BT /F1 11 Tf 50 790 Td 15 TL ", b" ET"


def _deflated(pieces) -> bytes:
    import zlib

    deflate = zlib.compressobj(9)
    return b"".join(deflate.compress(piece) for piece in pieces) + deflate.flush()


def pdf_with_page_inflating_to(size: int) -> bytes:
    """One page whose content stream inflates to `size` bytes of blanks (64 MB from 64 KB),
    compressed a megabyte at a time: the test never holds them."""
    return _pdf_of(_deflated([_TEXT_START, *([b" " * 2**20] * (size // 2**20)), _TEXT_END]), 1)


def _pdf_of(stream: bytes, pages: int, flate: bool = True) -> bytes:
    stream_dict = b"<< /Length %d%s >>" % (len(stream), b" /Filter /FlateDecode" if flate else b"")
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % i for i in page_ids) + b"] /Count %d >>" % pages)
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i in range(pages):
        content_id = page_ids[i] + 1
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content_id
        )
        objects.append(stream_dict + b"\nstream\n" + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def encrypted_pdf(lines: list[str], password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_with_text(lines))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_with(paragraphs: list[str], table: Sequence[tuple[str, str]] = ()) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=0, cols=2)
        for label, value in table:
            row = t.add_row().cells
            row[0].text, row[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_with(paragraphs: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for p in paragraphs:
        document.text.addElement(P(text=p))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(unzipped_mb: int = 200) -> bytes:
    """A "document" whose document.xml inflates to `unzipped_mb` MB of one repeated byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        chunk = b" " * (1024 * 1024)
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(unzipped_mb):
                member.write(chunk)
    return out.getvalue()


# -- bombs: small files whose reading would be long without the bounds inside a document --


def pdf_with_big_page(lines: int, line: str = "Eleve de 14 ans a Roubaix") -> bytes:
    """One page whose FlateDecoded content stream shows `line` `lines` times: 31 bytes a
    line once inflated, a few hundredths of that compressed (5,000 lines: 155 KB from 1 KB)."""
    return _pdf_showing(b" ".join([b"(" + _escaped(line) + b") '"] * lines), compressed=True)


def pdf_made_to_be_slow(pages: int = 30, token: bytes = b"T*") -> bytes:
    """Pages of 65,000 `token`s each and no text: just under the limits on a page's stream
    (bytes and tokens). "T*" (next line) costs pypdf about a second a page to extract
    from, "1" (a number) the longest parse a page's stream can have."""
    return _pdf_showing(b" ".join([token] * 65_000), pages, compressed=True)


def _zip_with(container: bytes, member: str, content: bytes) -> bytes:
    """`container` (a DOCX or ODT) with `member` replaced by `content`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(container)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = content if info.filename == member else source.read(info)
            target.writestr(
                info, data, compress_type=zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def docx_with_paragraphs(count: int, text: str = "{}") -> bytes:
    """A DOCX whose body is `count` paragraphs, the n-th `text.format(n)` (numbered, so
    that it compresses as a real document does: 60,000 make a file of about 180 KB)."""
    return _with_paragraphs(docx_with(["x"]), "word/document.xml", b"<w:p><w:r><w:t>x</w:t></w:r></w:p>", count, text)


def odt_with_paragraphs(count: int, text: str = "{}") -> bytes:
    """An ODT whose body is `count` paragraphs, the n-th `text.format(n)`."""
    return _with_paragraphs(odt_with(["x"]), "content.xml", b"<text:p>x</text:p>", count, text)


def _with_paragraphs(container: bytes, member: str, one: bytes, count: int, text: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(container)) as z:
        xml = z.read(member)
    assert xml.count(one) == 1
    before, after = one.split(b">x<")
    many = b"".join(before + b">" + text.format(n).encode() + b"<" + after for n in range(count))
    return _zip_with(container, member, xml.replace(one, many))


def odt_with_malformed_content(paragraphs: list[str]) -> bytes:
    """An ODT whose content.xml is cut in the middle of an element: odfpy's load() prints
    the whole of it to stdout ("SAX FAILED TO PARSE")."""
    base = odt_with(paragraphs)
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        xml = z.read("content.xml")
    return _zip_with(base, "content.xml", xml[: xml.rindex(b"</text:p>")] + b"<text:span")


def pdf_with_stale_startxref(lines: list[str]) -> bytes:
    """A PDF whose `startxref` points nowhere, as many hand-edited PDFs do: pypdf reads it
    all the same, rebuilding the cross-reference, and warns through logging (which prints
    to stderr when nothing configured it)."""
    good = pdf_with_text(lines)
    return good[: good.rindex(b"startxref\n")] + b"startxref\n999\n%%EOF\n"
