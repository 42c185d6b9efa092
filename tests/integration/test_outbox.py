"""Mail leaves after the commit, through the table's stream (DynamoDB Local), at most
once: the stream sends each new mail, a failing record is left to the sweeper, a killed
worker resumes from its checkpoint, the Lambda door reports only its failed record. The
outbox use case's own logic runs on the in-memory stores (tests/unit/services)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from chalicelib.domain.vocabulary import Channel
from chalicelib.services.ports import StorageUnavailable
from local.stream_worker import StreamWorker
from tests.builders import CountingEml, Killed, Recorder, make_services, request_of, youth
from tests.integration.mail_stream import deliver_mails, stream_worker


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
        "eventID": sequence,
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-3",
        "eventSourceARN": "arn:aws:dynamodb:eu-west-3:123456789012:table/mentorat/stream/2026-11-27T00:00:00.000",
        "dynamodb": {
            "ApproximateCreationDateTime": 1795776000.0,
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image,
            "SequenceNumber": sequence,
            "SizeBytes": 100,
            "StreamViewType": "NEW_IMAGE",
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
        event = {
            "Records": [
                lambda_record(first[0], "100"),
                lambda_record(first[1], "101"),
                lambda_record(second[0], "102"),
                lambda_record(second[1], "103"),
                lambda_record(first[0], "104", event="MODIFY", state="pending"),  # a retry's change: the sweeper's
                {
                    **lambda_record("x", "105"),
                    "dynamodb": {
                        **lambda_record("x", "105")["dynamodb"],
                        "NewImage": {"pk": {"S": "REQ#r"}, "sk": {"S": "META"}},
                    },
                },
            ]
        }
        answer = app_module.mail_stream(event, None)
    finally:
        set_services(None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "102"}]}
    assert sorted(recorder.sent) == sorted([*first, second[1]])
    monkeypatch.setattr(s.stores.outbox, "claim_mail", real_claim)
    set_services(s)
    try:  # Lambda retries the failed record: sent now, and the others are not sent again
        assert app_module.mail_stream(
            {"Records": [lambda_record(m, str(200 + i)) for i, m in enumerate([*first, *second])]}, None
        ) == {"batchItemFailures": []}
    finally:
        set_services(None)
    assert sorted(recorder.sent) == sorted([*first, *second])
