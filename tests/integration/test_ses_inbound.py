"""The AWS door: SES receipt (S3) -> SNS -> SQS -> the inbound_mail handler, with moto S3."""

from __future__ import annotations

import json
from dataclasses import replace

import boto3
import pytest
from moto import mock_aws

from chalicelib.adapters.ses_inbound import receipt_from_sqs_body
from tests.builders import SHARED, make_services
from tests.integration.mail_stream import deliver_mails

FR = SHARED / "corpus" / "fr"
BUCKET = "mentorat-test-inbound"


def sqs_record(message_id: str, key: str, source: str = "cpe@college.example.fr", **verdicts) -> dict:
    """`verdicts`: the receipt's spfVerdict, dkimVerdict, dmarcVerdict (their status) and
    dmarcPolicy, as SES writes them; none, as in a receipt that holds none."""
    receipt = {
        "recipients": ["urgence@lementorat.fr"],
        "action": {"type": "S3", "bucketName": BUCKET, "objectKey": key},
    }
    for name, value in verdicts.items():
        receipt[name] = value if name == "dmarcPolicy" else {"status": value}
    notification = {
        "notificationType": "Received",
        "mail": {"messageId": f"ses-{message_id}", "source": source, "destination": ["urgence@lementorat.fr"]},
        "receipt": receipt,
    }
    sns = {"Type": "Notification", "MessageId": f"sns-{message_id}", "Message": json.dumps(notification)}
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": json.dumps(sns),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-3:123456789012:mentorat-inbound-mail",
        "awsRegion": "eu-west-3",
    }


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-3")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        yield client


def test_a_batch_reports_only_the_failed_record_and_the_good_one_becomes_a_request(settings, clock, s3, tmp_path):
    s = make_services(replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock)
    s3.put_object(Bucket=BUCKET, Key="inbound/fr-07", Body=(FR / "fr-07-refugee-grenoble.eml").read_bytes())
    event = {"Records": [sqs_record("good", "inbound/fr-07"), sqs_record("missing", "inbound/not-there")]}

    def read_raw(bucket, key):
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    from chalicelib.adapters.ses_inbound import process_sqs_batch

    answer = process_sqs_batch(event, None, s.mail_intake, read_raw)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "missing"}]}
    (request,) = s.requests.list(None, None, 10, None)[0]
    assert request["channel"] == "email" and request["postal_code"] == "38000"
    assert request["inbound"]["raw_key"] == f"s3://{BUCKET}/inbound/fr-07"

    # The same record delivered again (SQS is at-least-once) makes no second request.
    again = process_sqs_batch({"Records": [sqs_record("good", "inbound/fr-07")]}, None, s.mail_intake, read_raw)
    assert again == {"batchItemFailures": []}
    assert len(s.requests.list(None, None, 10, None)[0]) == 1


def test_a_receipt_that_did_not_store_to_s3_is_refused():
    body = json.dumps({"Message": json.dumps({"receipt": {"action": {"type": "Lambda"}}, "mail": {}})})
    with pytest.raises(ValueError):
        receipt_from_sqs_body(body)


def test_the_aws_wiring_reads_the_raw_mail_through_the_s3_raw_store(settings, clock, s3):
    class Recorder:
        def __init__(self):
            self.sent = []

        def send(self, mail, sender):
            self.sent.append(mail)

    from chalicelib.adapters.raw_mail import S3RawMailStore

    aws = replace(settings, stage="prod", raw_mail_bucket=BUCKET)
    recorder = Recorder()
    s = make_services(aws, clock, sender=recorder)
    assert isinstance(s.mail_intake.raw_store, S3RawMailStore)
    s3.put_object(Bucket=BUCKET, Key="inbound/fr-01", Body=(FR / "fr-01-cpe-college-roubaix.eml").read_bytes())
    answer = s.inbound_sqs_batch({"Records": [sqs_record("one", "inbound/fr-01")]}, None)
    assert answer == {"batchItemFailures": []}
    (request,) = s.requests.list(None, None, 10, None)[0]
    assert request["postal_code"] == "59100"
    raw = (FR / "fr-01-cpe-college-roubaix.eml").read_bytes()
    assert s.mail_intake.raw_store.get(request["inbound"]["raw_key"]) == raw  # readable back by its key
    deliver_mails(s)  # the acknowledgement leaves through the table's stream
    assert any(m.auto_submitted == "auto-replied" for m in recorder.sent)


