"""RequestStore over the table: requests, their timeline, references, idempotency records
and per-IP counters.

  REQ#<id>      / META              the request (status, association, routing, fields)
  REQ#<id>      / EVENT#<at>#<n>    its timeline
  REF#<ref>     / REF               reference -> id, and the reference's uniqueness
  IDEM#<key>    / IDEM              idempotency record (API key or form submission id)
  RATE#<key>    / RATE              per-IP submission counter of one time window
  COUNTS        / STATUS#<status>#<day>   how many requests created that UTC day are in
                                    that status (n), moved in the same transactions

The console's tabs read the counts with one Query of the COUNTS partition: at most one
item per status and day of retention, whatever the number of requests. A counter item
expires at the end of the day its requests expire (counts.counter_expiry), so a request
stops being counted at most a day after its own deletion. META items also carry
`last_event` (the type of the newest timeline event) for the queue's activity badges.

An intake and every later state change are each ONE transaction, which also holds the
mails (outbox.mail_item) and the load counter moves (directory.take_capacity /
release_capacity): those item shapes stay written by their own port's module.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Optional

from ...domain.reference import is_reference
from ...services.ports import Event, IntakeWrite, StoredIdempotency, Transition
from ...domain.statistics import change_counts
from . import directory, outbox, stats
from .table import DynamoTable, _expired, _json, _n, _s, _unjson, chunks

FEED_PK = "REQUESTS"
COUNTS_PK = "COUNTS"


def counter_expiry(expires_at: int) -> int:
    """A status counter of one creation day lives until the end of the day its requests
    expire: with one retention for all, every request of that day expires that day."""
    return (int(expires_at) // 86400 + 1) * 86400


def count_move(table_name: str, status: str, created_at: str, delta: int, expires_at: int) -> dict[str, Any]:
    """A transaction's Update moving the counter of (status, creation day) by `delta`."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": {"pk": _s(COUNTS_PK), "sk": _s(f"STATUS#{status}#{created_at[:10]}")},
            "UpdateExpression": "ADD n :d SET expires_at = :exp",
            "ExpressionAttributeValues": {":d": _n(delta), ":exp": _n(counter_expiry(expires_at))},
        }
    }


def event_item(request_id: str, e: Event, n: int, expires_at: int) -> dict[str, Any]:
    return {
        "pk": _s(f"REQ#{request_id}"),
        # n: the event's rank in the request's timeline, so that events written in the
        # same instant still read in the order they happened.
        "sk": _s(f"EVENT#{e.at}#{n:04d}"),
        "body": _json({"at": e.at, "seq": n, "type": e.type, "actor": e.actor, "detail": e.detail}),
        "expires_at": _n(expires_at),
    }


