"""Mail goes out after the commit; an SES outage loses nothing and a retry sends once."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import ses_backends

from chalicelib.adapters.mail import SesSender
from chalicelib.domain.vocabulary import Channel
from tests.conftest import request_of, make_services, youth


@pytest.fixture
def ses():
    with mock_aws():
        yield boto3.client("sesv2", region_name="eu-west-3")


def sent_count() -> int:
    return len(ses_backends["123456789012"]["eu-west-3"].sent_messages)


def test_ses_down_then_back_each_mail_is_sent_exactly_once(settings, clock, ses):
    # moto refuses to send until the sender's domain is verified: SES "down" for us.
    s = make_services(settings, clock, sender=SesSender(lambda: boto3.client("sesv2", region_name="eu-west-3")))
    result = s.submit(request_of(youth(), Channel.FORM))

    assert result.status == "routed"  # the request is stored whatever happens to mail
    assert s.requests.get(result.reference) is not None
    assert sent_count() == 0
    states = [s.store.mail_state(m) for m in result.mail_ids]
    assert [st["state"] for st in states] == ["pending", "pending"]
    assert all(st["attempts"] == 1 for st in states)

    ses.create_email_identity(EmailIdentity="lementorat.fr")  # SES is back
    assert s.outbox.sweep().sent == 0  # not due yet: the backoff holds
    clock.advance(seconds=61)
    report = s.outbox.sweep()
    assert report.sent == 2 and sent_count() == 2
    assert [s.store.mail_state(m)["state"] for m in result.mail_ids] == ["sent", "sent"]

    clock.advance(hours=2)
    assert s.outbox.sweep().sent == 0
    s.outbox.dispatch(result.mail_ids)  # a late duplicate dispatch sends nothing either
    assert sent_count() == 2


def test_a_mail_being_sent_by_one_worker_is_not_sent_by_another(settings, clock):
    class Recorder:
        def __init__(self):
            self.sent = []

        def send(self, mail, sender):
            self.sent.append(mail.id)

    recorder = Recorder()
    s = make_services(settings, clock, sender=recorder)
    result = s.intake.accept(request_of(youth(), Channel.FORM))  # committed, not sent yet
    first = result.mail_ids[0]
    leased = s.store.claim_mail(first, clock.now().epoch, 120)  # another worker holds it
    assert leased is not None
    s.outbox.dispatch(result.mail_ids)
    assert recorder.sent == [result.mail_ids[1]]
    clock.advance(seconds=121)  # that worker died: its lease runs out, the sweeper sends
    assert s.outbox.sweep().sent == 1
    assert sorted(recorder.sent) == sorted(result.mail_ids)


# -- permanent failures: recorded, retried at most N times, visible to an operator ------


class AlwaysDown:
    def __init__(self):
        self.calls = 0

    def send(self, mail, sender):
        self.calls += 1
        raise ConnectionError("SES unreachable")


def test_an_address_ses_cannot_take_fails_once_and_for_all(settings, clock):
    # A non-ASCII local part: SES has no SMTPUTF8, and an encoded-word in To is no address.
    from chalicelib.adapters.mail import EmlOutbox

    from dataclasses import replace

    s = make_services(settings, clock, sender=EmlOutbox(settings.outbox_dir))
    # The forms refuse it now; a request stored before, or from another door, may hold it.
    result = s.submit(replace(request_of(youth(), Channel.FORM), email="jöe@example.fr"))
    assert result.status == "routed"  # the request is stored, the association is told
    states = {s.store.mail_state(m)["kind"]: s.store.mail_state(m) for m in result.mail_ids}
    assert states["association_new_request"]["state"] == "sent"
    ack = states["acknowledgement"]
    assert ack["state"] == "failed" and ack["attempts"] == 1
    assert "non-ASCII local part" in ack["last_error"]

    request = s.requests.get(result.reference)
    (event,) = [e for e in request["events"] if e["type"] == "mail_failed"]
    assert event["detail"]["kind"] == "acknowledgement" and "jöe" not in str(event["detail"])
    (listed,) = s.outbox.failed_mails()
    assert listed["id"] == ack["id"] and listed["request_id"] == request["id"]

    clock.advance(days=2)
    assert s.outbox.sweep().failed == 0  # never tried again
    assert s.store.mail_state(ack["id"])["attempts"] == 1
    assert len(list(Path(settings.outbox_dir).glob("*.eml"))) == 1  # the association's only


def test_a_mail_failing_every_time_is_given_up_after_max_attempts(settings, clock):
    from dataclasses import replace

    down = AlwaysDown()
    s = make_services(replace(settings, mail_max_attempts=3), clock, sender=down)
    result = s.submit(request_of(youth(), Channel.FORM))
    for _ in range(10):  # ten sweeps, a day apart: far past every backoff
        clock.advance(days=1)
        s.outbox.sweep()
    assert down.calls == 3 * len(result.mail_ids)
    for mail_id in result.mail_ids:
        st = s.store.mail_state(mail_id)
        assert (st["state"], st["attempts"]) == ("failed", 3)
        assert st["last_error"] == "ConnectionError after 3 attempts"
    assert sorted(m["id"] for m in s.outbox.failed_mails()) == sorted(result.mail_ids)
    events = [e for e in s.requests.get(result.reference)["events"] if e["type"] == "mail_failed"]
    assert len(events) == len(result.mail_ids)


def test_a_hostile_stored_in_reply_to_is_dropped_not_copied(settings, clock, tmp_path):
    """Items stored before intake cleaned Message-IDs still go out safe."""
    import base64
    import email
    from email import policy

    from chalicelib.adapters.mail import EmlOutbox
    from chalicelib.services.ports import OutgoingMail

    payload = "a\r\nBcc: x@attacker.example\r\nContent-Type: text/html\r\n\r\n<h1>phishing</h1>"
    hostile = "<=?utf-8?b?" + base64.b64encode(payload.encode()).decode() + "?=@x>"
    outbox = EmlOutbox(str(tmp_path))
    mail = OutgoingMail(
        id="m1", message_id="<m1.MNT-2345-6789@lementorat.fr>", to=("cpe@college.example.fr",),
        subject="Votre demande MNT-2345-6789 est bien reçue", text="Bonjour", html="<p>Bonjour</p>",
        auto_submitted="auto-replied", reply_to="urgence@lementorat.fr", in_reply_to=hostile,
    )
    outbox.send(mail, settings.mail_from)
    raw = (tmp_path / "m1.eml").read_bytes()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert b"attacker" not in raw and b"phishing" not in raw
    assert "In-Reply-To" not in msg and "References" not in msg and "Bcc" not in msg
    assert [a.addr_spec for a in msg["To"].addresses] == ["cpe@college.example.fr"]
