"""The table's stream (NEW_IMAGE) -> the outbox: each mail inserted `pending` is sent.

In AWS a Lambda reads the stream (`@app.on_dynamodb_record`, with partial batch failure
reporting, a bisect on error and an on-failure SQS destination: infra/template.yaml);
locally local/stream_worker.py reads DynamoDB Local's stream through the
`dynamodbstreams` API and calls the same `process_stream_batch`. Records come in the same
shape from both (`eventName`, `dynamodb.NewImage` in DynamoDB's attribute-value form).

A record fails only when storage does (the claim or the mark could not be written): it
comes back, and the claim makes the second delivery harmless. A mail the mail service
refused is no stream failure: it is `pending` again, with a backoff, for the sweeper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# What the Lambda's filter lets through (infra/template.yaml, FilterCriteria): the same
# rule as pending_mail_id, so that the function is not even invoked for other items.
FILTER_PATTERN = {
    "eventName": ["INSERT"],
    "dynamodb": {"NewImage": {"pk": {"S": [{"prefix": "MAIL#"}]}, "state": {"S": ["pending"]}}},
}


def pending_mail_id(record: dict[str, Any]) -> str | None:
    """The id of the outbox mail this record inserted `pending`; None for anything else
    (requests, events, counters, and later changes of a mail: retries are the sweeper's)."""
    if record.get("eventName") != "INSERT":
        return None
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    pk = (image.get("pk") or {}).get("S", "")
    if not pk.startswith("MAIL#") or (image.get("sk") or {}).get("S") != "MAIL":
        return None
    if (image.get("state") or {}).get("S") != "pending":
        return None
    return pk[len("MAIL#") :]


def process_stream_batch(event: dict[str, Any], context: Any, send: Callable[[str], Any]) -> Mapping[str, Any]:
    """Powertools' BatchProcessor: returns {"batchItemFailures": [...]} (sequence numbers)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def record_handler(record: Any) -> None:
        mail_id = pending_mail_id(record.raw_event)
        if mail_id:
            send(mail_id)

    return process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=BatchProcessor(event_type=EventType.DynamoDBStreams),
        context=context,
    )