class DynamoRequestStore:
    """RequestStore: the intake transaction, the transitions, reads and lists."""

    def __init__(self, table: DynamoTable, mail_grace_seconds: int = 120):
        self.table = table
        self.mail_grace_seconds = mail_grace_seconds  # see outbox.mail_item

    # -- writing -------------------------------------------------------------------

    def commit_intake(self, w: IntakeWrite) -> None:
        req = w.request
        rid, created = req["id"], req["created_at"]
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
            "list_sk": _s(f"{created}#{rid}"),
        }
        if w.events:
            meta["last_event"] = _s(w.events[-1].type)
        if req.get("association_id"):
            meta["association_pk"] = _s(f"ASSOC#{req['association_id']}")
            # Top-level, for the conditions of the association's answer and the sweeper.
            meta["attempt"] = _n(req["attempt"])
            meta["assigned_at"] = _n(req["assigned_at"])
        put = self.table.put
        reference = {"pk": _s(f"REF#{req['reference']}"), "sk": _s("REF"), "id": _s(rid), "expires_at": _n(w.expires_at)}
        labelled: list[tuple[str, dict[str, Any]]] = [("request", put(meta)), ("reference", put(reference))]
        labelled += [("event", put(event_item(rid, e, i, w.expires_at))) for i, e in enumerate(w.events)]
        labelled += [
            ("mail", put(outbox.mail_item(m, created, w.mail_expires_at, self.mail_grace_seconds))) for m in w.mails
        ]
        if w.idempotency_key:
            record = {
                "pk": _s(f"IDEM#{w.idempotency_key}"),
                "sk": _s("IDEM"),
                "fingerprint": _s(w.idempotency_fingerprint or ""),
                "body": _json(w.idempotency_response),
                "expires_at": _n(w.idempotency_expires_at),
            }
            idempotency = put(record)
            # Taken only while unexpired: DynamoDB deletes expired items up to days later.
            idempotency["Put"]["ConditionExpression"] = "attribute_not_exists(pk) OR expires_at <= :now"
            idempotency["Put"]["ExpressionAttributeValues"] = {":now": _n(w.at)}
            labelled.append(("idempotency", idempotency))
        if w.rate_key:
            rate = {
                "TableName": self.table.name,
                "Key": {"pk": _s(f"RATE#{w.rate_key}"), "sk": _s("RATE")},
                "UpdateExpression": "ADD n :one SET expires_at = :exp",
                "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
                "ExpressionAttributeValues": {":one": _n(1), ":limit": _n(w.rate_limit), ":exp": _n(w.rate_expires_at)},
            }
            labelled.append(("rate", {"Update": rate}))
        if w.capacity_of:
            labelled.append(("capacity", directory.take_capacity(self.table.name, *w.capacity_of)))
        labelled.append(("count", count_move(self.table.name, req["status"], created, 1, w.expires_at)))
        labelled += stats.aggregate_updates(self.table.name, change_counts(w.events, req))  # console statistics
        self.table.transact(labelled)

    def commit_transition(self, t: Transition) -> None:
        """One state change of a request, all or nothing, and only from the state it saw.

        The condition on status and attempt is what makes two answers racing (two clicks,
        a click and the sweeper) end in one outcome: the second is refused.
        """
        self.table.transact(self._transition_items(t))

    def _transition_items(self, t: Transition) -> list[tuple[str, dict[str, Any]]]:
        req = t.request
        rid = req["id"]
        values: dict[str, Any] = {
            ":seen_status": _s(t.from_status),
            ":seen_attempt": _n(t.from_attempt),
            ":status": _s(req["status"]),
            ":status_pk": _s(f"STATUS#{req['status']}"),
            ":body": _json({k: v for k, v in req.items() if k not in {"events", "expires_at"}}),
        }
        sets = ["#status = :status", "status_pk = :status_pk", "body = :body"]
        removes = []
        if t.events:
            values[":last_event"] = _s(t.events[-1].type)
            sets.append("last_event = :last_event")
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
        update = {
            "TableName": self.table.name,
            "Key": {"pk": _s(f"REQ#{rid}"), "sk": _s("META")},
            "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            # A request never routed (triage from the start) has no attempt yet: attempt 0.
            "ConditionExpression": "#status = :seen_status AND "
            + ("(attempt = :seen_attempt OR attribute_not_exists(attempt))" if t.from_attempt == 0 else "attempt = :seen_attempt"),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        put = self.table.put
        labelled: list[tuple[str, dict[str, Any]]] = [("request", {"Update": update})]
        labelled += [("event", put(event_item(rid, e, t.event_seq + i, t.expires_at))) for i, e in enumerate(t.events)]
        labelled += [
            ("mail", put(outbox.mail_item(m, req["updated_at"], t.mail_expires_at, self.mail_grace_seconds)))
            for m in t.mails
        ]
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                labelled.append(("capacity", directory.take_capacity(self.table.name, association_id, capacity)))
            else:
                labelled.append(("release", directory.release_capacity(self.table.name, association_id, delta)))
        if t.from_status != req["status"]:
            created = req["created_at"]
            labelled.append(("count", count_move(self.table.name, t.from_status, created, -1, t.expires_at)))
            labelled.append(("count", count_move(self.table.name, req["status"], created, 1, t.expires_at)))
        labelled += stats.aggregate_updates(self.table.name, change_counts(t.events, req, t.assigned_before))
        return labelled

    def erase_request(self, t: Transition, timeline: list[dict[str, Any]]) -> None:
        """An erasure: the transition (the anonymised record, its `erased` event) and the
        timeline's events rewritten in place (`timeline`: each stored event, scrubbed), in
        one transaction while it fits; the rest of a very long timeline right after."""
        labelled = self._transition_items(t)
        room = max(0, 100 - len(labelled))
        rid = t.request["id"]
        items = [_scrubbed_item(rid, e, t.expires_at) for e in timeline]
        labelled += [("rewrite", self.table.put(i, new_only=False)) for i in items[:room]]
        self.table.transact(labelled)
        for batch in chunks(items[room:], 25):
            self.table.client.batch_write_item(RequestItems={self.table.name: [{"PutRequest": {"Item": i}} for i in batch]})

    def append_event(self, request_id: str, event: Event, seq: int, expires_at: int) -> bool:
        """Add a timeline event to an existing request; False if there is no such request
        (or the rank is taken)."""
        client = self.table.client
        # The request's newest event type moves with it (the queue's activity badge).
        exists = {
            "TableName": self.table.name,
            "Key": {"pk": _s(f"REQ#{request_id}"), "sk": _s("META")},
            "UpdateExpression": "SET last_event = :t",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":t": _s(event.type)},
        }
        try:
            client.transact_write_items(
                TransactItems=[{"Update": exists}, self.table.put(event_item(request_id, event, seq, expires_at))]
            )
        except client.exceptions.TransactionCanceledException:
            return False
        return True

    # -- reading -------------------------------------------------------------------

    def idempotency(self, key: str, now: int) -> Optional[StoredIdempotency]:
        item = self.table.client.get_item(
            TableName=self.table.name, Key={"pk": _s(f"IDEM#{key}"), "sk": _s("IDEM")}, ConsistentRead=True
        ).get("Item")
        if not item or _expired(item, now):
            return None
        return StoredIdempotency(item["fingerprint"]["S"], _unjson(item))

    def get_request(self, id_or_reference: str, now: int) -> Optional[dict[str, Any]]:
        rid = id_or_reference
        if is_reference(id_or_reference):
            ref = self.table.client.get_item(
                TableName=self.table.name, Key={"pk": _s(f"REF#{id_or_reference}"), "sk": _s("REF")}, ConsistentRead=True
            ).get("Item")
            if not ref or _expired(ref, now):
                return None
            rid = ref["id"]["S"]
        items = self.table.query_all(
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
            "TableName": self.table.name,
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
        out = self.table.client.query(**args)
        last = out.get("LastEvaluatedKey")
        next_cursor = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
        return [_unjson(i) for i in out.get("Items", [])], next_cursor

    def routed_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
        """Requests waiting on an association since before `before_epoch` (the sweeper)."""
        items = self.table.query_all(
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

    # -- the console's queue ---------------------------------------------------------

    def status_counts(self, now: int) -> dict[str, int]:
        """How many stored requests are in each status: one Query of the COUNTS
        partition (its items are per status and creation day), never a Scan."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :st)",
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues={":pk": _s(COUNTS_PK), ":st": _s("STATUS#"), ":now": _n(now)},
        )
        counts: dict[str, int] = {}
        for item in items:
            status = item["sk"]["S"].split("#")[1]
            counts[status] = counts.get(status, 0) + int(item["n"]["N"])
        return counts

    def queue_page(
        self, now: int, status: Optional[str], association: Optional[str], created_from: Optional[str],
        created_to: Optional[str], limit: int, cursor: Optional[str],
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        """One page of the console's queue, newest first: a status, an association (its
        index, the status filtered), or every request; creation times in [from, to) as a
        key condition. Each record has `last_event` (the activity badge). As a Query with a
        filter, `limit` counts the items read, expired ones included."""
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
        condition = f"{key[0]} = :k"
        if created_from or created_to:
            values[":from"] = _s(created_from or "")
            values[":to"] = _s(created_to or "\uffff")
            condition += " AND list_sk BETWEEN :from AND :to"
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "FilterExpression": " AND ".join(filters),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            args["ExclusiveStartKey"] = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        out = self.table.client.query(**args)
        last = out.get("LastEvaluatedKey")
        next_cursor = base64.urlsafe_b64encode(json.dumps(last).encode()).decode() if last else None
        rows = []
        for item in out.get("Items", []):
            record = _unjson(item)
            record["last_event"] = item.get("last_event", {}).get("S")
            rows.append(record)
        return rows, next_cursor


def _scrubbed_item(request_id: str, e: dict[str, Any], expires_at: int) -> dict[str, Any]:
    """A stored event written again, at its own key, with its scrubbed content."""
    return {
        "pk": _s(f"REQ#{request_id}"),
        "sk": _s(f"EVENT#{e['at']}#{int(e['seq']):04d}"),
        "body": _json(e),
        "expires_at": _n(expires_at),
    }