def test_a_mail_over_its_reading_budget_is_quarantined_and_its_batch_is_not_retried(settings, clock, s3, tmp_path):
    from chalicelib.adapters.ses_inbound import process_sqs_batch
    from tests.builders import with_attachment
    from tests.corpus.documents import pdf_made_to_be_slow

    s = make_services(replace(settings, raw_mail_dir=str(tmp_path / "raw"), mail_read_seconds=1.0), clock)
    slow = with_attachment("Bonjour,\n\nci-joint la fiche de Léo.", "fiche.pdf", pdf_made_to_be_slow(), "pdf")
    s3.put_object(Bucket=BUCKET, Key="inbound/slow", Body=slow)
    s3.put_object(Bucket=BUCKET, Key="inbound/fr-07", Body=(FR / "fr-07-refugee-grenoble.eml").read_bytes())
    event = {"Records": [sqs_record("slow", "inbound/slow"), sqs_record("good", "inbound/fr-07")]}

    def read_raw(bucket, key):
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    assert process_sqs_batch(event, None, s.mail_intake, read_raw) == {"batchItemFailures": []}
    (held,) = s.stores.mail_log.list_quarantine(clock.now().epoch, 10)
    assert held["reason"] == "reading stopped: over its time budget of 1 s"
    assert held["raw_key"] == f"s3://{BUCKET}/inbound/slow"
    (request,) = s.requests.list(None, None, 10, None)[0]
    assert request["inbound"]["raw_key"] == f"s3://{BUCKET}/inbound/fr-07" and request["postal_code"] == "38000"


# -- the sender's verdict: SES's, never a header in the mail -----------------------------------

FORGED_PASS = b"Authentication-Results: lementorat.fr; spf=pass; dkim=pass; dmarc=pass\r\n"


def test_the_door_reads_the_receipts_verdicts():
    from chalicelib.domain.inbound_mail.sender_verdict import SenderVerdict

    def verdict(**verdicts):
        return receipt_from_sqs_body(sqs_record("m", "k", **verdicts)["body"]).verdict

    assert verdict(spfVerdict="FAIL", dkimVerdict="GRAY", dmarcVerdict="FAIL", dmarcPolicy="reject") == SenderVerdict(
        spf="fail", dkim="none", dmarc="fail", dmarc_policy="reject"
    )
    assert verdict(spfVerdict="PASS", dkimVerdict="PASS", dmarcVerdict="PASS").verification.value == "verified"
    # GRAY: nothing to check (no SPF record, no signature, no DMARC policy).
    assert verdict(spfVerdict="GRAY", dkimVerdict="GRAY", dmarcVerdict="GRAY").verification.value == "unknown"
    assert verdict(spfVerdict="FAIL", dkimVerdict="FAIL", dmarcVerdict="GRAY").verification.value == "failed"
    assert verdict(dmarcVerdict="PROCESSING_FAILED", spfVerdict="PASS").verification.value == "verified"
    assert verdict(spfVerdict="SOMETHING_NEW", dkimVerdict=None) == SenderVerdict()
    assert verdict() == SenderVerdict()


def test_a_mail_that_fails_dmarc_in_ses_is_unverified_whatever_its_headers_say(settings, clock, s3, tmp_path):
    from chalicelib.adapters.ses_inbound import process_sqs_batch
    from tests.integration.mail_stream import read_outbox

    s = make_services(replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock)
    raw = FORGED_PASS + (FR / "fr-01-cpe-college-roubaix.eml").read_bytes()
    s3.put_object(Bucket=BUCKET, Key="inbound/forged", Body=raw)
    s3.put_object(Bucket=BUCKET, Key="inbound/real", Body=(FR / "fr-07-refugee-grenoble.eml").read_bytes())
    event = {
        "Records": [
            sqs_record(
                "forged",
                "inbound/forged",
                spfVerdict="FAIL",
                dkimVerdict="GRAY",
                dmarcVerdict="FAIL",
                dmarcPolicy="reject",
            ),
            sqs_record("real", "inbound/real", spfVerdict="PASS", dkimVerdict="PASS", dmarcVerdict="PASS"),
        ]
    }

    def read_raw(bucket, key):
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()

    assert process_sqs_batch(event, None, s.mail_intake, read_raw) == {"batchItemFailures": []}
    requests = {r["inbound"]["raw_key"].rsplit("/", 1)[-1]: r for r in s.requests.list(None, None, 10, None)[0]}
    forged, real = s.requests.get(requests["forged"]["reference"]), s.requests.get(requests["real"]["reference"])
    assert (forged["status"], forged["triage_reason"]) == ("needs_triage", "unverified sender")
    assert forged["events"][-1]["detail"] == {"spf": "fail", "dkim": "none", "dmarc": "fail", "dmarc_policy": "reject"}
    assert real["status"] == "routed" and [e["type"] for e in real["events"]] == ["received", "routed"]
    acknowledged = [m["To"] for m in read_outbox(s) if m["Auto-Submitted"] == "auto-replied"]
    assert acknowledged == [real["referent"]["email"]]  # the forged one's sender hears nothing
