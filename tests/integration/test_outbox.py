"""Mail goes out after the commit; an SES outage loses nothing and a retry sends once."""

from __future__ import annotations

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
