"""Header and body injection from every door (docs/mail.md, what we send is safe): 0 injected headers.

Hostile values go in through the youth form, the referent form, the API and the SMTP
ingress of the stack `make run` starts. Every `.eml` written to the outbox is parsed back:
exactly the expected headers, each once, one recipient, no attacker anywhere, the
expected two parts.
"""

from __future__ import annotations

import base64
import email
import re
import smtplib
import uuid
from email import policy

import idna
import pytest

from tests.builders import youth

INTAKE = "urgence@lementorat.fr"
ATTACKER = "attacker.example"
PAYLOAD = f"a\r\nBcc: x@{ATTACKER}\r\nContent-Type: text/html\r\n\r\n<h1>Phishing {ATTACKER}</h1>"


def encoded_word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


HOSTILE = {
    "crlf": f"Léa\r\nBcc: x@{ATTACKER}\r\nContent-Type: text/html",
    "lf": f"Léa\nBcc: x@{ATTACKER}",
    "encoded-word": encoded_word(PAYLOAD),
    "nul": f"Léa\x00Bcc: x@{ATTACKER}",
    "long": "L" + "é" * 3000 + f"\r\nBcc: x@{ATTACKER}",
    "non-ascii": "Ŀéa 李 \u202e\u200b",
}

ALLOWED_TOP = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "in-reply-to",
    "references",
    "auto-submitted",
    "mime-version",
    "content-type",
}
ALLOWED_PART = {"content-type", "content-transfer-encoding", "mime-version"}


def new_mails(stack, before: set) -> list[bytes]:
    """What the request wrote, once the stream has sent (or given up) every stored mail."""
    return [p.read_bytes() for p in stack.settle_mails() if p.name not in before]


def outbox_names(stack) -> set:
    return {p.name for p in stack.settle_mails()}


def assert_safe(raw: bytes, clean_body: bool = False) -> None:
    """`clean_body`: no hostile text in the parts either (a person's own name, typed with
    markup, is shown back to them as text; an unverified mail sender's never is)."""
    msg = email.message_from_bytes(raw, policy=policy.default)
    names = [k.lower() for k in msg.keys()]
    assert set(names) <= ALLOWED_TOP, names
    assert len(names) == len(set(names)), names  # each header once
    assert {"from", "to", "subject", "date", "message-id"} <= set(names)
    for name in names:
        assert not msg[name].defects, (name, msg[name].defects)
        assert ATTACKER not in str(msg[name])
    assert len(msg["To"].addresses) == 1
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part in parts:
        assert {k.lower() for k in part.keys()} <= ALLOWED_PART
        if clean_body:
            assert ATTACKER not in part.get_content()
    assert "<h1>" not in parts[1].get_content()  # markup in a value is escaped in HTML
    # the raw header block too (a name typed with a line break may show in the body text,
    # as text; never above it)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert ATTACKER.encode() not in head and not re.search(rb"(?im)^(bcc|cc):", head)


def form_fields(**overrides):
    data = youth(**overrides)
    fields = {k: ("on" if v is True else v) for k, v in data.items() if v not in (False, None)}
    fields["submission_id"] = uuid.uuid4().hex
    return fields


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("field", ["first_name", "last_name", "email", "city", "message"])
def test_youth_form(stack, field, value):
    before = outbox_names(stack)
    reply = stack.post_form("/demande", form_fields(**{field: value}))
    assert reply.status in (303, 400, 422)
    mails = new_mails(stack, before)
    if reply.status == 303:
        assert mails  # at least the association's mail went out, and it is safe
    for raw in mails:
        assert_safe(raw)


REFERENT_FORM = {
    "referent_name": "Mme Dupont",
    "referent_email": "cpe@college.example.fr",
    "referent_phone": "03 20 00 00 00",
    "structure_name": "Collège Jean Macé",
    "structure_type": "etablissement_scolaire",
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("field", ["referent_name", "referent_email", "structure_name", "first_name"])
def test_referent_form(stack, field, value):
    before = outbox_names(stack)
    fields = {**form_fields(), **REFERENT_FORM, field: value}
    reply = stack.post_form("/orienter", fields)
    assert reply.status in (303, 400, 422)
    mails = new_mails(stack, before)
    if reply.status == 303:
        assert mails
    for raw in mails:
        assert_safe(raw)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("field", ["first_name", "email", "referent.name", "referent.email", "referent.structure_name"])
def test_api(stack, field, value):
    before = outbox_names(stack)
    body = youth()
    body["referent"] = {
        "name": "Mme Dupont",
        "email": "cpe@college.example.fr",
        "phone": None,
        "structure_name": "Collège",
        "structure_type": "etablissement_scolaire",
    }
    if field.startswith("referent."):
        body["referent"][field.split(".")[1]] = value
    else:
        body[field] = value
    reply = stack.post_json("/api/v1/requests", body, {"Idempotency-Key": uuid.uuid4().hex})
    assert reply.status in (201, 400, 422), reply.text
    mails = new_mails(stack, before)
    if reply.status == 201:
        assert mails
    for raw in mails:
        assert_safe(raw)


def send(stack, raw: bytes, sender="cpe@college.example.fr"):
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=30) as smtp:
        return smtp.sendmail(sender, [INTAKE], raw)


