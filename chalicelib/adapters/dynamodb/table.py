"""The one DynamoDB table every store shares: its definition, the client, the codecs.

Each port's store (routed.py, outbox.py, directory.py, mail_log.py) writes its own
item shapes; what they have in common lives here: the lazily created client that turns
"unreachable or throttled" into the service layer's StorageUnavailable, the attribute
codecs, the TTL read filter, and the labelled transaction whose refused condition says
which rule refused it (services.ports.Refusal), and the time-ordered logs (quarantine,
exports: the ports name their partitions).

Every item holding personal data carries `expires_at` (the table's TTL attribute) and
every read ignores expired items, since DynamoDB deletes them only eventually.
The boto3 client is created on first use, never at import (cold start, missing region).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from ...services.ports import Refusal, Rejected, StorageUnavailable

log = logging.getLogger(__name__)

# Error codes that mean "DynamoDB cannot take this now" once botocore's retries are spent.
_OUTAGE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
_THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})

# The label of each conditional item of a transaction -> what its refusal means. An event
# already at its rank means another change of the same request won, as a moved status does.
_REFUSED_BY = {
    "request": Refusal.STALE,
    "event": Refusal.STALE,
    "reference": Refusal.REFERENCE,
    "idempotency": Refusal.IDEMPOTENCY,
    "rate": Refusal.RATE,
    "capacity": Refusal.CAPACITY,
    "mail": Refusal.CONFLICT,  # a mail id already taken (never, with uuid4 ids): write again
}

# Items every intake adds to (the tabs' status counter of the day, the day's statistics)
# are split in this many shards, one drawn at random per write and summed on read: two
# concurrent transactions then rarely touch the same item, which DynamoDB would cancel
# (TransactionConflict). Reads grow with the shards, never with the requests.
COUNTER_SHARDS = 10


# A transaction holds at most this many items, a BatchWriteItem this many writes.
TRANSACTION_MAX = 100
BATCH_MAX = 25
# What DynamoDB leaves unprocessed in a batch (throttled) is sent again this many times at
# most, after a pause that doubles from BATCH_PAUSE_SECONDS (with jitter) up to
# BATCH_PAUSE_MAX: about 7 s in all before StorageUnavailable.
BATCH_ATTEMPTS = 8
BATCH_PAUSE_SECONDS = 0.05
BATCH_PAUSE_MAX = 2.0


def counter_shard() -> str:
    """The shard suffix of one write ("#0" ... "#9")."""
    return f"#{random.randrange(COUNTER_SHARDS)}"


INDEXES = {
    # index name: (partition key attribute, sort key attribute)
    "by_status": ("status_pk", "list_sk"),
    "by_association": ("association_pk", "list_sk"),
    "by_created": ("feed_pk", "list_sk"),
    "outbox_due": ("due_pk", "due_sk"),
}

# New images only: the mail consumer needs the item as written, nothing older.
STREAM = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}


def table_definition(name: str) -> dict[str, Any]:
    """CreateTable arguments: used by `make run`, the tests and the AWS set-up script."""
    attributes = {"pk", "sk"} | {a for pair in INDEXES.values() for a in pair}
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": dict(STREAM),
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index,
                "KeySchema": [{"AttributeName": h, "KeyType": "HASH"}, {"AttributeName": r, "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, (h, r) in INDEXES.items()
        ],
    }


def ensure_table(client: Any, name: str) -> bool:
    """Create the table and turn TTL on if it does not exist yet. True when created.

    A table made before the stream existed (an old `.local/dynamodb/`) gets it now: its
    mails would otherwise wait for the sweeper."""
    try:
        table = client.describe_table(TableName=name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        table = None
    if table is not None:
        current = table.get("StreamSpecification") or {}
        if current.get("StreamEnabled") and current.get("StreamViewType") != STREAM["StreamViewType"]:
            # Another view type: a stream's type cannot change, so off, then on again.
            client.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
            current = {}
        if not current.get("StreamEnabled"):
            client.update_table(TableName=name, StreamSpecification=dict(STREAM))
            client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        return False
    client.create_table(**table_definition(name))
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    return True


# -- attribute codecs ------------------------------------------------------------------


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(int(value))}


def _json(value: Any) -> dict[str, str]:
    return {"S": json.dumps(value, ensure_ascii=False, separators=(",", ":"))}


def _unjson(item: dict[str, Any], name: str = "body") -> Any:
    return json.loads(item[name]["S"])


def _expired(item: dict[str, Any], now: int) -> bool:
    exp = item.get("expires_at")
    return exp is not None and int(exp["N"]) <= now


def iso(ts: int) -> str:
    """Sort keys carry times as fixed-width UTC text, so that they sort as they happened."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rate_counter_key(key: str) -> tuple[str, str]:
    """(pk, sk) of the per-IP counter `key` (services/rate_limit.py): RATE#<key> / RATE."""
    return f"RATE#{key}", "RATE"


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- the client and the table ------------------------------------------------------------


