"""AWS door of mail intake: SES receiving -> S3 (raw MIME) -> SNS -> SQS -> Lambda.

Each SQS record holds an SNS envelope whose `Message` is SES's receipt notification;
the raw message itself is read from S3. A record that fails (S3 or DynamoDB down) is
reported as a batch item failure: only it comes back, and after a few receives the queue's
redrive policy moves it to the dead-letter queue. Ingestion is idempotent (Message-ID),
so a record seen twice still makes one request.

SES checks the sender (SPF, DKIM, DMARC) as it receives: its verdicts travel in the
notification's `receipt`, and are handed to the use case as a `SenderVerdict`, so that
nothing in the mail itself (an `Authentication-Results` header anyone can write) decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.inbound_mail.sender_verdict import SenderVerdict

# SES's verdict statuses as RFC 8601 result words: GRAY is SES's "nothing to check" (no
# SPF record, no DKIM signature, no DMARC policy); PROCESSING_FAILED, a check that could
# not be made.
SES_RESULTS = {"PASS": "pass", "FAIL": "fail", "GRAY": "none", "PROCESSING_FAILED": "temperror"}


@dataclass(frozen=True)
class SesReceipt:
    bucket: str
    key: str
    envelope_sender: str | None
    recipients: list[str]
    ses_message_id: str | None
    verdict: SenderVerdict


def receipt_from_sqs_body(body: str) -> SesReceipt:
    envelope = json.loads(body)
    notification = json.loads(envelope["Message"]) if "Message" in envelope else envelope
    action = notification["receipt"]["action"]
    if action.get("type") != "S3":
        raise ValueError(f"unexpected SES receipt action {action.get('type')!r}: the rule must store to S3")
    mail = notification.get("mail", {})
    return SesReceipt(
        bucket=action["bucketName"],
        key=action["objectKey"],
        envelope_sender=mail.get("source"),
        recipients=list(notification["receipt"].get("recipients") or mail.get("destination") or []),
        ses_message_id=mail.get("messageId"),
        verdict=verdict_from_receipt(notification["receipt"]),
    )


def verdict_from_receipt(receipt: Mapping[str, Any]) -> SenderVerdict:
    """SES's SPF, DKIM and DMARC verdicts; a missing or unknown status is no result."""

    def result(name: str) -> str | None:
        verdict = receipt.get(name)
        status = verdict.get("status") if isinstance(verdict, Mapping) else None
        return SES_RESULTS.get(status.upper()) if isinstance(status, str) else None

    verdict = SenderVerdict.from_dict(
        {
            "spf": result("spfVerdict"),
            "dkim": result("dkimVerdict"),
            "dmarc": result("dmarcVerdict"),
            "dmarc_policy": receipt.get("dmarcPolicy"),
        }
    )
    assert verdict is not None, "from_dict reads any mapping"
    return verdict


def process_sqs_batch(
    event: dict[str, Any], context: Any, mail_intake: Any, read_raw: Callable[[str, str], bytes]
) -> Mapping[str, Any]:
    """Powertools' BatchProcessor: returns {"batchItemFailures": [...]} for Lambda."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def record_handler(record: Any) -> None:
        receipt = receipt_from_sqs_body(record.body)
        raw = read_raw(receipt.bucket, receipt.key)
        mail_intake.ingest(
            raw,
            receipt.envelope_sender,
            receipt.recipients,
            raw_key=f"s3://{receipt.bucket}/{receipt.key}",
            source_id=receipt.ses_message_id,
            verdict=receipt.verdict,
        )

    return process_partial_response(
        event=event, record_handler=record_handler, processor=BatchProcessor(event_type=EventType.SQS), context=context
    )