SCHOOL_BODY = (
    "Bonjour,\r\nJe vous écris pour un élève de 4e, 14 ans, au collège à Roubaix (59100), "
    "qui a besoin d'aide en mathématiques.\r\nCordialement,\r\nMme Dupont, CPE\r\n"
)


def inbound(headers: dict[str, str]) -> bytes:
    base = {
        "From": "Mme Dupont <cpe@college.example.fr>",
        "To": INTAKE,
        "Subject": "Demande de mentorat",
        "Date": "Tue, 24 Nov 2026 09:00:00 +0100",
        "Message-ID": f"<{uuid.uuid4().hex}@college.example.fr>",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Transfer-Encoding": "8bit",
    }
    base.update(headers)
    head = "".join(f"{k}: {v}\r\n" for k, v in base.items())
    return head.encode("utf-8") + b"\r\n" + SCHOOL_BODY.encode("utf-8")


SMTP_CASES = {
    # the repro of the issue: an encoded-word hiding CR/LF inside the Message-ID
    "message-id-encoded-word": {"Message-ID": f"<{encoded_word(PAYLOAD)}@x>"},
    "message-id-encoded-word-unique": lambda: {"Message-ID": f"<{encoded_word(PAYLOAD + uuid.uuid4().hex)}@x>"},
    "in-reply-to": {"In-Reply-To": f"<{encoded_word(PAYLOAD)}@x>"},
    "references": {"References": f"<a@b> <{encoded_word(PAYLOAD)}@x>"},
    "from-display-name": {"From": f"{encoded_word(PAYLOAD)} <cpe@college.example.fr>"},
    "from-display-name-crlf": {"From": f'"Mme\\r\\nBcc: x@{ATTACKER}" <cpe@college.example.fr>'},
    "subject": {"Subject": encoded_word("Demande\r\nBcc: x@" + ATTACKER)},
    "long-message-id": {"Message-ID": "<" + "x" * 900 + "@college.example.fr>"},
    "non-ascii-from": {"From": "Jöe <jöe@college.example.fr>"},
    "non-ascii-domain": {"From": "Mme Dupont <cpe@collège.example.fr>"},
}


@pytest.mark.parametrize("case", SMTP_CASES.values(), ids=SMTP_CASES.keys())
def test_smtp(stack, case):
    headers = case() if callable(case) else case
    before = outbox_names(stack)
    sender = "cpe@college.example.fr"
    assert send(stack, inbound(headers), sender) == {}
    mails = new_mails(stack, before)
    for raw in mails:
        assert_safe(raw, clean_body=True)
    acks = [m for m in mails if b"auto-replied" in m]
    for raw in acks:
        msg = email.message_from_bytes(raw, policy=policy.default)
        # the acknowledgement answers the sender, and only the sender
        punycode = "cpe@" + idna.encode("collège.example.fr").decode()
        assert msg["To"].addresses[0].addr_spec in {"cpe@college.example.fr", punycode}


def test_the_issue_repro_sends_a_clean_acknowledgement(stack):
    """From any victim, Message-ID hiding Bcc + HTML: the victim gets our plain
    acknowledgement, nobody else gets anything, and no HTML of the attacker's."""
    before = outbox_names(stack)
    victim = f"victim-{uuid.uuid4().hex[:8]}@example.org"
    raw = inbound({"From": victim, "Message-ID": f"<{encoded_word(PAYLOAD + victim)}@x>"})
    assert send(stack, raw, victim) == {}
    mails = new_mails(stack, before)
    acks = [m for m in mails if b"auto-replied" in m]
    assert len(acks) == 1
    for raw_out in mails:
        assert_safe(raw_out, clean_body=True)
    msg = email.message_from_bytes(acks[0], policy=policy.default)
    assert [a.addr_spec for a in msg["To"].addresses] == [victim]
    assert "In-Reply-To" not in msg  # an id that does not parse is dropped, not copied
