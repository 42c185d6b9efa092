"""The text read from attached documents (PDF, DOCX, ODT, text): which attachments are
read, what text comes out, and the operator's note when a document is not (fully) read."""

from __future__ import annotations

import gc
import io
import time
from dataclasses import replace

import pytest

from chalicelib.domain.inbound_mail.attachments import _Budget, _docx, _odt, _pdf, document_kind, read_documents
from chalicelib.domain.inbound_mail.model import AttachmentText, Document, Limits
from tests.corpus.documents import (
    docx_with,
    docx_with_paragraphs,
    encrypted_pdf,
    odt_with,
    odt_with_malformed_content,
    odt_with_paragraphs,
    pdf_with_big_page,
    pdf_with_text,
)

SPENT = _Budget(-1.0)  # a message whose time budget for documents is already spent


@pytest.mark.parametrize(
    "ctype, name, kind",
    [
        ("application/pdf", None, "pdf"),
        ("application/octet-stream", None, None),
        ("application/octet-stream", " Fiche.PDF ", "pdf"),
        ("application/download", "fiche.docx", "docx"),
        ("binary/octet-stream", "fiche.odt", "odt"),
        ("application/octet-stream", "photo.jpg", None),
        ("image/png", "photo.pdf", None),  # a picture named .pdf is still a picture
        ("text/plain", "notes.bin", "text"),
    ],
)
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


# -- bounded inside a page and a paragraph: the bombs ----------------------------------------


def best_seconds(*reads, rounds: int = 7) -> list[float]:
    """Each read's best time of a few rounds, the reads taken in turn within a round, so
    that the machine's other work weighs on each alike; a read of a few milliseconds is
    timed over enough runs to take 50 ms, where a scheduler's slice no longer shows. The
    garbage collector waits meanwhile (as in timeit): a collection of the test run's heap
    is no cost of the reading."""
    runs = []
    for read in reads:
        start = time.perf_counter()
        read()
        runs.append(max(1, round(0.05 / max(time.perf_counter() - start, 1e-4))))
    best = [float("inf")] * len(reads)
    gc.disable()
    try:
        for _ in range(rounds):
            for i, read in enumerate(reads):
                start = time.perf_counter()
                for _ in range(runs[i]):
                    read()
                best[i] = min(best[i], (time.perf_counter() - start) / runs[i])
    finally:
        gc.enable()
    return best


def growth(read_n, read_10n, attempts: int = 3) -> float:
    """How much longer the reading at 10 n takes than at n: the least of a few measures, as
    a busy machine can only make one look worse (a real growth shows in every one)."""
    ratios = []
    for _ in range(attempts):
        at_n, at_10n = best_seconds(read_n, read_10n)
        ratios.append(at_10n / at_n)
        if ratios[-1] <= 1.5:
            break
    return min(ratios)


class Countdown:
    """A time budget left for the first `looks` looks at it, then spent: where the reading
    looks at its budget, without a clock."""

    def __init__(self, looks: int):
        self.looks = looks

    def left(self) -> bool:
        self.looks -= 1
        return self.looks >= 0


LIMITS = Limits()
PIECE = LIMITS.attachment_max_piece_bytes
FIRST_PARAGRAPHS = "\n".join(str(n) for n in range(LIMITS.attachment_max_paragraphs))
# Each bomb at n and at 10 n: its reading, whose time must not follow its size, and what
# the operator is told. A line of the PDF inflates to 31 bytes: 4,500 lines make 140 KB
# (read until the character cap, inside the page), 45,000 the 1.4 MB of a 4 KB file.
BOMBS = {
    "pdf": (
        pdf_with_big_page,
        4_500,
        lambda doc: (len(doc.text) <= LIMITS.attachment_max_chars, doc.note),
        [
            (True, None),
            (True, f"page 1 not read: a stream over {PIECE} bytes once decompressed, or {PIECE // 4} tokens"),
        ],
    ),
    "docx": (
        docx_with_paragraphs,
        6_000,
        lambda doc: (doc.text, doc.note),
        [(FIRST_PARAGRAPHS, "partly read: first 2000 paragraphs (limit)")] * 2,
    ),
    "odt": (
        odt_with_paragraphs,
        6_000,
        lambda doc: (doc.text, doc.note),
        [(FIRST_PARAGRAPHS, "partly read: first 2000 paragraphs (limit)")] * 2,
    ),
}


