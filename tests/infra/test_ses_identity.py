"""In AWS, mails are known by what SES keeps: its MessageId and our `mail_id` tag (moto SES).

SES rewrites the Message-ID header we set, so a bounce event names our mail by the tag,
and replies thread on the reference in their subject.
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import ses_backends

from chalicelib.adapters.mail import SesSender
from chalicelib.domain.vocabulary import Channel
from tests.builders import association, make_services, request_of, youth


@pytest.fixture
def ses():
    with mock_aws():
        client = boto3.client("sesv2", region_name="eu-west-3")
        client.create_email_identity(EmailIdentity="lementorat.fr")
        client.create_configuration_set(ConfigurationSetName="mentorat-prod")
        yield client


def sent_messages():
    return ses_backends["123456789012"]["eu-west-3"].sent_messages


def test_the_message_id_ses_returns_is_stored_with_the_mail(settings, clock, ses):
    sender = SesSender(lambda: boto3.client("sesv2", region_name="eu-west-3"), "mentorat-prod")
    s = make_services(settings, clock, sender=sender)
    result = s.submit(request_of(youth(), Channel.FORM))
    s.outbox.dispatch(result.mail_ids)  # what the stream consumer does with the inserted mails
    states = [s.stores.outbox.mail_state(m) for m in result.mail_ids]
    assert [st["state"] for st in states] == ["sent", "sent"]
    returned = {m.id for m in sent_messages()}
    assert {st["provider_message_id"] for st in states} == returned and len(returned) == 2


def test_an_ses_bounce_event_names_our_mail_by_its_tag_and_routes_onward(settings, clock, ses):
    directory = [
        association("first-asso", emails=["first@asso.example.org"], capacity=5),
        association("second-asso", emails=["second@asso.example.org"], capacity=5),
    ]
    sender = SesSender(lambda: boto3.client("sesv2", region_name="eu-west-3"), "mentorat-prod")
    s = make_services(settings, clock, sender=sender, directory=directory)
    result = s.submit(request_of(youth(postal_code="59000"), Channel.FORM))
    s.outbox.dispatch(result.mail_ids)  # what the stream consumer does with the inserted mails
    first = s.requests.get(result.reference)["association"]["id"]
    to_association = next(
        m for m in result.mail_ids if s.stores.outbox.mail_state(m)["kind"] == "association_new_request"
    )
    state = s.stores.outbox.mail_state(to_association)
    # An SES event (configuration set -> SNS): SES's own ids, our tag, no Message-ID of ours.
    event = {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": state["to"][0]}],
        },
        "mail": {
            "messageId": state["provider_message_id"],
            "commonHeaders": {"messageId": f"<{state['provider_message_id']}@eu-west-3.amazonses.com>"},
            "tags": {"mail_id": [to_association], "ses:configuration-set": ["mentorat-prod"]},
        },
    }
    assert s.ses_bounce(json.dumps(event)) == 1
    moved = s.requests.get(result.reference)
    assert moved["association"]["id"] != first
    assert "bounced" in [e["type"] for e in moved["events"]]


def test_a_reply_threads_on_the_reference_in_its_subject_whatever_its_in_reply_to(settings, clock, ses):
    sender = SesSender(lambda: boto3.client("sesv2", region_name="eu-west-3"), "mentorat-prod")
    s = make_services(settings, clock, sender=sender)
    result = s.submit(request_of(youth(), Channel.FORM))
    reply = (
        "From: lea.martin@example.net\r\nTo: urgence@lementorat.fr\r\n"
        f"Subject: Re: Votre demande {result.reference}\r\n"
        "Message-ID: <reply-1@example.net>\r\n"
        "In-Reply-To: <0107019-abcdef@eu-west-3.amazonses.com>\r\n\r\nMerci, j'attends votre appel.\r\n"
    ).encode()
    outcome = s.mail_intake.ingest(reply, "lea.martin@example.net", ["urgence@lementorat.fr"])
    assert outcome.kind == "reply"
    assert "reply_received" in [e["type"] for e in s.requests.get(result.reference)["events"]]
