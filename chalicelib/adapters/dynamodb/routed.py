"""What requests (requests.py) and volunteers' sign-ups (mentors.py) share: a routed
record, stored, changed and read the same way, under key prefixes of its own (RecordKind).

  <record><id>    / META              the record (status, association, routing, fields)
  <record><id>    / EVENT#<at>#<n>    its timeline
  <record><id>    / MAIL#<mail id>    a mail written with the record (what an erasure scrubs)
  <reference><ref> / REF              reference -> id, and the reference's uniqueness
  IDEM#<key>      / IDEM              idempotency record (API key or form submission id)
  RATE#<key>      / RATE              per-IP submission counter of one time window

The META item also carries the index keys (`status_pk` = <status><status>, `feed_pk` =
<feed>, `association_pk` = <association><id>, `list_sk` = <created_at>#<id>), so that
lists are Queries, never a Scan, and never mix one kind with the other. Each port's
module names its prefixes (REQUEST_KIND, MENTOR_KIND) and writes what only it has.

A record's intake and every later change are each ONE transaction, which also holds the
mails (outbox.mail_item) and the load counter moves (directory.take_capacity /
release_capacity): those item shapes stay written by their own port's module.

An erasure (GDPR art. 17) is a change too, with its timeline rewritten scrubbed: in the
same transaction while it fits, the rest of a long timeline in batches retried until
nothing is left (table.write_all). Its META item then carries `erased_at`, which no later
event may be appended past (requests.py, append_event).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...domain.reference import is_reference
from ...services.ports import Event, OutgoingMail, StoredIdempotency
from ..page_cursor import decode_cursor, encode_cursor, record_id
from . import directory, outbox
from .table import TRANSACTION_MAX, DynamoTable, _expired, _json, _n, _s, _unjson, rate_counter_key

Labelled = list[tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class RecordKind:
    """The key prefixes that keep one kind of routed record apart in the one table."""

    record: str  # pk of the record and of its timeline: "REQ#"
    reference: str  # pk of its reference: "REF#"
    status: str  # by_status partition: "STATUS#"
    association: str  # by_association partition: "ASSOC#"
    feed: str  # by_created partition, every record of the kind: "REQUESTS"
    load: str  # sort key prefix of the association's load counter (directory.py): "LOAD#"
    # Whether the record keeps the type of its newest event (`last_event`) on its META
    # item: the console queues' activity badge (requests' and sign-ups' both have one).
    tracks_last_event: bool = False


def stored_event_item(kind: RecordKind, record_id: str, event: dict[str, Any], expires_at: int) -> dict[str, Any]:
    """A timeline event's item, from the event as stored (an erasure writes it again,
    scrubbed, at its own key)."""
    return {
        "pk": _s(f"{kind.record}{record_id}"),
        # seq: the event's rank in the timeline, so that events written in the same
        # instant still read in the order they happened.
        "sk": _s(f"EVENT#{event['at']}#{int(event['seq']):04d}"),
        "body": _json(event),
        "expires_at": _n(expires_at),
    }


def event_item(kind: RecordKind, record_id: str, e: Event, n: int, expires_at: int) -> dict[str, Any]:
    """A new timeline event at rank `n`."""
    body = {"at": e.at, "seq": n, "type": e.type, "actor": e.actor, "detail": e.detail}
    return stored_event_item(kind, record_id, body, expires_at)


def mail_pointer(kind: RecordKind, record_id: str, mail_id: str, expires_at: int) -> dict[str, Any]:
    """One small item per mail in the record's partition, in the transaction that writes
    the mail: an erasure finds the record's mails with one Query (no Scan of MAIL#)."""
    return {"pk": _s(f"{kind.record}{record_id}"), "sk": _s(f"MAIL#{mail_id}"), "expires_at": _n(expires_at)}


def meta_key(kind: RecordKind, record_id: str) -> dict[str, Any]:
    return {"pk": _s(f"{kind.record}{record_id}"), "sk": _s("META")}


