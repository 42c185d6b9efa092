"""The mail readers (chalicelib/adapters/mail_reading.py): a mail reads the same in a child
process as in this one; a reading past its time, CPU time or memory is stopped and said,
never the end of this process; nothing the reading or its libraries print reaches this
process's stdout or stderr (the logs, in Lambda)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import pytest

from chalicelib.adapters.mail_reading import ChildProcessMailReader, InProcessMailReader
from chalicelib.domain.inbound_mail import Limits, UnparseableMail
from chalicelib.services.mail_intake import read_mail, warm_up
from chalicelib.services.ports import MailOverBudget
from tests.builders import ROOT
from tests.corpus.documents import odt_with_malformed_content, pdf_with_page_inflating_to, pdf_with_stale_startxref

LIMITS = Limits()
READ = partial(read_mail, limits=LIMITS)
CORPUS = sorted((ROOT / "tests" / "corpus").glob("fr*/*.eml"))  # with PDF, DOCX and ODT fiches
ODT = ("vnd.oasis.opendocument.text", "fiche.odt")
PDF = ("pdf", "fiche.pdf")


def child_reader(read=READ, seconds=30.0, memory_mb=256, **kwargs) -> ChildProcessMailReader:
    return ChildProcessMailReader(
        read, seconds=seconds, memory_bytes=memory_mb * 2**20, warm=partial(warm_up, LIMITS), **kwargs
    )


def children() -> list[str]:
    """This process's child processes still there (zombies included), other than those the
    test session started before (DynamoDB Local, a served stack, the browser's driver)."""
    return [pid for pid in _child_pids() if pid not in _BEFORE]


def _child_pids() -> list[str]:
    return [pid for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()]


_BEFORE: set[str] = set()


@pytest.fixture(autouse=True)
def _children_before():
    _BEFORE.clear()
    _BEFORE.update(_child_pids())
    yield


def outcome(reader, raw: bytes):
    try:
        return reader.read(raw, "cpe@college.example.fr")
    except UnparseableMail as exc:
        return "unparseable", exc.reason


def mail_with(*attachments: tuple[tuple[str, str], bytes], body="Bonjour,\n\nci-joint la fiche de Léo.") -> bytes:
    m = EmailMessage()
    m["From"] = "Mme CPE <cpe@college.example.fr>"
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = "Fiche de liaison"
    m.set_content(body)
    for (subtype, name), data in attachments:
        m.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return m.as_bytes()


def test_the_projects_corpus_reads_the_same_in_a_child_process_as_in_this_one():
    in_process, child = InProcessMailReader(READ), child_reader()
    for path in CORPUS:
        raw = path.read_bytes()
        assert outcome(child, raw) == outcome(in_process, raw), path.name
    assert len(CORPUS) > 20 and children() == []


def test_children_forked_from_threads_at_once_each_read_their_own_mail():
    # The local SMTP ingress and web server call the reader from threads, several at once.
    child, in_process = child_reader(), InProcessMailReader(READ)
    raws = [path.read_bytes() for path in CORPUS[:8]]
    got: dict[int, object] = {}
    threads = [
        threading.Thread(target=lambda i=i: got.__setitem__(i, outcome(child, raws[i]))) for i in range(len(raws))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(raws))] == [outcome(in_process, raw) for raw in raws]
    assert children() == []


# -- budgets -----------------------------------------------------------------------------


def spinning(raw, envelope_sender):
    while True:
        pass


def hoarding(raw, envelope_sender):
    kept = []
    while True:
        kept.append(bytearray(2**20))


def test_a_reading_past_its_time_is_stopped_and_said():
    with pytest.raises(MailOverBudget) as stopped:
        child_reader(spinning, seconds=0.5, cpu_seconds=60).read(b"Subject: x\r\n\r\nx", None)
    assert stopped.value.reason == "reading stopped: over its time budget of 0.5 s"
    assert children() == []


def test_a_reading_past_its_cpu_time_is_stopped_and_said():
    with pytest.raises(MailOverBudget) as stopped:
        child_reader(spinning, seconds=60, cpu_seconds=1).read(b"Subject: x\r\n\r\nx", None)
    assert stopped.value.reason == "reading stopped: over its CPU time budget of 1 s"


