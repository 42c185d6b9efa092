"""DynamoDB: the one table every record lives in (single-table design, see README).

Items (pk / sk):
  REQ#<id>      / META                    the request (status, association, routing, fields)
  REQ#<id>      / EVENT#<at>#<n>          its timeline
  REF#<ref>     / REF                     reference -> id, and the reference's uniqueness
  IDEM#<key>    / IDEM                    idempotency record (API key or form submission id)
  RATE#<key>    / RATE                    per-IP submission counter of one time window
  MAIL#<id>     / MAIL                    outbox message (pending -> sending -> sent | failed)
  DIRECTORY     / ASSOC#<id>              one association of the directory
  DIRECTORY     / LOAD#<id>               how many requests wait on it (capacity)
  QUARANTINE    / <at>#<id>               inbound mail that could not be parsed, for an operator
  ACK#<sender>  / <window>                acknowledgements sent to one mail sender (rate limit)
  DIRECTORY     / FLAG#<id>#<address>     an association address whose mail bounced

Every item holding personal data carries `expires_at` (the table's TTL attribute) and
every read ignores expired items, since DynamoDB deletes them only eventually.
The table has a stream (NEW_IMAGE): each outbox item inserted is sent by its consumer
(adapters/mail_stream.py), and an item is due for the sweeper only a grace period later.
The boto3 client is created on first use, never at import (cold start, missing region).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from typing import Any, Iterable, Optional, Sequence

from ..domain.models import Association
from ..services.ports import (
    ClaimedMail,
    Event,
    Transition,
    IntakeWrite,
    OutgoingMail,
    Refusal,
    Rejected,
    StorageUnavailable,
    StoredIdempotency,
)

# Error codes that mean "DynamoDB cannot take this now" once botocore's retries are spent.
_OUTAGE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
})
_THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})


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


log = logging.getLogger(__name__)

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

DIRECTORY_PK = "DIRECTORY"
OUTBOX_DUE_PK = "OUTBOX"
OUTBOX_FAILED_PK = "OUTBOX_FAILED"  # mails given up, listed for operators
FEED_PK = "REQUESTS"

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
    client.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    return True


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


def _put(table: str, item: dict[str, Any], new_only: bool = True) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": item}
    if new_only:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": put}


class DynamoStore:
    """RequestStore, DirectoryStore and OutboxStore over one DynamoDB table."""

    def __init__(self, table: str, client_factory, mail_grace_seconds: int = 120):
        self.table = table
        self._client_factory = client_factory
        # A new mail is due for the sweeper this long after its creation: the stream's
        # consumer sends it first, and the sweeper takes only what the stream missed.
        self.mail_grace_seconds = mail_grace_seconds
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = _OutageAware(self._client_factory())
        return self._client

    # -- intake --------------------------------------------------------------------

    def commit_intake(self, w: IntakeWrite) -> None:
        req = w.request
        rid, created = req["id"], req["created_at"]
        list_sk = f"{created}#{rid}"
        meta = {
            "pk": _s(f"REQ#{rid}"),
            "sk": _s("META"),
            "status": _s(req["status"]),
            "reference": _s(req["reference"]),
            "created_at": _s(created),
            "body": _json(req),
            "expires_at": _n(w.expires_at),
            "status_pk": _s(f"STATUS#{req['status']}"),
            "feed_pk": _s(FEED_PK),
            "list_sk": _s(list_sk),
        }
        if req.get("association_id"):
            meta["association_pk"] = _s(f"ASSOC#{req['association_id']}")
            # Top-level, for the conditions of the association's answer and the sweeper.
            meta["attempt"] = _n(req["attempt"])
            meta["assigned_at"] = _n(req["assigned_at"])
        labelled: list[tuple[str, dict[str, Any]]] = [
            ("request", _put(self.table, meta)),
            (
                "reference",
                _put(
                    self.table,
                    {
                        "pk": _s(f"REF#{req['reference']}"),
                        "sk": _s("REF"),
                        "id": _s(rid),
                        "expires_at": _n(w.expires_at),
                    },
                ),
            ),
        ]
        labelled += [("event", _put(self.table, self._event_item(rid, e, i, w.expires_at))) for i, e in enumerate(w.events)]
        labelled += [("mail", _put(self.table, self._mail_item(m, created, w.mail_expires_at))) for m in w.mails]
        if w.idempotency_key:
            labelled.append(
                (
                    "idempotency",
                    _put(
                        self.table,
                        {
                            "pk": _s(f"IDEM#{w.idempotency_key}"),
                            "sk": _s("IDEM"),
                            "fingerprint": _s(w.idempotency_fingerprint or ""),
                            "body": _json(w.idempotency_response),
                            "expires_at": _n(w.idempotency_expires_at),
                        },
                    ),
                )
            )
        if w.rate_key:
            labelled.append(
                (
                    "rate",
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": {"pk": _s(f"RATE#{w.rate_key}"), "sk": _s("RATE")},
                            "UpdateExpression": "ADD n :one SET expires_at = :exp",
                            "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
                            "ExpressionAttributeValues": {
                                ":one": _n(1),
                                ":limit": _n(w.rate_limit),
                                ":exp": _n(w.rate_expires_at),
                            },
                        }
                    },
                )
            )
        if w.capacity_of:
            labelled.append(("capacity", self._take_capacity(*w.capacity_of)))
        self._transact(labelled)

    def _take_capacity(self, association_id: str, capacity: Optional[int]) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"pk": _s(DIRECTORY_PK), "sk": _s(f"LOAD#{association_id}")},
            "UpdateExpression": "ADD in_use :one",
            "ExpressionAttributeValues": {":one": _n(1)},
        }
        if capacity is not None:
            # The atomic guard: never more waiting requests than the capacity, however
            # many intakes race for the last place.
            update["ConditionExpression"] = "attribute_not_exists(in_use) OR in_use < :cap"
            update["ExpressionAttributeValues"][":cap"] = _n(capacity)
        return {"Update": update}

    def _transact(self, labelled: list[tuple[str, dict[str, Any]]]) -> None:
        client = self.client
        try:
            client.transact_write_items(TransactItems=[item for _, item in labelled])
        except client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            for (label, _), reason in zip(labelled, reasons):
                if reason.get("Code") == "ConditionalCheckFailed":
                    # An event already at that rank: another change of the same request won.
                    raise Rejected(_REFUSED_BY[label]) from None
            if any(r.get("Code") in _THROTTLED_REASONS for r in reasons):
                log.warning("storage unavailable", extra={"call": "transact_write_items", "error": "throttled"})
                raise StorageUnavailable("transaction throttled") from None
            if any(r.get("Code") == "TransactionConflict" for r in reasons):
                # Another transaction held one of the items (the capacity counter, most
                # likely): nothing was written, the caller tries again.
                raise Rejected(Refusal.CONFLICT) from None
            raise

    @staticmethod
    def _event_item(request_id: str, e: Event, n: int, expires_at: int) -> dict[str, Any]:
        return {
            "pk": _s(f"REQ#{request_id}"),
            # n: the event's rank in the request's timeline, so that events written in the
            # same instant still read in the order they happened.
            "sk": _s(f"EVENT#{e.at}#{n:04d}"),
            "body": _json({"at": e.at, "seq": n, "type": e.type, "actor": e.actor, "detail": e.detail}),
            "expires_at": _n(expires_at),
        }

    def _mail_item(self, m: OutgoingMail, created: str, expires_at: int) -> dict[str, Any]:
        from datetime import datetime

        due = int(datetime.fromisoformat(created).timestamp()) + self.mail_grace_seconds
        return {
            "pk": _s(f"MAIL#{m.id}"),
            "sk": _s("MAIL"),
            "body": _json(
                {
                    "id": m.id,
                    "message_id": m.message_id,
                    "to": list(m.to),
                    "subject": m.subject,
                    "text": m.text,
                    "html": m.html,
                    "auto_submitted": m.auto_submitted,
                    "request_id": m.request_id,
                    "kind": m.kind,
                    "reply_to": m.reply_to,
                    "in_reply_to": m.in_reply_to,
                }
            ),
            "state": _s("pending"),
            "attempts": _n(0),
            "due_pk": _s(OUTBOX_DUE_PK),
            "due_sk": _s(f"{_iso(due)}#{m.id}"),
            "expires_at": _n(expires_at),
        }

    def idempotency(self, key: str, now: int) -> Optional[StoredIdempotency]:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"IDEM#{key}"), "sk": _s("IDEM")}, ConsistentRead=True
        ).get("Item")
        if not item or _expired(item, now):
            return None
        return StoredIdempotency(item["fingerprint"]["S"], _unjson(item))

    def commit_transition(self, t: Transition) -> None:
        """One state change of a request, all or nothing, and only from the state it saw.

        The condition on status and attempt is what makes two answers racing (two clicks,
        a click and the sweeper) end in one outcome: the second is refused.
        """
        req = t.request
        rid = req["id"]
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":seen_status": _s(t.from_status),
            ":seen_attempt": _n(t.from_attempt),
            ":status": _s(req["status"]),
            ":status_pk": _s(f"STATUS#{req['status']}"),
            ":body": _json({k: v for k, v in req.items() if k not in {"events", "expires_at"}}),
        }
        sets = ["#status = :status", "status_pk = :status_pk", "body = :body"]
        removes = []
        if req.get("association_id"):
            values[":assoc_pk"] = _s(f"ASSOC#{req['association_id']}")
            values[":attempt"] = _n(req["attempt"])
            values[":assigned_at"] = _n(req["assigned_at"])
            sets += ["association_pk = :assoc_pk", "attempt = :attempt", "assigned_at = :assigned_at"]
        else:
            removes.append("association_pk")
        if req.get("reminded_at"):
            values[":reminded"] = _n(req["reminded_at"])
            sets.append("reminded_at = :reminded")
        else:
            removes.append("reminded_at")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        labelled: list[tuple[str, dict[str, Any]]] = [
            (
                "request",
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {"pk": _s(f"REQ#{rid}"), "sk": _s("META")},
                        "UpdateExpression": expression,
                        "ConditionExpression": "#status = :seen_status AND attempt = :seen_attempt",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                },
            )
        ]
        labelled += [
            ("event", _put(self.table, self._event_item(rid, e, t.event_seq + i, t.expires_at)))
            for i, e in enumerate(t.events)
        ]
        labelled += [("mail", _put(self.table, self._mail_item(m, req["updated_at"], t.mail_expires_at))) for m in t.mails]
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                labelled.append(("capacity", self._take_capacity(association_id, capacity)))
            else:
                labelled.append(
                    (
                        "release",
                        {
                            "Update": {
                                "TableName": self.table,
                                "Key": {"pk": _s(DIRECTORY_PK), "sk": _s(f"LOAD#{association_id}")},
                                # Unconditional: every release pairs with a take made in the
                                # same kind of transaction, so the count cannot go below zero.
                                "UpdateExpression": "ADD in_use :minus",
                                "ExpressionAttributeValues": {":minus": _n(delta)},
                            }
                        },
                    )
                )
        self._transact(labelled)

    def routed_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
        """Requests waiting on an association since before `before_epoch` (the sweeper)."""
        items = self._query_all(
            IndexName="by_status",
            KeyConditionExpression="status_pk = :pk",
            FilterExpression="assigned_at <= :before AND expires_at > :now",
            ExpressionAttributeValues={":pk": _s("STATUS#routed"), ":before": _n(before_epoch), ":now": _n(now)},
        )
        out = []
        for item in items:
            request = _unjson(item)
            request["expires_at"] = int(item["expires_at"]["N"])
            out.append(request)
        return out

    def flag_address(self, association_id: str, address: str, at: str, reason: str) -> None:
        """Remember that mail to this address bounced: operators fix the directory."""
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": _s(DIRECTORY_PK),
                "sk": _s(f"FLAG#{association_id}#{address}"),
                "body": _json({"association": association_id, "address": address, "at": at, "reason": reason}),
            },
        )

    def address_flags(self) -> list[dict[str, Any]]:
        items = self._query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :f)",
            ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":f": _s("FLAG#")},
        )
        return [_unjson(i) for i in items]

    def append_event(self, request_id: str, event: Event, seq: int, expires_at: int) -> bool:
        """Add a timeline event to an existing request; False if there is no such request."""
        client = self.client
        item = self._event_item(request_id, event, seq, expires_at)
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": {"pk": _s(f"REQ#{request_id}"), "sk": _s("META")},
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    _put(self.table, item),
                ]
            )
        except client.exceptions.TransactionCanceledException:
            return False
        return True

    def take_ack_budget(self, sender_key: str, window: int, limit: int, expires_at: int) -> bool:
        """Count one acknowledgement to this sender in this window; False when over the limit."""
        client = self.client
        try:
            client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"ACK#{sender_key}"), "sk": _s(str(window))},
                UpdateExpression="ADD n :one SET expires_at = :exp",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeValues={":one": _n(1), ":limit": _n(limit), ":exp": _n(expires_at)},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def take_sender_budget(self, sender_key: str, day: int, limit: int, expires_at: int) -> bool:
        """Count one mail-intake request from this sender on this day; False when over the limit."""
        client = self.client
        try:
            client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"SENDER#{sender_key}"), "sk": _s(str(day))},
                UpdateExpression="ADD n :one SET expires_at = :exp",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeValues={":one": _n(1), ":limit": _n(limit), ":exp": _n(expires_at)},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def quarantine(self, at: str, record: dict[str, Any], expires_at: int) -> str:
        qid = uuid.uuid4().hex
        self.client.put_item(
            TableName=self.table,
            Item={
                "pk": _s("QUARANTINE"),
                "sk": _s(f"{at}#{qid}"),
                "body": _json({"id": qid, "at": at, **record}),
                "expires_at": _n(expires_at),
            },
        )
        return qid

    def list_quarantine(self, now: int, limit: int) -> list[dict[str, Any]]:
        out = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s("QUARANTINE")},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [_unjson(i) for i in out.get("Items", []) if not _expired(i, now)]

    # -- reading requests ----------------------------------------------------------

    def get_request(self, id_or_reference: str, now: int) -> Optional[dict[str, Any]]:
        rid = id_or_reference
        if id_or_reference.isupper() or "-" in id_or_reference:
            ref = self.client.get_item(
                TableName=self.table, Key={"pk": _s(f"REF#{id_or_reference}"), "sk": _s("REF")}, ConsistentRead=True
            ).get("Item")
            if not ref or _expired(ref, now):
                return None
            rid = ref["id"]["S"]
        items = self._query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(f"REQ#{rid}")}, ConsistentRead=True
        )
        meta = next((i for i in items if i["sk"]["S"] == "META"), None)
        if meta is None or _expired(meta, now):
            return None
        request = _unjson(meta)
        request["expires_at"] = int(meta["expires_at"]["N"])
        request["events"] = [_unjson(i) for i in items if i["sk"]["S"].startswith("EVENT#") and not _expired(i, now)]
        return request

    def list_requests(
        self, now: int, status: Optional[str], association: Optional[str], limit: int, cursor: Optional[str]
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        names: dict[str, str] = {"#exp": "expires_at"}
        values: dict[str, Any] = {":now": _n(now)}
        filters = ["#exp > :now"]
        if association:
            index, key = "by_association", ("association_pk", f"ASSOC#{association}")
            if status:
                names["#st"] = "status"
                values[":st"] = _s(status)
                filters.append("#st = :st")
        elif status:
            index, key = "by_status", ("status_pk", f"STATUS#{status}")
        else:
            index, key = "by_created", ("feed_pk", FEED_PK)
        values[":k"] = _s(key[1])
        args: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": f"{key[0]} = :k",
            "FilterExpression": " AND ".join(filters),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,  # newest first
            "Limit": limit,
        }
        if cursor:
            args["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        out = self.client.query(**args)
        last = out.get("LastEvaluatedKey")
        next_cursor = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
        return [_unjson(i) for i in out.get("Items", [])], next_cursor

    def _query_all(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs["TableName"] = self.table
        while True:
            out = self.client.query(**kwargs)
            items.extend(out.get("Items", []))
            if "LastEvaluatedKey" not in out:
                return items
            kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]

    # -- directory -----------------------------------------------------------------

    def load_directory(self) -> tuple[list[Association], dict[str, int]]:
        items = self._query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(DIRECTORY_PK)}, ConsistentRead=True
        )
        associations, load = [], {}
        for item in items:
            sk = item["sk"]["S"]
            if sk.startswith("ASSOC#"):
                associations.append(Association.model_validate(_unjson(item)))
            elif sk.startswith("LOAD#"):
                load[sk[5:]] = int(item.get("in_use", {"N": "0"})["N"])
        return associations, load

    def load_counts(self) -> dict[str, int]:
        items = self._query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :load)",
            ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":load": _s("LOAD#")},
            ConsistentRead=True,
        )
        return {i["sk"]["S"][5:]: int(i.get("in_use", {"N": "0"})["N"]) for i in items}

    def replace_directory(self, associations: Sequence[Association]) -> None:
        """Put the new entries and delete the others; load counters are kept.

        One transaction when it fits (100 items, the usual case): readers never see a
        half-replaced directory. A larger directory is written in chunks.
        """
        current = self._query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
            ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":a": _s("ASSOC#")},
            ProjectionExpression="sk",
            ConsistentRead=True,
        )
        keep = {f"ASSOC#{a.id}" for a in associations}
        ops: list[dict[str, Any]] = [
            _put(
                self.table,
                {"pk": _s(DIRECTORY_PK), "sk": _s(f"ASSOC#{a.id}"), "body": _json(a.model_dump(mode="json"))},
                new_only=False,
            )
            for a in associations
        ]
        ops += [
            {"Delete": {"TableName": self.table, "Key": {"pk": _s(DIRECTORY_PK), "sk": i["sk"]}}}
            for i in current
            if i["sk"]["S"] not in keep
        ]
        for chunk in _chunks(ops, 100):
            self.client.transact_write_items(TransactItems=chunk)

    # -- outbox ------------------------------------------------------------------

    def claim_mail(self, mail_id: str, now: int, lease_seconds: int) -> Optional[ClaimedMail]:
        """Take a mail for sending: `pending` -> `sending`, the attempt recorded before any
        send. Also takes a mail left `sending` past its lease (an attempt cut off), marked
        `interrupted` for reconciliation. None if sent, given up, or held by another."""
        client = self.client
        until = now + lease_seconds
        try:
            out = client.update_item(
                TableName=self.table,
                Key={"pk": _s(f"MAIL#{mail_id}"), "sk": _s("MAIL")},
                # due_sk moves to the lease's end: a claim that is never marked shows up
                # in the sweeper's query then, and is reconciled.
                UpdateExpression=(
                    "SET #state = :sending, attempt_at = :now, lease_until = :until, due_pk = :due_pk, due_sk = :due"
                ),
                ConditionExpression=(
                    "(#state = :pending AND (attribute_not_exists(lease_until) OR lease_until < :now))"
                    " OR (#state = :sending AND lease_until < :now)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":pending": _s("pending"),
                    ":sending": _s("sending"),
                    ":now": _n(now),
                    ":until": _n(until),
                    ":due_pk": _s(OUTBOX_DUE_PK),
                    ":due": _s(f"{_iso(until)}#{mail_id}"),
                },
                ReturnValues="ALL_OLD",  # the state it was in tells a fresh claim from a cut-off one
            )
        except client.exceptions.ConditionalCheckFailedException:
            return None
        old = out["Attributes"]
        b = _unjson(old)
        mail = OutgoingMail(
            id=b["id"],
            message_id=b["message_id"],
            to=tuple(b["to"]),
            subject=b["subject"],
            text=b["text"],
            html=b["html"],
            auto_submitted=b["auto_submitted"],
            request_id=b.get("request_id"),
            kind=b.get("kind", ""),
            attempts=int(old["attempts"]["N"]),
            reply_to=b.get("reply_to"),
            in_reply_to=b.get("in_reply_to"),
        )
        return ClaimedMail(mail, interrupted=old["state"]["S"] == "sending")

    def mark_sent(self, mail_id: str, now: int, provider_message_id: Optional[str] = None) -> None:
        values = {":sent": _s("sent"), ":now": _n(now)}
        extra = ""
        if provider_message_id:
            values[":pid"] = _s(provider_message_id)
            extra = ", provider_message_id = :pid"
        self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(f"MAIL#{mail_id}"), "sk": _s("MAIL")},
            # Leaving the sparse outbox_due index is what takes it off the sweeper's list.
            UpdateExpression=f"SET #state = :sent, sent_at = :now{extra} REMOVE due_pk, due_sk, lease_until",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=values,
        )

    def mark_failed(self, mail_id: str, now: int, retry_at: int, error: str) -> None:
        """A sure failure: `pending` again, due for the sweeper at `retry_at`."""
        self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(f"MAIL#{mail_id}"), "sk": _s("MAIL")},
            UpdateExpression=(
                "SET #state = :pending, due_pk = :due_pk, due_sk = :due, last_error = :err "
                "ADD attempts :one REMOVE lease_until"
            ),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":pending": _s("pending"),
                ":due_pk": _s(OUTBOX_DUE_PK),
                ":due": _s(f"{_iso(retry_at)}#{mail_id}"),
                ":err": _s(error[:500]),
                ":one": _n(1),
            },
        )

    def mark_failed_permanently(self, mail_id: str, now: int, error: str) -> None:
        """State `failed`: off the sweeper's list, onto the operators' list (same sparse
        index, partition OUTBOX_FAILED), so that neither needs a Scan."""
        self.client.update_item(
            TableName=self.table,
            Key={"pk": _s(f"MAIL#{mail_id}"), "sk": _s("MAIL")},
            UpdateExpression=(
                "SET #state = :failed, failed_at = :now, last_error = :err, due_pk = :failed_pk, due_sk = :due "
                "ADD attempts :one REMOVE lease_until"
            ),
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":failed": _s("failed"),
                ":now": _n(now),
                ":err": _s(error[:500]),
                ":failed_pk": _s(OUTBOX_FAILED_PK),
                ":due": _s(f"{_iso(now)}#{mail_id}"),
                ":one": _n(1),
            },
        )

    def failed_mails(self, now: int, limit: int) -> list[dict[str, Any]]:
        """Mails given up, newest first: what an operator needs to act, not the bodies."""
        out = self.client.query(
            TableName=self.table,
            IndexName="outbox_due",
            KeyConditionExpression="due_pk = :pk",
            ExpressionAttributeValues={":pk": _s(OUTBOX_FAILED_PK)},
            ScanIndexForward=False,
            Limit=limit,
        )
        items = []
        for i in out.get("Items", []):
            if _expired(i, now):
                continue
            b = _unjson(i)
            items.append(
                {
                    "id": b["id"],
                    "kind": b.get("kind", ""),
                    "request_id": b.get("request_id"),
                    "to": b.get("to", []),
                    "state": i["state"]["S"],
                    "attempts": int(i["attempts"]["N"]),
                    "failed_at": _iso(int(i["failed_at"]["N"])),
                    "error": i.get("last_error", {}).get("S", ""),
                }
            )
        return items

    def due_mails(self, now: int, limit: int) -> list[str]:
        out = self.client.query(
            TableName=self.table,
            IndexName="outbox_due",
            KeyConditionExpression="due_pk = :pk AND due_sk <= :now",
            ExpressionAttributeValues={":pk": _s(OUTBOX_DUE_PK), ":now": _s(f"{_iso(now)}#~")},
            Limit=limit,
        )
        return [i["pk"]["S"][5:] for i in out.get("Items", [])]

    def mail_state(self, mail_id: str) -> Optional[dict[str, Any]]:
        item = self.client.get_item(
            TableName=self.table, Key={"pk": _s(f"MAIL#{mail_id}"), "sk": _s("MAIL")}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        state = {"state": item["state"]["S"], "attempts": int(item["attempts"]["N"]), **_unjson(item)}
        if "provider_message_id" in item:
            state["provider_message_id"] = item["provider_message_id"]["S"]
        if "last_error" in item:
            state["last_error"] = item["last_error"]["S"]
        if "attempt_at" in item:
            state["attempt_at"] = int(item["attempt_at"]["N"])
        return state


def _iso(ts: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