@pytest.mark.parametrize("kind", sorted(BOMBS))
def test_a_bomb_ten_times_bigger_takes_no_longer_and_says_where_reading_stopped(kind):
    make, n, told, expected = BOMBS[kind]
    small, big = make(n), make(10 * n)

    def read(data):
        [doc] = read_documents([Document("bombe", kind, data)], LIMITS)
        return doc

    assert [told(read(small)), told(read(big))] == expected
    assert growth(lambda: read(small), lambda: read(big)) <= 1.5


def test_a_pdf_page_stops_where_its_text_reaches_the_cap_not_at_its_end():
    page = pdf_with_big_page(4_500)  # 117,000 characters of text on one page
    looked = Countdown(10**9)
    text, note = _pdf(page, LIMITS, looked)
    assert note is None and LIMITS.attachment_max_chars <= len(text) < LIMITS.attachment_max_chars + 30  # a line more
    # The budget is looked at before each operator: about one a line, for the lines read.
    assert 10**9 - looked.looks < 1_000


def test_the_time_budget_stops_a_page_inside_it_with_what_was_read():
    uncapped = replace(LIMITS, attachment_max_chars=10**7)
    text, note = _pdf(pdf_with_big_page(4_500), uncapped, Countdown(100))
    assert note == "partly read: time budget spent at page 1"
    assert text.split("\n")[:3] == ["Eleve de 14 ans a Roubaix"] * 3 and len(text) < 4_500 * 26


@pytest.mark.parametrize("reader, make", [(_docx, docx_with_paragraphs), (_odt, odt_with_paragraphs)])
def test_the_time_budget_stops_a_document_between_two_paragraphs(reader, make):
    text, note = reader(make(100), LIMITS, Countdown(10))
    assert note == "partly read: time budget spent"
    assert text == "\n".join(str(n) for n in range(len(text.split("\n")))) and 0 < len(text.split("\n")) < 100


@pytest.mark.parametrize("reader, make", [(_docx, docx_with_paragraphs), (_odt, odt_with_paragraphs)])
def test_a_paragraph_bigger_than_a_piece_stops_the_reading_before_the_library_gets_it(reader, make):
    text, note = reader(make(3, "{}" + "x" * (PIECE + 1)), LIMITS, _Budget(60))
    assert (text, note) == ("", f"partly read: a paragraph over {PIECE} bytes")


def test_an_odt_space_count_gives_that_many_spaces_at_most_the_cap():
    fields = 'Nom :<text:s text:c="3"/>Léo<text:tab/>15 ans<text:line-break/>Roubaix<text:s text:c="²"/>59100'
    assert _odt(odt_with_paragraphs(1, fields), LIMITS, _Budget(60)) == ("Nom :   Léo\t15 ans\nRoubaix 59100", None)
    text, note = _odt(odt_with_paragraphs(1, 'a<text:s text:c="1000000000"/>b'), LIMITS, _Budget(60))
    assert (len(text), note) == (LIMITS.attachment_max_chars + 2, None)


def test_a_malformed_odt_keeps_the_paragraphs_before_the_fault_and_says_so():
    [doc] = read_documents(
        [Document("fiche.odt", "odt", odt_with_malformed_content(["Nom : Léo", "Âge : 15 ans"]))], LIMITS
    )
    assert doc == AttachmentText("fiche.odt", "odt", "Nom : Léo", "partly read: malformed XML after 1 paragraphs")


def test_a_docx_is_read_in_document_order_with_paragraphs_between_tables():
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("Fiche de liaison")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Nom", "Léo"
    document.add_paragraph("Situation : déscolarisé")
    merged = document.add_table(rows=1, cols=3)
    merged.rows[0].cells[0].merge(merged.rows[0].cells[1]).text = "Âge"
    merged.rows[0].cells[2].text = "15"
    out = io.BytesIO()
    document.save(out)
    [doc] = read_documents([Document("f.docx", "docx", out.getvalue())], LIMITS)
    assert doc.text == "Fiche de liaison\nNom : Léo\nSituation : déscolarisé\nÂge : 15"