class _OutageAware:
    """The boto3 client, with "storage unreachable or throttled" raised as the service
    layer's StorageUnavailable: no use case or view needs to know botocore's exceptions."""

    def __init__(self, client: Any):
        self._client = client

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr  # .exceptions, .meta

        def call(*args: Any, **kwargs: Any) -> Any:
            from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

            try:
                return attr(*args, **kwargs)
            except (ConnectionError, HTTPClientError) as exc:
                log.warning("storage unavailable", extra={"call": name, "error": type(exc).__name__})
                raise StorageUnavailable(type(exc).__name__) from exc
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in _OUTAGE_CODES:
                    log.warning("storage unavailable", extra={"call": name, "error": code})
                    raise StorageUnavailable(code) from exc
                raise

        return call


class DynamoTable:
    """The table's name and its one client, shared by the four stores."""

    def __init__(self, name: str, client_factory: Callable[[], Any], sleep: Callable[[float], None] = time.sleep):
        self.name = name
        self._client_factory = client_factory
        self._client: _OutageAware | None = None
        self._lock = threading.Lock()
        self.sleep = sleep  # the pause between two sends of a batch's unprocessed writes

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = _OutageAware(self._client_factory())
        return self._client

    def put(self, item: dict[str, Any], new_only: bool = True) -> dict[str, Any]:
        """A transaction's Put of `item`; `new_only`: refused if the key exists."""
        put: dict[str, Any] = {"TableName": self.name, "Item": item}
        if new_only:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        return {"Put": put}

    def counter(self, pk: str, sk: str, limit: int, expires_at: int) -> dict[str, Any]:
        """A transaction's Update adding one to the counter item (pk, sk), refused when it
        holds `limit` already (label it "rate"): per-IP limits and sign-in budgets. It
        expires with its window. Its inner dict is also update_item's arguments."""
        return {
            "Update": {
                "TableName": self.name,
                "Key": {"pk": _s(pk), "sk": _s(sk)},
                "UpdateExpression": "ADD n :one SET expires_at = :exp",
                "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
                "ExpressionAttributeValues": {":one": _n(1), ":limit": _n(limit), ":exp": _n(expires_at)},
            }
        }

    def write_all(self, writes: list[dict[str, Any]]) -> None:
        """Every write of `writes` (BatchWriteItem's PutRequest / DeleteRequest), BATCH_MAX
        at a time. What DynamoDB leaves unprocessed (throttled) is sent again after a
        growing pause; still left after BATCH_ATTEMPTS sends, StorageUnavailable: no write
        is ever dropped silently (an erasure's timeline, a recount's counters)."""
        for batch in chunks(writes, BATCH_MAX):
            pending: dict[str, Any] = {self.name: batch}
            for attempt in range(BATCH_ATTEMPTS):
                if attempt:
                    pause = min(BATCH_PAUSE_MAX, BATCH_PAUSE_SECONDS * 2 ** (attempt - 1))
                    self.sleep(pause * random.uniform(0.5, 1.0))
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            else:
                left = sum(len(w) for w in pending.values())
                log.warning(
                    "storage unavailable", extra={"call": "batch_write_item", "error": "unprocessed", "left": left}
                )
                raise StorageUnavailable("batch writes left unprocessed")

    def put_all(self, items: list[dict[str, Any]]) -> None:
        """Put every item of `items` (write_all)."""
        self.write_all([{"PutRequest": {"Item": i}} for i in items])

    # -- time-ordered logs: one partition, <at>#<id> sort keys (quarantine, exports) ------

    def add_to_log(self, pk: str, at: str, record: dict[str, Any], expires_at: int) -> str:
        """Put `record` (given an id and `at`) in the log of partition `pk`; its id."""
        entry_id = uuid.uuid4().hex
        self.client.put_item(
            TableName=self.name,
            Item={
                "pk": _s(pk),
                "sk": _s(f"{at}#{entry_id}"),
                "body": _json({"id": entry_id, "at": at, **record}),
                "expires_at": _n(expires_at),
            },
        )
        return entry_id

    def newest_in_log(self, pk: str, now: int, limit: int) -> list[dict[str, Any]]:
        """The log's newest records first; as a Query's, `limit` counts expired ones too."""
        out = self.client.query(
            TableName=self.name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(pk)},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_unjson(i) for i in out.get("Items", []) if not _expired(i, now)]

    def query_all(self, **kwargs: Any) -> list[dict[str, Any]]:
        """Every page of one Query."""
        items: list[dict[str, Any]] = []
        kwargs["TableName"] = self.name
        while True:
            out = self.client.query(**kwargs)
            items.extend(out.get("Items", []))
            if "LastEvaluatedKey" not in out:
                return items
            kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    def transact(self, labelled: list[tuple[str, dict[str, Any]]]) -> None:
        """One TransactWriteItems of labelled items; a refused condition raises Rejected
        with what its label means (_REFUSED_BY)."""
        client = self.client
        try:
            client.transact_write_items(TransactItems=[item for _, item in labelled])
        except client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            # One reason per item when DynamoDB gives them; none at all otherwise.
            for (label, _), reason in zip(labelled, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    raise Rejected(_REFUSED_BY[label]) from None
            if any(r.get("Code") in _THROTTLED_REASONS for r in reasons):
                log.warning("storage unavailable", extra={"call": "transact_write_items", "error": "throttled"})
                raise StorageUnavailable("transaction throttled") from None
            if any(r.get("Code") == "TransactionConflict" for r in reasons):
                # Another transaction held one of the items (the capacity counter, most
                # likely): nothing was written, the caller tries again.
                raise Rejected(Refusal.CONFLICT) from None
            raise
