"""MentorStore over the table: volunteers' sign-ups (contract section 11).

  MENTOR#<id>   / META                       the sign-up (status, association, routing, fields)
  MENTOR#<id>   / EVENT#<at>#<n>             its timeline
  MREF#<ref>    / REF                        reference -> id, and the reference's uniqueness
  DIRECTORY     / MENTOR_LOAD#<association>  sign-ups waiting on the association (`in_use`)
  IDEM#<key>, RATE#<key>                     the same items as requests' (requests.py)

The sign-up's items use the table's indexes with partition values of their own
(`MENTOR_STATUS#<status>`, `MENTOR_ASSOC#<id>`, `MENTORS`), so that lists and counts are
Queries, never a Scan, and never mix requests with sign-ups. One sign-up, and each later
change, is ONE transaction with its mails (outbox.mail_item) and mentor load counter.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Optional

from ...services.ports import Event, MentorTransition, MentorWrite, StoredIdempotency
from . import outbox
from .directory import DIRECTORY_PK
from .table import DynamoTable, _expired, _json, _n, _s, _unjson

MENTOR_FEED_PK = "MENTORS"
STATUSES = ("needs_triage", "routed", "accepted", "closed")


def mentor_load_key(association_id: str) -> dict[str, Any]:
    return {"pk": _s(DIRECTORY_PK), "sk": _s(f"MENTOR_LOAD#{association_id}")}


def take_mentor_capacity(table: str, association_id: str, capacity: Optional[int]) -> dict[str, Any]:
    """One more sign-up waiting on the association, refused at its mentor capacity."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": mentor_load_key(association_id),
        "UpdateExpression": "ADD in_use :one",
        "ExpressionAttributeValues": {":one": _n(1)},
    }
    if capacity is not None:
        # The atomic guard: never more waiting sign-ups than the capacity, however many race.
        update["ConditionExpression"] = "attribute_not_exists(in_use) OR in_use < :cap"
        update["ExpressionAttributeValues"][":cap"] = _n(capacity)
    return {"Update": update}


def release_mentor_capacity(table: str, association_id: str, delta: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": mentor_load_key(association_id),
            "UpdateExpression": "ADD in_use :minus",
            "ExpressionAttributeValues": {":minus": _n(delta)},
        }
    }


def _event_item(signup_id: str, e: Event, n: int, expires_at: int) -> dict[str, Any]:
    return {
        "pk": _s(f"MENTOR#{signup_id}"),
        "sk": _s(f"EVENT#{e.at}#{n:04d}"),
        "body": _json({"at": e.at, "seq": n, "type": e.type, "actor": e.actor, "detail": e.detail}),
        "expires_at": _n(expires_at),
    }


def _record(item: dict[str, Any]) -> dict[str, Any]:
    record = _unjson(item)
    record["expires_at"] = int(item["expires_at"]["N"])
    return record


