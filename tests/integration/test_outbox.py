"""Mail leaves after the commit, through the table's stream, at most once: an SES outage
loses nothing, a cut-off attempt is reconciled, never sent blindly again."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import ses_backends

from chalicelib.adapters.mail import EmlOutbox, SesSender
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.ports import StorageUnavailable
from local.stream_worker import StreamWorker
from tests.conftest import request_of, make_services, youth
from tests.integration.mail_stream import deliver_mails, stream_worker


@pytest.fixture
def ses():
    with mock_aws():
        yield boto3.client("sesv2", region_name="eu-west-3")


def sent_count() -> int:
    return len(ses_backends["123456789012"]["eu-west-3"].sent_messages)


def test_nothing_is_sent_in_the_request_the_stream_sends_each_mail_once(settings, clock):
    s = make_services(settings, clock)
    result = s.submit(request_of(youth(), Channel.FORM))
    # The answer is given at the commit: the mails are stored, not sent yet.
    assert [s.stores.outbox.mail_state(m)["state"] for m in result.mail_ids] == ["pending", "pending"]
    assert not list(Path(settings.outbox_dir).glob("*.eml"))

    deliver_mails(s)
    states = [s.stores.outbox.mail_state(m) for m in result.mail_ids]
    assert [st["state"] for st in states] == ["sent", "sent"]
    assert all(st["attempt_at"] == clock.now().epoch for st in states)  # recorded before the send
    assert sorted(p.stem for p in Path(settings.outbox_dir).glob("*.eml")) == sorted(result.mail_ids)
    clock.advance(days=1)
    assert s.outbox.sweep().sent == 0  # the safety net finds nothing left


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


class Recorder:
    """A sender that records each send (by mail id); it cannot tell an unknown outcome."""

    def __init__(self):
        self.sent = []

    def send(self, mail, sender):
        self.sent.append(mail.id)


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


def test_a_failing_stream_delivery_is_left_to_the_sweeper_which_sends_it_once(settings, clock):
    """The consumer raises for one mail every time: the worker gives its record up after
    its retries (Lambda's on-failure destination), and the sweeper sends it, once."""
    recorder = Recorder()
    s = make_services(settings, clock, sender=recorder)
    result = s.submit(request_of(youth(), Channel.FORM))
    broken, fine = result.mail_ids
    real = s.send_new_mail
    calls = []

    def send_new_mail(mail_id):
        calls.append(mail_id)
        if mail_id == broken:
            raise StorageUnavailable("stream consumer failing for this record")
        real(mail_id)

    s.send_new_mail = send_new_mail
    worker = stream_worker(s)
    worker.drain()
    assert recorder.sent == [fine]
    assert calls.count(broken) == worker.max_retries + 1  # tried, retried, then given up
    assert s.stores.outbox.mail_state(broken)["state"] == "pending"

    assert s.outbox.sweep().sent == 0  # within the grace period the sweeper leaves it to the stream
    clock.advance(seconds=settings.mail_grace_seconds + 1)
    assert s.outbox.sweep().sent == 1
    assert s.outbox.sweep().sent == 0
    worker.drain()  # the sweeper's changes of the mail come through the stream too: no send
    assert sorted(recorder.sent) == sorted(result.mail_ids)  # each once


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs in the worker (no mark, no checkpoint)."""


class CountingEml(EmlOutbox):
    """The local outbox, counting its writes, and able to die right after one."""

    def __init__(self, directory):
        super().__init__(directory)
        self.writes = Counter()
        self.die_after = None

    def send(self, mail, sender):
        super().send(mail, sender)
        self.writes[mail.id] += 1
        if self.die_after is not None and sum(self.writes.values()) == self.die_after:
            raise Killed()


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_the_stream_worker_killed_and_restarted_loses_no_mail_and_sends_none_twice(settings, clock, tmp_path):
    outbox = CountingEml(settings.outbox_dir)
    s = make_services(settings, clock, sender=outbox)
    checkpoint = tmp_path / "stream.json"
    worker = StreamWorker.for_services(s, checkpoint, poll_seconds=0.05)

    def run_until_killed():
        try:
            worker.run()
        except Killed:
            pass

    thread = threading.Thread(target=run_until_killed, daemon=True)
    thread.start()
    ids = []
    for i in range(3):
        ids += s.submit(request_of(youth(email=f"jeune{i}@example.net"), Channel.FORM)).mail_ids
    wait_until(lambda: sum(outbox.writes.values()) == 6)
    outbox.die_after = 8  # killed after the 8th write, before its mark and its checkpoint
    for i in range(3, 6):
        ids += s.submit(request_of(youth(email=f"jeune{i}@example.net"), Channel.FORM)).mail_ids
    thread.join(20)
    assert not thread.is_alive()  # the worker is dead
    outbox.die_after = None
    for i in range(6, 9):  # requests keep coming while no worker runs
        ids += s.submit(request_of(youth(email=f"jeune{i}@example.net"), Channel.FORM)).mail_ids

    restarted = StreamWorker.for_services(s, checkpoint, poll_seconds=0.05).start()
    try:
        wait_until(lambda: sum(1 for m in ids if s.stores.outbox.mail_state(m)["state"] == "sent") == len(ids) - 1)
    finally:
        restarted.stop()
    (cut_off,) = [m for m in ids if s.stores.outbox.mail_state(m)["state"] != "sent"]
    assert s.stores.outbox.mail_state(cut_off)["state"] == "sending"  # its attempt was recorded, its outcome not
    clock.advance(seconds=121)  # its lease runs out: the sweeper reconciles, the .eml says it left
    assert s.outbox.sweep().sent == 1
    assert all(s.stores.outbox.mail_state(m)["state"] == "sent" for m in ids)
    assert len(ids) == 18 and all(outbox.writes[m] == 1 for m in ids)

    checkpoint.unlink()  # a lost checkpoint: read from the oldest record, nothing sent again
    StreamWorker.for_services(s, checkpoint).drain()
    assert all(outbox.writes[m] == 1 for m in ids) and sum(outbox.writes.values()) == 18


# -- unknown outcomes: reconciled, never sent twice ---------------------------------------


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


@pytest.mark.parametrize("make_error", [
    lambda: __import__("botocore.exceptions").exceptions.EndpointConnectionError(endpoint_url="https://email"),
    lambda: __import__("botocore.exceptions").exceptions.ConnectTimeoutError(endpoint_url="https://email"),
    lambda: __import__("botocore.exceptions").exceptions.ClientError(
        {"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendEmail"),
], ids=["no-connection", "connect-timeout", "ses-refused"])
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
    """Issue 8: storage failed right after the send; the sweeper once sent such mails again."""
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


def test_a_table_made_before_the_stream_gets_it_and_its_new_mails_are_sent(settings, clock):
    """An old `.local/dynamodb/` holds a table without a stream: `make run` turns it on."""
    from chalicelib.adapters.dynamodb import table_definition
    from chalicelib.bootstrap import Services

    s = Services(settings, clock=clock)
    old = {k: v for k, v in table_definition(settings.table_name).items() if k != "StreamSpecification"}
    s.table.client.create_table(**old)
    assert "StreamSpecification" not in s.table.client.describe_table(TableName=settings.table_name)["Table"]
    from local.setup import prepare

    created, _ = prepare(s)
    assert created is False
    table = s.table.client.describe_table(TableName=settings.table_name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    result = s.submit(request_of(youth(), Channel.FORM))
    deliver_mails(s)
    assert [s.stores.outbox.mail_state(m)["state"] for m in result.mail_ids] == ["sent", "sent"]


def lambda_record(mail_id: str, sequence: str, event: str = "INSERT", state: str = "pending") -> dict:
    """A record as the Lambda event source delivers it from the table's stream."""
    image = {"pk": {"S": f"MAIL#{mail_id}"}, "sk": {"S": "MAIL"}, "state": {"S": state}}
    return {
        "eventID": sequence, "eventName": event, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-3",
        "eventSourceARN": "arn:aws:dynamodb:eu-west-3:123456789012:table/mentorat/stream/2026-11-27T00:00:00.000",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795776000.0, "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image, "SequenceNumber": sequence, "SizeBytes": 100, "StreamViewType": "NEW_IMAGE",
        },
    }


