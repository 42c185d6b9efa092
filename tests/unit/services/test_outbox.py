"""The outbox use case on the in-memory stores: each mail at most once; an SES outage
loses nothing, a cut-off attempt is reconciled, never sent blindly again, a mail that
keeps failing is given up and shown to operators."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import ses_backends

from chalicelib.adapters.mail import SesSender
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.ports import StorageUnavailable
from tests.builders import CountingEml, Recorder, request_of, youth
from tests.builders import make_memory_services as make_services
from tests.integration.mail_stream import deliver_mails


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
    deliver_mails(s)  # the stream tries each mail once; SES refuses
    assert sent_count() == 0
    states = [s.stores.outbox.mail_state(m) for m in result.mail_ids]
    assert [st["state"] for st in states] == ["pending", "pending"]
    assert all(st["attempts"] == 1 and st["last_error"].startswith("MailNotSent") for st in states)

    ses.create_email_identity(EmailIdentity="lementorat.fr")  # SES is back
    assert s.outbox.sweep().sent == 0  # not due yet: the backoff holds
    assert deliver_mails(s) == 0 and sent_count() == 0  # a retry is the sweeper's, not the stream's
    clock.advance(seconds=61)
    report = s.outbox.sweep()
    assert report.sent == 2 and sent_count() == 2
    assert [s.stores.outbox.mail_state(m)["state"] for m in result.mail_ids] == ["sent", "sent"]

    clock.advance(hours=2)
    assert s.outbox.sweep().sent == 0
    s.outbox.dispatch(result.mail_ids)  # a late duplicate dispatch sends nothing either
    assert sent_count() == 2


def test_a_mail_being_sent_by_one_worker_is_neither_sent_nor_resent_by_another(settings, clock):
    recorder = Recorder()
    s = make_services(settings, clock, sender=recorder)
    result = s.intake.accept(request_of(youth(), Channel.FORM))  # committed, not sent yet
    first, second = result.mail_ids
    held = s.stores.outbox.claim_mail(first, clock.now().epoch, 120)  # another worker holds it
    assert held is not None and not held.interrupted
    assert s.stores.outbox.mail_state(first)["state"] == "sending"
    s.outbox.dispatch(result.mail_ids)
    assert recorder.sent == [second]
    # That worker died between its send and its mark: whether the mail left is unknown.
    clock.advance(seconds=121)
    report = s.outbox.sweep()
    assert (report.sent, report.unknown) == (0, 1)
    assert recorder.sent == [second]  # never sent a second time
    state = s.stores.outbox.mail_state(first)
    assert state["state"] == "failed" and state["last_error"].startswith("outcome unknown")
    assert [m["id"] for m in s.outbox.failed_mails()] == [first]


class FakeSes:
    """An SES client failing the way the network does."""

    def __init__(self, error):
        self.error = error
        self.calls = 0

    def send_email(self, **kwargs):
        self.calls += 1
        raise self.error


def test_an_ses_answer_lost_after_the_request_left_is_not_sent_again(settings, clock):
    from botocore.exceptions import ReadTimeoutError

    ses = FakeSes(ReadTimeoutError(endpoint_url="https://email.eu-west-3.amazonaws.com"))
    s = make_services(settings, clock, sender=SesSender(lambda: ses))
    result = s.submit(request_of(youth(), Channel.FORM))
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.unknown) == (0, 2) and ses.calls == 2
    for mail_id in result.mail_ids:
        state = s.stores.outbox.mail_state(mail_id)
        assert state["state"] == "failed" and state["last_error"] == "outcome unknown (ReadTimeoutError)"
    assert sorted(m["id"] for m in s.outbox.failed_mails()) == sorted(result.mail_ids)
    events = [e for e in s.requests.get(result.reference)["events"] if e["type"] == "mail_failed"]
    assert {e["detail"]["reason"] for e in events} == {"outcome unknown (ReadTimeoutError)"}
    for _ in range(3):
        clock.advance(days=1)
        s.outbox.sweep()
    deliver_mails(s)
    assert ses.calls == 2  # neither the sweeper nor the stream sends it again


@pytest.mark.parametrize(
    "make_error",
    [
        lambda: __import__("botocore.exceptions").exceptions.EndpointConnectionError(endpoint_url="https://email"),
        lambda: __import__("botocore.exceptions").exceptions.ConnectTimeoutError(endpoint_url="https://email"),
        lambda: __import__("botocore.exceptions").exceptions.ClientError(
            {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendEmail"
        ),
    ],
    ids=["no-connection", "connect-timeout", "ses-refused"],
)
def test_a_send_that_surely_failed_is_retried_later(settings, clock, make_error):
    ses = FakeSes(make_error())
    s = make_services(settings, clock, sender=SesSender(lambda: ses))
    result = s.submit(request_of(youth(), Channel.FORM))
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.failed, report.unknown) == (2, 0)
    assert all(s.stores.outbox.mail_state(m)["state"] == "pending" for m in result.mail_ids)
    clock.advance(seconds=61)
    s.outbox.sweep()
    assert ses.calls == 4  # tried again after the backoff


def test_a_cut_off_local_send_is_settled_by_its_eml(settings, clock):
    """Locally the outbox can tell: an .eml present means sent, absent means not sent."""
    outbox = CountingEml(settings.outbox_dir)
    s = make_services(settings, clock, sender=outbox)
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    written, never_written = result.mail_ids
    for mail_id in result.mail_ids:  # two attempts cut off after their claim...
        claimed = s.stores.outbox.claim_mail(mail_id, clock.now().epoch, 120)
        if mail_id == written:  # ...one after writing its file, one before
            outbox.send(claimed.mail, settings.mail_from)
    assert s.outbox.sweep().sent == 0  # leases still running: nobody touches them
    clock.advance(seconds=121)
    report = s.outbox.sweep()
    assert s.stores.outbox.mail_state(written)["state"] == "sent" and outbox.writes[written] == 1  # not rewritten
    assert s.stores.outbox.mail_state(never_written)["state"] == "pending"  # surely not sent: retried
    clock.advance(seconds=61)
    s.outbox.sweep()
    assert s.stores.outbox.mail_state(never_written)["state"] == "sent" and outbox.writes[never_written] == 1
    assert report.unknown == 0


def test_a_mark_lost_after_an_ses_send_does_not_send_it_twice(settings, clock, ses):
    """At most once (docs/mail.md): storage failed right after the send; the sweeper once sent such mails again."""
    ses.create_email_identity(EmailIdentity="lementorat.fr")
    s = make_services(settings, clock, sender=SesSender(lambda: boto3.client("sesv2", region_name="eu-west-3")))
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    real_mark = s.stores.outbox.mark_sent

    def storage_down(*args, **kwargs):
        raise StorageUnavailable("ConnectionError")

    s.stores.outbox.mark_sent = storage_down
    with pytest.raises(StorageUnavailable):  # the stream record fails and comes back
        s.send_new_mail(result.mail_ids[0])
    s.stores.outbox.mark_sent = real_mark
    s.send_new_mail(result.mail_ids[0])  # the record again: the claim still holds, nothing sent
    assert sent_count() == 1
    clock.advance(seconds=121)
    s.outbox.sweep()  # reconciled: SES cannot tell, so not sent again
    assert sent_count() == 2  # the other mail, sent by the sweeper; the first one once only
    state = s.stores.outbox.mail_state(result.mail_ids[0])
    assert state["state"] == "failed" and state["last_error"].startswith("outcome unknown")


class AlwaysDown:
    def __init__(self):
        self.calls = 0

    def send(self, mail, sender):
        self.calls += 1
        raise ConnectionError("SES unreachable")


def test_an_address_ses_cannot_take_fails_once_and_for_all(settings, clock):
    # A non-ASCII local part: SES has no SMTPUTF8, and an encoded-word in To is no address.
    from dataclasses import replace

    from chalicelib.adapters.mail import EmlOutbox

    s = make_services(settings, clock, sender=EmlOutbox(settings.outbox_dir))
    # The forms refuse it now; a request stored before, or from another door, may hold it.
    result = s.submit(replace(request_of(youth(), Channel.FORM), email="jöe@example.fr"))
    assert result.status == "routed"  # the request is stored, the association is told
    deliver_mails(s)
    states = {s.stores.outbox.mail_state(m)["kind"]: s.stores.outbox.mail_state(m) for m in result.mail_ids}
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
    assert s.stores.outbox.mail_state(ack["id"])["attempts"] == 1
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
        st = s.stores.outbox.mail_state(mail_id)
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
        id="m1",
        message_id="<m1.MNT-2345-6789@lementorat.fr>",
        to=("cpe@college.example.fr",),
        subject="Votre demande MNT-2345-6789 est bien reçue",
        text="Bonjour",
        html="<p>Bonjour</p>",
        auto_submitted="auto-replied",
        reply_to="urgence@lementorat.fr",
        in_reply_to=hostile,
    )
    outbox.send(mail, settings.mail_from)
    raw = (tmp_path / "m1.eml").read_bytes()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert b"attacker" not in raw and b"phishing" not in raw
    assert "In-Reply-To" not in msg and "References" not in msg and "Bcc" not in msg
    assert [a.addr_spec for a in msg["To"].addresses] == ["cpe@college.example.fr"]


def test_a_mail_failing_for_good_after_its_request_was_erased_adds_nothing_to_it(settings, clock):
    # The send was in flight when an admin erased the request; it then fails for good.
    from chalicelib.domain.mail_headers import UnsendableMail
    from chalicelib.domain.operators import Operator, Role
    from chalicelib.services.console import ConsoleService

    s = make_services(settings, clock, sender=AlwaysDown())
    result = s.submit(request_of(youth(), Channel.FORM))
    console = ConsoleService(
        requests=s.stores.requests,
        queue=s.stores.requests,
        directory=s.directory,
        mails=s.mails,
        clock=clock,
        settings=s.settings,
        outbox=s.stores.outbox,
    )

    class ErasedMidSend:
        def send(self, mail, sender):
            console.erase(result.reference, Operator("admin@reseau.example.org", Role.ADMIN))
            raise UnsendableMail("To: refused")

    s.outbox.sender = ErasedMidSend()
    clock.advance(days=1)
    s.outbox.sweep()
    events = [e["type"] for e in s.requests.get(result.reference)["events"]]
    assert "erased" in events and "mail_failed" not in events