class DynamoMentorStore:
    def __init__(self, table: DynamoTable, mail_grace_seconds: int = 120):
        self.table = table
        self.mail_grace_seconds = mail_grace_seconds

    # -- writing -------------------------------------------------------------------

    def commit_signup(self, w: MentorWrite) -> None:
        s = w.signup
        sid, created = s["id"], s["created_at"]
        meta = {
            "pk": _s(f"MENTOR#{sid}"),
            "sk": _s("META"),
            "status": _s(s["status"]),
            "reference": _s(s["reference"]),
            "created_at": _s(created),
            "body": _json(s),
            "expires_at": _n(w.expires_at),
            "status_pk": _s(f"MENTOR_STATUS#{s['status']}"),
            "feed_pk": _s(MENTOR_FEED_PK),
            "list_sk": _s(f"{created}#{sid}"),
            "attempt": _n(s.get("attempt") or 0),
        }
        if s.get("association_id"):
            meta["association_pk"] = _s(f"MENTOR_ASSOC#{s['association_id']}")
            meta["assigned_at"] = _n(s["assigned_at"])
        put = self.table.put
        reference = {"pk": _s(f"MREF#{s['reference']}"), "sk": _s("REF"), "id": _s(sid), "expires_at": _n(w.keep_until)}
        labelled: list[tuple[str, dict[str, Any]]] = [("request", put(meta)), ("reference", put(reference))]
        labelled += [("event", put(_event_item(sid, e, i, w.keep_until))) for i, e in enumerate(w.events)]
        labelled += [("mail", put(outbox.mail_item(m, created, w.mail_expires_at, self.mail_grace_seconds))) for m in w.mails]
        if w.idempotency_key:
            idempotency = put({
                "pk": _s(f"IDEM#{w.idempotency_key}"),
                "sk": _s("IDEM"),
                "fingerprint": _s(w.idempotency_fingerprint or ""),
                "body": _json(w.idempotency_response),
                "expires_at": _n(w.idempotency_expires_at),
            })
            # Taken only while unexpired: DynamoDB deletes expired items up to days later.
            idempotency["Put"]["ConditionExpression"] = "attribute_not_exists(pk) OR expires_at <= :now"
            idempotency["Put"]["ExpressionAttributeValues"] = {":now": _n(w.at)}
            labelled.append(("idempotency", idempotency))
        if w.rate_key:
            labelled.append(("rate", {"Update": {
                "TableName": self.table.name,
                "Key": {"pk": _s(f"RATE#{w.rate_key}"), "sk": _s("RATE")},
                "UpdateExpression": "ADD n :one SET expires_at = :exp",
                "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
                "ExpressionAttributeValues": {":one": _n(1), ":limit": _n(w.rate_limit), ":exp": _n(w.rate_expires_at)},
            }}))
        if w.capacity_of:
            labelled.append(("capacity", take_mentor_capacity(self.table.name, *w.capacity_of)))
        self.table.transact(labelled)

    def commit_mentor_transition(self, t: MentorTransition) -> None:
        """One change of a sign-up, all or nothing, and only from the status and attempt it
        was read in: two answers racing end in one outcome."""
        s = t.signup
        values: dict[str, Any] = {
            ":seen_status": _s(t.from_status),
            ":seen_attempt": _n(t.from_attempt),
            ":status": _s(s["status"]),
            ":status_pk": _s(f"MENTOR_STATUS#{s['status']}"),
            ":body": _json({k: v for k, v in s.items() if k not in {"events", "expires_at"}}),
            ":exp": _n(t.expires_at),
        }
        sets = ["#status = :status", "status_pk = :status_pk", "body = :body", "expires_at = :exp"]
        removes = []
        if s.get("association_id"):
            values[":assoc_pk"] = _s(f"MENTOR_ASSOC#{s['association_id']}")
            values[":attempt"] = _n(s["attempt"])
            values[":assigned_at"] = _n(s["assigned_at"])
            sets += ["association_pk = :assoc_pk", "attempt = :attempt", "assigned_at = :assigned_at"]
        else:
            removes.append("association_pk")
        if s.get("reminded_at"):
            values[":reminded"] = _n(s["reminded_at"])
            sets.append("reminded_at = :reminded")
        else:
            removes.append("reminded_at")
        update = {
            "TableName": self.table.name,
            "Key": {"pk": _s(f"MENTOR#{s['id']}"), "sk": _s("META")},
            "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": "#status = :seen_status AND attempt = :seen_attempt",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        put = self.table.put
        labelled: list[tuple[str, dict[str, Any]]] = [("request", {"Update": update})]
        labelled += [("event", put(_event_item(s["id"], e, t.event_seq + i, t.keep_until))) for i, e in enumerate(t.events)]
        labelled += [
            ("mail", put(outbox.mail_item(m, s["updated_at"], t.mail_expires_at, self.mail_grace_seconds))) for m in t.mails
        ]
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                labelled.append(("capacity", take_mentor_capacity(self.table.name, association_id, capacity)))
            else:
                labelled.append(("release", release_mentor_capacity(self.table.name, association_id, delta)))
        self.table.transact(labelled)

    # -- reading -------------------------------------------------------------------

    def idempotency(self, key: str, now: int) -> Optional[StoredIdempotency]:
        item = self.table.client.get_item(
            TableName=self.table.name, Key={"pk": _s(f"IDEM#{key}"), "sk": _s("IDEM")}, ConsistentRead=True
        ).get("Item")
        if not item or _expired(item, now):
            return None
        return StoredIdempotency(item["fingerprint"]["S"], _unjson(item))

    def get_signup(self, id_or_reference: str, now: int) -> Optional[dict[str, Any]]:
        from ...domain.reference import is_reference

        sid = id_or_reference
        if is_reference(id_or_reference):
            ref = self.table.client.get_item(
                TableName=self.table.name, Key={"pk": _s(f"MREF#{id_or_reference}"), "sk": _s("REF")}, ConsistentRead=True
            ).get("Item")
            if not ref or _expired(ref, now):
                return None
            sid = ref["id"]["S"]
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(f"MENTOR#{sid}")}, ConsistentRead=True
        )
        meta = next((i for i in items if i["sk"]["S"] == "META"), None)
        if meta is None or _expired(meta, now):
            return None  # a sign-up past its retention is gone, whatever TTL deletion has done yet
        signup = _record(meta)
        signup["events"] = [_unjson(i) for i in items if i["sk"]["S"].startswith("EVENT#") and not _expired(i, now)]
        return signup

    def list_signups(
        self, now: int, status: Optional[str], association: Optional[str], limit: int, cursor: Optional[str]
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        names: dict[str, str] = {"#exp": "expires_at"}
        values: dict[str, Any] = {":now": _n(now)}
        filters = ["#exp > :now"]
        if association:
            index, key = "by_association", ("association_pk", f"MENTOR_ASSOC#{association}")
            if status:
                names["#st"] = "status"
                values[":st"] = _s(status)
                filters.append("#st = :st")
        elif status:
            index, key = "by_status", ("status_pk", f"MENTOR_STATUS#{status}")
        else:
            index, key = "by_created", ("feed_pk", MENTOR_FEED_PK)
        values[":k"] = _s(key[1])
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": index,
            "KeyConditionExpression": f"{key[0]} = :k",
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
        return [_unjson(i) for i in out.get("Items", [])], next_cursor

    def count_signups(self, now: int) -> dict[str, int]:
        """Sign-ups per status (unexpired): one COUNT Query per status of the by_status index."""
        counts: dict[str, int] = {}
        for status in STATUSES:
            args: dict[str, Any] = {
                "TableName": self.table.name,
                "IndexName": "by_status",
                "KeyConditionExpression": "status_pk = :k",
                "FilterExpression": "expires_at > :now",
                "ExpressionAttributeValues": {":k": _s(f"MENTOR_STATUS#{status}"), ":now": _n(now)},
                "Select": "COUNT",
            }
            total = 0
            while True:
                out = self.table.client.query(**args)
                total += out.get("Count", 0)
                if "LastEvaluatedKey" not in out:
                    break
                args["ExclusiveStartKey"] = out["LastEvaluatedKey"]
            counts[status] = total
        return counts

    def signups_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
        items = self.table.query_all(
            IndexName="by_status",
            KeyConditionExpression="status_pk = :pk",
            FilterExpression="assigned_at <= :before AND expires_at > :now",
            ExpressionAttributeValues={":pk": _s("MENTOR_STATUS#routed"), ":before": _n(before_epoch), ":now": _n(now)},
        )
        return [_record(i) for i in items]

    def mentor_load(self) -> dict[str, int]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :load)",
            ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":load": _s("MENTOR_LOAD#")},
            ConsistentRead=True,
        )
        return {i["sk"]["S"][len("MENTOR_LOAD#"):]: int(i.get("in_use", {"N": "0"})["N"]) for i in items}
