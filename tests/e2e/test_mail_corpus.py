"""The whole real-world corpus through the SMTP ingress: nothing breaks, robots get nothing.

1,400+ messages other mail projects collected (bounces, auto-replies, broken MIME, odd
charsets) are sent with smtplib, as a mail server would relay them (CRLF line endings),
to the ingress wired to DynamoDB Local. The envelope sender is a plain address for all
of them, so recognising bounces rests on the messages themselves.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import replace

import pytest

from local.dynamodb_local import free_port
from local.smtp_ingress import start_ingress
from tests.builders import SHARED, make_services
from tests.integration.mail_stream import read_outbox

REAL = SHARED / "corpus" / "mail-real"
BOUNCE_FOLDERS = ("sisimai/maildir/bsd", "sisimai/maildir/dos", "sisimai/maildir/mac", "sisimai/maildir/err")


def corpus_files():
    return sorted(p for p in REAL.rglob("*") if p.is_file() and p.name != "README.md")


def as_relayed(raw: bytes) -> bytes:
    """What an MTA hands on: CRLF line endings."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", raw)


@pytest.fixture
def ingress(settings, clock, tmp_path):
    s = make_services(replace(settings, raw_mail_dir=str(tmp_path / "raw"), ack_limit_per_hour=10**6), clock)
    outcomes: dict[str, tuple[str, str]] = {}  # file -> (outcome, reason)
    sending = {"file": None}  # which corpus file the client is sending now
    real_ingest = s.mail_intake.ingest

    def noted_ingest(raw, sender, recipients, **kw):
        outcome = real_ingest(raw, sender, recipients, **kw)
        outcomes[sending["file"]] = (outcome.kind, outcome.reason or "")
        return outcome

    s.mail_intake.ingest = noted_ingest
    port = free_port()
    controller = start_ingress(s.mail_intake, port, s.settings.max_mail_bytes)
    yield s, port, outcomes, sending
    controller.stop()


def test_every_real_world_message_goes_through_and_no_robot_is_answered(ingress, settings):
    s, port, outcomes, sending = ingress
    files = corpus_files()
    assert len(files) > 1400
    refused = {}
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        for path in files:
            name = str(path.relative_to(REAL))
            sending["file"] = name
            try:
                smtp.sendmail("relay@example.org", ["urgence@lementorat.fr"], as_relayed(path.read_bytes()))
            except smtplib.SMTPDataError as exc:  # refused whole (e.g. a line over SMTP's 1000)
                refused[name] = exc.smtp_code
                smtp.rset()
    # Every message was answered; only permanent refusals of malformed SMTP input, never a 451.
    assert all(code >= 500 for code in refused.values()), refused
    assert len(outcomes) + len(refused) == len(files)
    # Each mail is read in a child process within MAIL_READ_SECONDS (adapters/mail_reading.py):
    # no real-world mail may need more than that budget (speed figures: `make bench`).
    over_budget = {n: reason for n, (kind, reason) in outcomes.items() if reason.startswith("reading stopped")}
    assert over_budget == {}

    bounces = {n: kind for n, (kind, _) in outcomes.items() if n.startswith(BOUNCE_FOLDERS)}
    assert bounces, "the sisimai bounces went through"
    answered = {n: kind for n, kind in bounces.items() if kind not in {"automatic", "quarantined"}}
    assert answered == {}, "bounces and auto-replies must make no request and get no answer"

    acks = [m for m in read_outbox(s) if m["Auto-Submitted"] == "auto-replied"]
    requests = sum(kind == "request" for kind, _ in outcomes.values())
    # One acknowledgement per request made, none for anything else: sent, or given up when
    # the sender's address cannot be sent to (a non-ASCII local part: SES has no SMTPUTF8).
    given_up = [m for m in s.outbox.failed_mails(1000) if m["kind"] == "acknowledgement"]
    assert all(m["error"].startswith("To:") for m in given_up), given_up
    assert len(acks) + len(given_up) == requests
    assert s.healthy()  # the stack is still up
