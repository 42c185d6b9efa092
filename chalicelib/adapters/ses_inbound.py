"""AWS door of mail intake: SES receiving -> S3 (raw MIME) -> SNS -> SQS -> Lambda.

Each SQS record holds an SNS envelope whose `Message` is SES's receipt notification;
the raw message itself is read from S3. A record that fails (S3 or DynamoDB down) is
reported as a batch item failure: only it comes back, and after a few receives the queue's
redrive policy moves it to the dead-letter queue. Ingestion is idempotent (Message-ID),
so a record seen twice still makes one request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Optional


@dataclass(frozen=True)
class SesReceipt:
    bucket: str
    key: str
    envelope_sender: Optional[str]
    recipients: list[str]
    ses_message_id: Optional[str]


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
    )


def process_sqs_batch(event: dict[str, Any], context: Any, mail_intake: Any, read_raw: Callable[[str, str], bytes]) -> dict:
    """Powertools' BatchProcessor: returns {"batchItemFailures": [...]} for Lambda."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def record_handler(record: Any) -> None:
        receipt = receipt_from_sqs_body(record.body)
        raw = read_raw(receipt.bucket, receipt.key)
        mail_intake.ingest(
            raw, receipt.envelope_sender, receipt.recipients, raw_key=f"s3://{receipt.bucket}/{receipt.key}",
            source_id=receipt.ses_message_id,
        )

    return process_partial_response(
        event=event, record_handler=record_handler, processor=BatchProcessor(event_type=EventType.SQS), context=context
    )
