"""The SMTP ingress of `make run`, driven by a real SMTP client (smtplib)."""

from __future__ import annotations

import email
import email.policy
import json
import smtplib
import uuid

import pytest

from tests.builders import SHARED
from tests.e2e.clients import INTAKE, email_requests, send

FR = SHARED / "corpus" / "fr"


def test_a_school_mail_becomes_a_routed_request_with_an_acknowledgement(stack):
    expected = json.loads((FR / "expected.json").read_text())["fr-01-cpe-college-roubaix"]
    assert send(stack, (FR / "fr-01-cpe-college-roubaix.eml").read_bytes()) == {}
    (request,) = [r for r in email_requests(stack) if r["postal_code"] == expected["postal_code"]]
    assert request["age"] == expected["age"] and request["need"] == expected["need"]
    assert request["status"] == "routed"
    full = stack.admin("GET", f"/api/v1/requests/{request['reference']}").json()
    assert [e["type"] for e in full["events"]][:2] == ["received", "routed"]
    texts = [p.read_bytes() for p in stack.settle_mails()]
    assert sum(request["reference"].encode() in t and b"auto-replied" in t for t in texts) == 1


def test_automatic_mail_gets_no_answer(stack):
    before = len(stack.settle_mails())
    send(stack, (FR / "fr-05-absence-auto-reply.eml").read_bytes())
    send(stack, (FR / "fr-08-mailer-daemon.eml").read_bytes(), sender="")
    assert len(stack.settle_mails()) == before


def test_other_recipients_are_refused_with_550(stack):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(stack, b"Subject: x\r\n\r\nhello", to="directeur@lementorat.fr")
    assert refused.value.recipients["directeur@lementorat.fr"][0] == 550


def test_a_message_over_the_size_limit_is_refused_with_552(stack):
    big = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 11000  # ~11 MB
    with pytest.raises(smtplib.SMTPException) as refused:
        send(stack, big)
    assert "552" in str(refused.value)


def test_hostile_mail_is_quarantined_and_the_ingress_keeps_serving(stack):
    hostile = b'From: \x00\x00\r\nContent-Type: multipart/mixed; boundary="\x00"\r\n\r\n' + b"\x00\xff" * 500
    assert send(stack, hostile) == {}
    items = stack.admin("GET", "/api/v1/admin/quarantine").json()["items"]
    assert items and items[0]["reason"]
    assert send(stack, (FR / "fr-07-refugee-grenoble.eml").read_bytes()) == {}  # still serving


def test_a_fiche_whose_library_prints_it_is_read_and_nothing_of_it_reaches_the_logs(stack):
    # Read in a child process forked from the ingress's threads while the web server's run.
    from email.message import EmailMessage

    from tests.corpus.documents import odt_with_malformed_content, pdf_with_stale_startxref

    m = EmailMessage()
    m["From"] = "Mme CPE <cpe@college.example.fr>"
    m["To"] = INTAKE
    m["Subject"] = "Fiche de liaison"
    m["Message-ID"] = "<fiche-odt@college.example.fr>"
    m.set_content("Bonjour,\n\nci-joint la fiche.")
    m.add_attachment(
        odt_with_malformed_content(["Élève : Zéphyrine Quennebert, 15 ans, 59100 Roubaix", "Tél. : 06"]),
        maintype="application",
        subtype="vnd.oasis.opendocument.text",
        filename="fiche.odt",
    )
    m.add_attachment(
        pdf_with_stale_startxref(["Zéphyrine Quennebert"]), maintype="application", subtype="pdf", filename="fiche.pdf"
    )
    assert send(stack, m.as_bytes()) == {}
    (request,) = [r for r in email_requests(stack) if r["postal_code"] == "59100" and r["age"] == 15]
    full = stack.admin("GET", f"/api/v1/requests/{request['reference']}").json()
    assert [(a["name"], a["note"]) for a in full["inbound"]["attachments"]] == [
        ("fiche.odt", "partly read: malformed XML after 1 paragraphs"),
        ("fiche.pdf", None),
    ]
    log = stack.log_path.read_text(errors="replace")
    assert "Quennebert" not in log and "startxref" not in log


def relayed(raw: bytes, authentication_results: str, message_id: str, subject: str = "") -> bytes:
    """A corpus mail as a filtering relay hands it on: its header on top, a fresh Message-ID."""
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    del m["Message-ID"]
    m["Message-ID"] = message_id
    if subject:
        del m["Subject"]
        m["Subject"] = subject
    return f"Authentication-Results: {authentication_results}\r\n".encode() + m.as_bytes()


def test_through_the_ingress_a_forged_sender_gets_no_answer_no_association_and_no_thread(stack):
    def new_requests(known):
        return [r for r in email_requests(stack) if r["reference"] not in known]

    fr01 = (FR / "fr-01-cpe-college-roubaix.eml").read_bytes()
    known = {r["reference"] for r in email_requests(stack)}
    genuine = relayed(fr01, "lementorat.fr; dmarc=pass header.from=ac-lille.fr", f"<{uuid.uuid4().hex}@ac-lille.fr>")
    assert send(stack, genuine, sender="cpe.jean-mace@ac-lille.fr") == {}
    (first,) = new_requests(known)
    assert first["status"] == "routed"
    before = stack.admin("GET", f"/api/v1/requests/{first['reference']}").json()["events"]
    mails_before = len(stack.settle_mails())

    known.add(first["reference"])
    forged = relayed(
        fr01,
        "lementorat.fr; spf=fail smtp.mailfrom=ac-lille.fr; dkim=none; dmarc=fail header.from=ac-lille.fr",
        f"<{uuid.uuid4().hex}@forger.example>",
        subject=f"RE: {first['reference']} nous acceptons",
    )
    assert send(stack, forged, sender="x@forger.example") == {}
    assert stack.admin("GET", f"/api/v1/requests/{first['reference']}").json()["events"] == before
    (held,) = new_requests(known)
    assert (held["status"], held["triage_reason"]) == ("needs_triage", "unverified sender")
    full = stack.admin("GET", f"/api/v1/requests/{held['reference']}").json()
    assert [e["type"] for e in full["events"]] == ["received", "needs_triage", "sender_unverified"]
    assert len(stack.settle_mails()) == mails_before  # no acknowledgement, no association mail