def test_a_reading_past_its_memory_is_stopped_and_said():
    with pytest.raises(MailOverBudget) as stopped:
        child_reader(hoarding, memory_mb=64).read(b"Subject: x\r\n\r\nx", None)
    assert stopped.value.reason == "reading stopped: over its memory budget of 64 MB"


def test_a_document_inflating_past_the_memory_budget_ends_as_its_note_and_the_mail_is_read():
    # As if the bounds on a document failed: a page inflating to 64 MB, in a child given 8 MB.
    unbounded = Limits(attachment_max_piece_bytes=2**30, attachment_max_unzipped_bytes=2**30)
    raw = mail_with(
        (PDF, pdf_with_page_inflating_to(64 * 2**20)),
        body="Bonjour, une élève de 14 ans à Roubaix (59100), soutien scolaire.",
    )
    reading = child_reader(partial(read_mail, limits=unbounded), memory_mb=8).read(raw, None)
    assert [d.note for d in reading.mail.documents] == ["unreadable pdf: MemoryError"]
    assert (reading.extraction.age.value, reading.extraction.postal_code.value) == (14, "59100")


def test_a_fault_of_the_reading_is_raised_by_its_type_alone_never_its_words():
    def failing(raw, envelope_sender):
        raise ValueError("Léo Martin, 06 12 34 56 78")

    with pytest.raises(RuntimeError) as failed:
        child_reader(failing).read(b"Subject: x\r\n\r\nx", None)
    assert str(failed.value) == "mail reading failed in its child process: ValueError"


# -- output ------------------------------------------------------------------------------


@pytest.mark.parametrize("make_reader", [lambda: InProcessMailReader(READ), child_reader], ids=["in-process", "child"])
def test_nothing_the_document_libraries_print_or_log_reaches_stdout_stderr_or_the_log(capfd, caplog, make_reader):
    # odfpy prints a malformed content.xml whole; pypdf warns of a stale cross-reference
    # through logging (to stderr when nothing configured it, to CloudWatch in Lambda).
    raw = mail_with(
        (ODT, odt_with_malformed_content(["Nom : Léo Marchand", "Tél. : 06 12 34 56 78"])),
        (PDF, pdf_with_stale_startxref(["Élève : Léo Marchand"])),
    )
    with caplog.at_level(logging.DEBUG):
        reading = make_reader().read(raw, "cpe@college.example.fr")
    assert [(d.text, d.note) for d in reading.mail.documents] == [
        ("Nom : Léo Marchand", "partly read: malformed XML after 1 paragraphs"),
        ("Élève : Léo Marchand", None),
    ]
    assert capfd.readouterr() == ("", "")
    assert caplog.records == []


def test_nothing_the_reading_prints_in_its_child_reaches_stdout_or_stderr_at_any_level(capfd):
    def noisy(raw, envelope_sender):
        print("Léo Marchand, 06 12 34 56 78")
        print("Léo Marchand", file=sys.stderr)
        os.write(1, b"L\xc3\xa9o Marchand\n")  # as a C library writes, under Python's buffers
        os.write(2, b"L\xc3\xa9o Marchand\n")
        logging.getLogger("pypdf").error("Léo Marchand")
        return READ(raw, envelope_sender)

    reading = child_reader(noisy).read(mail_with(), "cpe@college.example.fr")
    assert reading.mail.subject == "Fiche de liaison"
    assert capfd.readouterr() == ("", "")


def test_a_reading_stopped_from_outside_is_no_fault_of_the_mail_and_is_raised_for_the_door_to_retry():
    def terminated(raw, envelope_sender):
        os.kill(os.getpid(), signal.SIGTERM)  # as a shutdown of the machine would
        spinning(raw, envelope_sender)

    with pytest.raises(RuntimeError) as failed:
        child_reader(terminated).read(b"Subject: x\r\n\r\nx", None)
    assert str(failed.value) == "mail reading's child process ended without an answer (status -15)"


def test_a_ctrl_c_in_the_terminal_is_for_the_parent_the_child_reads_on():
    def interrupted(raw, envelope_sender):
        os.kill(os.getpid(), signal.SIGINT)  # the terminal sends it to the whole process group
        return READ(raw, envelope_sender)

    raw = CORPUS[0].read_bytes()
    assert child_reader(interrupted).read(raw, None) == InProcessMailReader(READ).read(raw, None)