def meta_item(
    kind: RecordKind, record: dict[str, Any], expires_at: int, events: Sequence[Event] = ()
) -> dict[str, Any]:
    """The record's META item as first written, with `events` (its first timeline): the
    newest one's type when the kind tracks it. The port adds what only it keeps."""
    rid, created = record["id"], record["created_at"]
    meta = {
        **meta_key(kind, rid),
        "status": _s(record["status"]),
        "reference": _s(record["reference"]),
        "created_at": _s(created),
        "body": _json(record),
        "expires_at": _n(expires_at),
        "status_pk": _s(f"{kind.status}{record['status']}"),
        "feed_pk": _s(kind.feed),
        "list_sk": _s(f"{created}#{rid}"),
    }
    if record.get("association_id"):
        meta["association_pk"] = _s(f"{kind.association}{record['association_id']}")
        # Top-level, for the conditions of the association's answer and the sweeper.
        meta["assigned_at"] = _n(record["assigned_at"])
    if kind.tracks_last_event and events:
        meta["last_event"] = _s(events[-1].type)  # the queue's activity badge
    return meta


class RoutedRecordStore:
    """The writes and reads a routed record's store shares, for the kind it names. Each
    port's store gives the reads its port's names (get_request = get_record, ...);
    `idempotency` is the same for both."""

    KIND: RecordKind

    def __init__(self, table: DynamoTable, mail_grace_seconds: int = 120):
        self.table = table
        self.mail_grace_seconds = mail_grace_seconds  # see outbox.mail_item

    # -- writing -------------------------------------------------------------------

    def _intake_items(self, meta: dict[str, Any], record: dict[str, Any], w: Any, keep_until: int) -> Labelled:
        """A new record's transaction: its META item (`meta`), reference, events, mails,
        idempotency record, per-IP counter and load counter. `w` is the port's write
        (IntakeWrite, MentorWrite); `keep_until`: the expiry of reference and timeline."""
        kind, put = self.KIND, self.table.put
        rid = record["id"]
        reference = {
            "pk": _s(f"{kind.reference}{record['reference']}"),
            "sk": _s("REF"),
            "id": _s(rid),
            "expires_at": _n(keep_until),
        }
        labelled: Labelled = [("request", put(meta)), ("reference", put(reference))]
        labelled += [("event", put(event_item(kind, rid, e, i, keep_until))) for i, e in enumerate(w.events)]
        labelled += self._mail_items(rid, w.mails, record["created_at"], w.mail_expires_at)
        if w.idempotency_key:
            idempotency = put(
                {
                    "pk": _s(f"IDEM#{w.idempotency_key}"),
                    "sk": _s("IDEM"),
                    "fingerprint": _s(w.idempotency_fingerprint or ""),
                    "body": _json(w.idempotency_response),
                    "expires_at": _n(w.idempotency_expires_at),
                }
            )
            # Taken only while unexpired: DynamoDB deletes expired items up to days later.
            idempotency["Put"]["ConditionExpression"] = "attribute_not_exists(pk) OR expires_at <= :now"
            idempotency["Put"]["ExpressionAttributeValues"] = {":now": _n(w.at)}
            labelled.append(("idempotency", idempotency))
        if w.rate_key:
            labelled.append(
                ("rate", self.table.counter(*rate_counter_key(w.rate_key), w.rate_limit, w.rate_expires_at))
            )
        if w.capacity_of:
            labelled.append(("capacity", directory.take_capacity(self.table.name, *w.capacity_of, prefix=kind.load)))
        return labelled

    def _mail_items(self, record_id: str, mails: list[OutgoingMail], created: str, expires_at: int) -> Labelled:
        """The outbox's mails, each with its pointer in the record's partition."""
        put, kind = self.table.put, self.KIND
        labelled: Labelled = []
        for m in mails:
            labelled.append(("mail", put(outbox.mail_item(m, created, expires_at, self.mail_grace_seconds))))
            labelled.append(("mail", put(mail_pointer(kind, record_id, m.id, expires_at))))
        return labelled

    def _transition_items(
        self, record: dict[str, Any], t: Any, keep_until: int, new_expiry: int | None = None
    ) -> Labelled:
        """One change of a record, only from the status and attempt it was read in: two
        answers racing (two clicks, a click and the sweeper) end in one outcome, the second
        is refused. `t` is the port's change (Transition, MentorTransition); `keep_until`:
        the new events' expiry; `new_expiry`: the record's own, when the change moves it."""
        kind, put = self.KIND, self.table.put
        rid = record["id"]
        values: dict[str, Any] = {
            ":seen_status": _s(t.from_status),
            ":seen_attempt": _n(t.from_attempt),
            ":status": _s(record["status"]),
            ":status_pk": _s(f"{kind.status}{record['status']}"),
            ":body": _json({k: v for k, v in record.items() if k not in {"events", "expires_at"}}),
        }
        sets = ["#status = :status", "status_pk = :status_pk", "body = :body"]
        removes = []
        if new_expiry is not None:
            values[":exp"] = _n(new_expiry)
            sets.append("expires_at = :exp")
        if kind.tracks_last_event and t.events:
            values[":last_event"] = _s(t.events[-1].type)
            sets.append("last_event = :last_event")
        if record.get("erased_at"):
            values[":erased_at"] = _s(record["erased_at"])  # top-level: append_event's condition
            sets.append("erased_at = :erased_at")
        if record.get("association_id"):
            values[":assoc_pk"] = _s(f"{kind.association}{record['association_id']}")
            values[":attempt"] = _n(record["attempt"])
            values[":assigned_at"] = _n(record["assigned_at"])
            sets += ["association_pk = :assoc_pk", "attempt = :attempt", "assigned_at = :assigned_at"]
        else:
            removes.append("association_pk")
        if record.get("reminded_at"):
            values[":reminded"] = _n(record["reminded_at"])
            sets.append("reminded_at = :reminded")
        else:
            removes.append("reminded_at")
        update = {
            "TableName": self.table.name,
            "Key": meta_key(kind, rid),
            "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            # A record never routed (triage from the start) may have no attempt yet: attempt 0.
            "ConditionExpression": "#status = :seen_status AND "
            + (
                "(attempt = :seen_attempt OR attribute_not_exists(attempt))"
                if t.from_attempt == 0
                else "attempt = :seen_attempt"
            ),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        labelled: Labelled = [("request", {"Update": update})]
        labelled += [
            ("event", put(event_item(kind, rid, e, t.event_seq + i, keep_until))) for i, e in enumerate(t.events)
        ]
        labelled += self._mail_items(rid, t.mails, record["updated_at"], t.mail_expires_at)
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                labelled.append(
                    ("capacity", directory.take_capacity(self.table.name, association_id, capacity, prefix=kind.load))
                )
            else:
                labelled.append(
                    ("release", directory.release_capacity(self.table.name, association_id, delta, prefix=kind.load))
                )
        return labelled

    def _erase(self, labelled: Labelled, record_id: str, timeline: list[dict[str, Any]], expires_at: int) -> None:
        """An erasure: its change's transaction (`labelled`), with the timeline's events
        rewritten in place (`timeline`: each stored event, scrubbed) while they fit; the
        rest of a long timeline right after, in batches sent again until none is left."""
        items = [stored_event_item(self.KIND, record_id, e, expires_at) for e in timeline]
        room = max(0, TRANSACTION_MAX - len(labelled))
        self.table.transact(labelled + [("rewrite", self.table.put(i, new_only=False)) for i in items[:room]])
        self.table.put_all(items[room:])

    def scrub_timeline(self, record_id: str, timeline: list[dict[str, Any]], expires_at: int) -> None:
        """Events of an erased record written again, scrubbed (`timeline`), in place: a
        second erasure's, for what reached the timeline after the first."""
        self.table.put_all([stored_event_item(self.KIND, record_id, e, expires_at) for e in timeline])

    def record_mail_ids(self, record_id: str, now: int) -> list[str]:
        """The mails written with the record, expired ones too (TTL deletion lags: their
        items may still hold what they said)."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :mail)",
            ExpressionAttributeValues={":pk": _s(f"{self.KIND.record}{record_id}"), ":mail": _s("MAIL#")},
        )
        return [i["sk"]["S"][len("MAIL#") :] for i in items]

    # -- reading -------------------------------------------------------------------

    def idempotency(self, key: str, now: int) -> StoredIdempotency | None:
        item = self.table.client.get_item(
            TableName=self.table.name, Key={"pk": _s(f"IDEM#{key}"), "sk": _s("IDEM")}, ConsistentRead=True
        ).get("Item")
        if not item or _expired(item, now):
            return None
        return StoredIdempotency(item["fingerprint"]["S"], _unjson(item))

    def get_record(self, id_or_reference: str, now: int) -> dict[str, Any] | None:
        """The record with its expiry and its timeline; None once expired, whatever TTL
        deletion has done yet."""
        kind, rid = self.KIND, id_or_reference
        if is_reference(id_or_reference):
            ref = self.table.client.get_item(
                TableName=self.table.name,
                Key={"pk": _s(f"{kind.reference}{id_or_reference}"), "sk": _s("REF")},
                ConsistentRead=True,
            ).get("Item")
            if not ref or _expired(ref, now):
                return None
            rid = ref["id"]["S"]
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(f"{kind.record}{rid}")},
            ConsistentRead=True,
        )
        meta = next((i for i in items if i["sk"]["S"] == "META"), None)
        if meta is None or _expired(meta, now):
            return None
        record = _with_expiry(meta)
        record["events"] = [_unjson(i) for i in items if i["sk"]["S"].startswith("EVENT#") and not _expired(i, now)]
        return record

    def list_records(
        self,
        now: int,
        status: str | None,
        association: str | None,
        limit: int,
        cursor: str | None,
        created_from: str | None = None,
        created_to: str | None = None,
        with_last_event: bool = False,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page, newest first: a status, an association (its index, the status
        filtered), or every record; creation times in [from, to] as a key condition.
        As a Query with a filter, `limit` counts the items read, expired ones included."""
        kind = self.KIND
        names: dict[str, str] = {"#exp": "expires_at"}
        values: dict[str, Any] = {":now": _n(now)}
        filters = ["#exp > :now"]
        if association:
            index, key = "by_association", ("association_pk", f"{kind.association}{association}")
            if status:
                names["#st"] = "status"
                values[":st"] = _s(status)
                filters.append("#st = :st")
        elif status:
            index, key = "by_status", ("status_pk", f"{kind.status}{status}")
        else:
            index, key = "by_created", ("feed_pk", kind.feed)
        values[":k"] = _s(key[1])
        condition = f"{key[0]} = :k"
        low, high = created_from or "", created_to or "\uffff"
        if created_from or created_to:
            values[":from"] = _s(low)
            values[":to"] = _s(high)
            condition += " AND list_sk BETWEEN :from AND :to"
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "FilterExpression": " AND ".join(filters),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,  # newest first
            "Limit": limit,
        }
        if cursor:
            # The start key rebuilt from the sort key the cursor names (adapters/page_cursor.py):
            # the META item's own key and the index's, whatever the cursor held.
            list_sk = decode_cursor(cursor, low, high)
            args["ExclusiveStartKey"] = {
                **meta_key(kind, record_id(list_sk)),
                key[0]: _s(key[1]),
                "list_sk": _s(list_sk),
            }
        out = self.table.client.query(**args)
        rows = []
        for item in out.get("Items", []):
            record = _unjson(item)
            if with_last_event:
                record["last_event"] = item.get("last_event", {}).get("S")
            rows.append(record)
        last = out.get("LastEvaluatedKey")
        return rows, encode_cursor(last["list_sk"]["S"]) if last else None

    def queue_page(
        self,
        now: int,
        status: str | None,
        association: str | None,
        created_from: str | None,
        created_to: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the console's queue (requests', or volunteers' sign-ups'), newest
        first: a status, an association (its index, the status filtered), or every record;
        creation times in [from, to) as a key condition. Each record has `last_event` (the
        activity badge). As a Query with a filter, `limit` counts the items read, expired
        ones included."""
        return self.list_records(
            now, status, association, limit, cursor, created_from, created_to, with_last_event=True
        )

    def records_waiting_since(self, before_epoch: int, now: int) -> list[dict[str, Any]]:
        """Records waiting on an association since before `before_epoch` (the sweeper)."""
        items = self.table.query_all(
            IndexName="by_status",
            KeyConditionExpression="status_pk = :pk",
            FilterExpression="assigned_at <= :before AND expires_at > :now",
            ExpressionAttributeValues={
                ":pk": _s(f"{self.KIND.status}routed"),
                ":before": _n(before_epoch),
                ":now": _n(now),
            },
        )
        return [_with_expiry(i) for i in items]


def _with_expiry(item: dict[str, Any]) -> dict[str, Any]:
    record = _unjson(item)
    record["expires_at"] = int(item["expires_at"]["N"])
    return record
