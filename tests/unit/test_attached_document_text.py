"""The text read from attached documents (PDF, DOCX, ODT, text): which attachments are
read, what text comes out, and the operator's note when a document is not (fully) read."""

from __future__ import annotations

import pytest

from chalicelib.domain.inbound_mail.attachments import _Budget, _docx, _odt, _pdf, document_kind, read_documents
from chalicelib.domain.inbound_mail.model import AttachmentText, Document, Limits
from tests.corpus.documents import docx_with, encrypted_pdf, odt_with, pdf_with_text

SPENT = _Budget(-1.0)  # a message whose time budget for documents is already spent


@pytest.mark.parametrize("ctype, name, kind", [
    ("application/pdf", None, "pdf"),
    ("application/octet-stream", None, None),
    ("application/octet-stream", " Fiche.PDF ", "pdf"),
    ("application/download", "fiche.docx", "docx"),
    ("binary/octet-stream", "fiche.odt", "odt"),
    ("application/octet-stream", "photo.jpg", None),
    ("image/png", "photo.pdf", None),  # a picture named .pdf is still a picture
    ("text/plain", "notes.bin", "text"),
])
def test_the_reader_comes_from_the_type_or_for_generic_types_the_name(ctype, name, kind):
    assert document_kind(ctype, name) == kind


def test_a_text_attachment_loses_its_nul_bytes_and_surrounding_blanks():
    [doc] = read_documents([Document("notes.txt", "text", b"  Le\x00o a 15 ans\n\n", "utf-8")], Limits())
    assert doc == AttachmentText("notes.txt", "text", "Leo a 15 ans", None)


def test_odt_paragraphs_come_one_per_line():
    [doc] = read_documents([Document("fiche.odt", "odt", odt_with(["Nom : Léo", "Âge : 15 ans"]))], Limits())
    assert doc == AttachmentText("fiche.odt", "odt", "Nom : Léo\nÂge : 15 ans", None)


def test_a_pdf_is_read_until_enough_text_then_capped():
    data = pdf_with_text(["Fiche de liaison", "Eleve : Leo"], pages=3)
    [whole] = read_documents([Document("f.pdf", "pdf", data)], Limits())
    assert whole.note is None and whole.text.split("\n") == ["Fiche de liaison", "Eleve : Leo"] * 3
    [capped] = read_documents([Document("f.pdf", "pdf", data)], Limits(attachment_max_chars=20))
    assert capped == AttachmentText("f.pdf", "pdf", "Fiche de liaison\nEle", None)


def test_a_pdf_with_a_password_is_not_read_and_says_so():
    [doc] = read_documents([Document("f.pdf", "pdf", encrypted_pdf(["Secret"]))], Limits())
    assert doc == AttachmentText("f.pdf", "pdf", "", "not read: encrypted PDF")


def test_a_pdf_without_a_declared_page_count_is_counted_page_by_page():
    data = pdf_with_text(["Bonjour"], pages=2).replace(b" /Count 2", b"")
    [doc] = read_documents([Document("f.pdf", "pdf", data)], Limits(attachment_max_pages=0))
    assert doc.note == "not read: 2 pages (limit 0)"
    [read] = read_documents([Document("f.pdf", "pdf", data)], Limits())
    assert (read.text, read.note) == ("Bonjour\nBonjour", None)


def test_documents_stop_where_the_time_budget_ends_with_what_was_read():
    # A DOCX is read as a stream, paragraphs and tables alike: none once the budget is spent.
    docx = docx_with(["Fiche de liaison"], table=[("Nom", "Léo"), ("Âge", "15")])
    assert _docx(docx, Limits(), SPENT) == ("", "partly read: time budget spent")
    assert _odt(odt_with(["Un", "Deux"]), Limits(), SPENT) == ("", "partly read: time budget spent")
    assert _pdf(pdf_with_text(["Un"], pages=2), Limits(), SPENT) == ("", "partly read: time budget spent at page 1")


def test_docx_tables_read_as_label_and_value_lines():
    docx = docx_with(["Fiche de liaison"], table=[("Nom", "Léo"), ("Âge", "15")])
    [doc] = read_documents([Document("f.docx", "docx", docx)], Limits())
    assert doc == AttachmentText("f.docx", "docx", "Fiche de liaison\nNom : Léo\nÂge : 15", None)