def test_the_lambda_on_the_stream_sends_new_mails_and_reports_only_the_failed_record(settings, clock, monkeypatch):
    """The AWS door: app.mail_stream with a stream batch, as Lambda invokes it."""
    import app as app_module
    from chalicelib.bootstrap import set_services

    recorder = Recorder()
    s = make_services(settings, clock, sender=recorder)
    first = s.intake.accept(request_of(youth(), Channel.FORM)).mail_ids
    second = s.intake.accept(request_of(youth(email="autre@example.net"), Channel.FORM)).mail_ids
    real_claim = s.stores.outbox.claim_mail

    def claim(mail_id, now, lease):
        if mail_id == second[0]:
            raise StorageUnavailable("ThrottlingException")  # this record must come back
        return real_claim(mail_id, now, lease)

    monkeypatch.setattr(s.stores.outbox, "claim_mail", claim)
    set_services(s)
    try:
        event = {"Records": [
            lambda_record(first[0], "100"), lambda_record(first[1], "101"),
            lambda_record(second[0], "102"), lambda_record(second[1], "103"),
            lambda_record(first[0], "104", event="MODIFY", state="pending"),  # a retry's change: the sweeper's
            {**lambda_record("x", "105"), "dynamodb": {**lambda_record("x", "105")["dynamodb"],
                                                        "NewImage": {"pk": {"S": "REQ#r"}, "sk": {"S": "META"}}}},
        ]}
        answer = app_module.mail_stream(event, None)
    finally:
        set_services(None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "102"}]}
    assert sorted(recorder.sent) == sorted([*first, second[1]])
    monkeypatch.setattr(s.stores.outbox, "claim_mail", real_claim)
    set_services(s)
    try:  # Lambda retries the failed record: sent now, and the others are not sent again
        assert app_module.mail_stream({"Records": [lambda_record(m, str(200 + i)) for i, m in enumerate([*first, *second])]},
                                      None) == {"batchItemFailures": []}
    finally:
        set_services(None)
    assert sorted(recorder.sent) == sorted([*first, *second])
