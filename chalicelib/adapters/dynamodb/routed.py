"""RoutedStore over the table: one store for every kind of routed record (a youth's
request, a volunteer's sign-up), given its record class and so its kind
(domain/record_kind.py): the same items, transactions and reads, under the kind's keys.

  <record><id>     / META                      the record (status, association, routing, fields)
  <record><id>     / EVENT#<at>#<n>            its timeline
  <record><id>     / MAIL#<mail id>            a mail written with the record (what an erasure scrubs)
  <reference><ref> / REF                       reference -> id, and the reference's uniqueness
  IDEM#<key>       / IDEM                      idempotency record (API key or form submission id)
  RATE#<key>       / RATE                      per-IP submission counter of one time window
  DIRECTORY        / <load><association>       records waiting on the association (directory.py)
  <counts>         / STATUS#<status>#<day>#<shard>  how many records of that day are in that
                                               status (n), moved in the same transactions, on
                                               one shard of COUNTER_SHARDS drawn per write
                                               (table.py), summed on read
  <stats_day>, <stats_association>             the console's statistics (stats.py)

  requests:  REQ#, REF#, STATUS#, ASSOC#, REQUESTS, LOAD#, COUNTS, STATS#DAY, STATS#ASSOC
  sign-ups:  MENTOR#, MREF#, MENTOR_STATUS#, MENTOR_ASSOC#, MENTORS, MENTOR_LOAD#,
             MENTOR_COUNTS, STATS#MENTOR_DAY, STATS#MENTOR_ASSOC

The META item also carries the index keys (`status_pk` = <status><status>, `feed_pk` =
<feed>, `association_pk` = <association><id>, `list_sk` = <created_at>#<id>), so that
lists are Queries, never a Scan, and never mix one kind with the other, and `last_event`
(the type of the newest timeline event) for the console queue's activity badge.

Status counters: the console's tabs read them with one Query of the kind's counts
partition, whatever the number of records. A record's day is its creation day, or, for a
kind whose expiry moves (an accepted sign-up is kept longer), its expiry day; a counter
item expires at the end of the day its records expire (adapters/counters.py), so a record
stops being counted at most a day after its own deletion.

A record's intake and every later change are each ONE transaction, which also holds the
mails (outbox.mail_item), the load counter moves (directory.take_capacity /
release_capacity), the status counters and the console's statistics
(stats.aggregate_updates): each item shape stays written by its own port's module.

An erasure (GDPR art. 17) is a change too, with its timeline rewritten scrubbed: in the
same transaction while it fits, the rest of a long timeline in batches retried until
nothing is left (table.write_all). Its META item then carries `erased_at`, which no later
event may be appended past (append_event).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic

from ...domain.change import Event
from ...domain.record_kind import RecordKind
from ...domain.reference import is_reference
from ...domain.statistics import change_counts
from ...domain.vocabulary import Status
from ...services.ports import NewRecord, OutgoingMail, QueuedRecord, QueueQuery, Record, RecordChange, StoredIdempotency
from ..counters import counter_expiry
from ..page_cursor import decode_cursor, encode_cursor, record_id
from ..routed_record import counter_day, stored_body
from . import directory, outbox, stats
from .table import (
    TRANSACTION_MAX,
    DynamoTable,
    _expired,
    _json,
    _n,
    _s,
    _unjson,
    counter_shard,
    rate_counter_key,
)

Labelled = list[tuple[str, dict[str, Any]]]


def stored_event_item(kind: RecordKind, record_id: str, event: dict[str, Any], expires_at: int) -> dict[str, Any]:
    """A timeline event's item, from the event as stored (an erasure writes it again,
    scrubbed, at its own key)."""
    return {
        "pk": _s(f"{kind.keys.record}{record_id}"),
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
    return {"pk": _s(f"{kind.keys.record}{record_id}"), "sk": _s(f"MAIL#{mail_id}"), "expires_at": _n(expires_at)}


def meta_key(kind: RecordKind, record_id: str) -> dict[str, Any]:
    return {"pk": _s(f"{kind.keys.record}{record_id}"), "sk": _s("META")}


def meta_item(
    kind: RecordKind, record: dict[str, Any], expires_at: int, events: Sequence[Event] = ()
) -> dict[str, Any]:
    """The record's META item as first written, with `events` (its first timeline): the
    newest one's type (the queue's activity badge). The port adds what only it keeps."""
    rid, created = record["id"], record["created_at"]
    meta = {
        **meta_key(kind, rid),
        "status": _s(record["status"]),
        "reference": _s(record["reference"]),
        "created_at": _s(created),
        "body": _json(record),
        "expires_at": _n(expires_at),
        "status_pk": _s(f"{kind.keys.status}{record['status']}"),
        "feed_pk": _s(kind.keys.feed),
        "list_sk": _s(f"{created}#{rid}"),
    }
    if record.get("association_id"):
        meta["association_pk"] = _s(f"{kind.keys.association}{record['association_id']}")
        # Top-level, for the conditions of the association's answer and the sweeper.
        meta["assigned_at"] = _n(record["assigned_at"])
    if events:
        meta["last_event"] = _s(events[-1].type)  # the queue's activity badge
    return meta


class DynamoRoutedStore(Generic[Record]):
    """RoutedStore of one kind: `record_type` (Request, MentorSignup) says which, and so
    its keys (record_type.KIND)."""

    def __init__(self, table: DynamoTable, record_type: type[Record], mail_grace_seconds: int = 120):
        self.table = table
        self.record_type = record_type
        self.kind = record_type.KIND
        self.mail_grace_seconds = mail_grace_seconds  # see outbox.mail_item
        keys = self.kind.keys
        # The console's statistics of the kind: read from its own partitions.
        self.stats_pks = {"day_pk": keys.stats_day, "association_pk": keys.stats_association}
        aggregates = stats.DynamoStatsStore(table, mail_grace_seconds, **self.stats_pks)
        self.daily_counts, self.association_counts = aggregates.daily_counts, aggregates.association_counts

    # -- writing -------------------------------------------------------------------

    def commit_new(self, w: NewRecord[Record]) -> None:
        """A new record's transaction: its META item, reference, events, mails,
        idempotency record, per-IP counter, load counter, status counter and statistics."""
        kind, put = self.kind, self.table.put
        new = w.record
        record = stored_body(new)
        meta = meta_item(kind, record, new.expires_at, w.events)
        if record.get("association_id") or kind.keys.attempt_from_start:
            meta["attempt"] = _n(new.attempt)
        rid = new.id
        reference = {
            "pk": _s(f"{kind.keys.reference}{new.reference}"),
            "sk": _s("REF"),
            "id": _s(rid),
            "expires_at": _n(w.keep_until),
        }
        labelled: Labelled = [("request", put(meta)), ("reference", put(reference))]
        labelled += [("event", put(event_item(kind, rid, e, i, w.keep_until))) for i, e in enumerate(w.events)]
        labelled += self._mail_items(rid, w.mails, new.created_at, w.mail_expires_at)
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
            labelled.append(
                ("capacity", directory.take_capacity(self.table.name, *w.capacity_of, prefix=kind.keys.load))
            )
        labelled.append(("count", self._count(new, 1)))
        labelled += stats.aggregate_updates(self.table.name, change_counts(w.events, record), **self.stats_pks)
        self.table.transact(labelled)

    def commit_change(self, change: RecordChange[Record]) -> None:
        """One change of a record, all or nothing, and only from the status and attempt it
        was read in: two answers racing (two clicks, a click and the sweeper) end in one
        outcome, the second is refused."""
        self.table.transact(self._change_items(change))

    def erase(self, change: RecordChange[Record], timeline: list[dict[str, Any]]) -> None:
        """An erasure: its change (the anonymised record, its `erased` event), with the
        timeline's events rewritten in place (`timeline`: each stored event, scrubbed)
        while they fit; the rest of a long timeline right after, in batches sent again
        until none is left."""
        labelled = self._change_items(change)
        items = [stored_event_item(self.kind, change.after.id, e, change.keep_until) for e in timeline]
        room = max(0, TRANSACTION_MAX - len(labelled))
        self.table.transact(labelled + [("rewrite", self.table.put(i, new_only=False)) for i in items[:room]])
        self.table.put_all(items[room:])

    def _mail_items(self, record_id: str, mails: list[OutgoingMail], created: str, expires_at: int) -> Labelled:
        """The outbox's mails, each with its pointer in the record's partition."""
        put, kind = self.table.put, self.kind
        labelled: Labelled = []
        for m in mails:
            labelled.append(("mail", put(outbox.mail_item(m, created, expires_at, self.mail_grace_seconds))))
            labelled.append(("mail", put(mail_pointer(kind, record_id, m.id, expires_at))))
        return labelled

    def _change_items(self, t: RecordChange[Record]) -> Labelled:
        kind, put = self.kind, self.table.put
        before, after = t.before, t.after
        record = stored_body(after)
        rid = after.id
        values: dict[str, Any] = {
            ":seen_status": _s(before.status.value),
            ":seen_attempt": _n(before.attempt),
            ":status": _s(record["status"]),
            ":status_pk": _s(f"{kind.keys.status}{record['status']}"),
            ":body": _json(record),
        }
        sets = ["#status = :status", "status_pk = :status_pk", "body = :body"]
        removes = []
        if kind.expiry_moves:
            values[":exp"] = _n(after.expires_at)
            sets.append("expires_at = :exp")
        if t.events:  # the queue's activity badge
            values[":last_event"] = _s(t.events[-1].type)
            sets.append("last_event = :last_event")
        if record.get("erased_at"):
            values[":erased_at"] = _s(record["erased_at"])  # top-level: append_event's condition
            sets.append("erased_at = :erased_at")
        if record.get("association_id"):
            values[":assoc_pk"] = _s(f"{kind.keys.association}{record['association_id']}")
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
                if before.attempt == 0
                else "attempt = :seen_attempt"
            ),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        labelled: Labelled = [("request", {"Update": update})]
        labelled += [
            ("event", put(event_item(kind, rid, e, t.event_seq + i, t.keep_until))) for i, e in enumerate(t.events)
        ]
        labelled += self._mail_items(rid, t.mails, after.updated_at, t.mail_expires_at)
        for association_id, delta, capacity in t.load_changes:
            if delta > 0:
                labelled.append(
                    (
                        "capacity",
                        directory.take_capacity(self.table.name, association_id, capacity, prefix=kind.keys.load),
                    )
                )
            else:
                labelled.append(
                    (
                        "release",
                        directory.release_capacity(self.table.name, association_id, delta, prefix=kind.keys.load),
                    )
                )
        if (before.status, counter_day(kind, before)) != (after.status, counter_day(kind, after)):
            labelled.append(("count", self._count(before, -1)))
            labelled.append(("count", self._count(after, 1)))
        labelled += stats.aggregate_updates(
            self.table.name, change_counts(t.events, record, t.assigned_before), **self.stats_pks
        )
        return labelled

    def _count(self, record: Record, delta: int) -> dict[str, Any]:
        """The Update moving the counter of (status, day) by `delta` (counter_day), on one
        shard drawn for this write (table.counter_shard); the item lives until the end of
        the day its records expire."""
        day = counter_day(self.kind, record)
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": {
                    "pk": _s(self.kind.keys.counts),
                    "sk": _s(f"STATUS#{record.status.value}#{day}{counter_shard()}"),
                },
                "UpdateExpression": "ADD n :d SET expires_at = :exp",
                "ExpressionAttributeValues": {":d": _n(delta), ":exp": _n(counter_expiry(record.expires_at))},
            }
        }

    def append_event(self, record_id: str, event: Event, seq: int, expires_at: int) -> bool:
        """Add a timeline event to an existing record; False if there is no such record,
        it was erased (its stub takes no reply, no note) or the rank is taken."""
        client = self.table.client
        # The record's newest event type moves with it (the queue's activity badge).
        exists = {
            "TableName": self.table.name,
            "Key": meta_key(self.kind, record_id),
            "UpdateExpression": "SET last_event = :t",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(erased_at)",
            "ExpressionAttributeValues": {":t": _s(event.type)},
        }
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Update": exists},
                    self.table.put(event_item(self.kind, record_id, event, seq, expires_at)),
                ]
            )
        except client.exceptions.TransactionCanceledException:
            return False
        return True

    def scrub_timeline(self, record_id: str, timeline: list[dict[str, Any]], expires_at: int) -> None:
        """Events of an erased record written again, scrubbed (`timeline`), in place: a
        second erasure's, for what reached the timeline after the first."""
        self.table.put_all([stored_event_item(self.kind, record_id, e, expires_at) for e in timeline])

    def record_mail_ids(self, record_id: str, now: int) -> list[str]:
        """The mails written with the record, expired ones too (TTL deletion lags: their
        items may still hold what they said)."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :mail)",
            ExpressionAttributeValues={":pk": _s(f"{self.kind.keys.record}{record_id}"), ":mail": _s("MAIL#")},
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

    def get(self, id_or_reference: str, now: int) -> Record | None:
        """The record with its timeline; None once expired, whatever TTL deletion has done yet."""
        kind, rid = self.kind, id_or_reference
        if is_reference(id_or_reference):
            ref = self.table.client.get_item(
                TableName=self.table.name,
                Key={"pk": _s(f"{kind.keys.reference}{id_or_reference}"), "sk": _s("REF")},
                ConsistentRead=True,
            ).get("Item")
            if not ref or _expired(ref, now):
                return None
            rid = ref["id"]["S"]
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(f"{kind.keys.record}{rid}")},
            ConsistentRead=True,
        )
        meta = next((i for i in items if i["sk"]["S"] == "META"), None)
        if meta is None or _expired(meta, now):
            return None
        record = _with_expiry(meta)
        record["events"] = [_unjson(i) for i in items if i["sk"]["S"].startswith("EVENT#") and not _expired(i, now)]
        return self.record_type.from_record(record)

    def page(
        self, now: int, status: str | None, association: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Record], str | None]:
        """One page, newest first: a status, an association (its index, the status
        filtered), or every record. As a Query with a filter, `limit` counts the items
        read, expired ones included."""
        items, next_cursor = self._query_page(now, QueueQuery(status, association), limit, cursor)
        return [self.record_type.from_record(_with_expiry(i)) for i in items], next_cursor

    def queue_page(
        self, now: int, query: QueueQuery, limit: int, cursor: str | None
    ) -> tuple[list[QueuedRecord[Record]], str | None]:
        """One page of the console's queue, as `page`, with creation times in [from, to]
        as a key condition, each record with its `last_event` (the activity badge)."""
        items, next_cursor = self._query_page(now, query, limit, cursor)
        rows = [
            QueuedRecord(self.record_type.from_record(_with_expiry(i)), i.get("last_event", {}).get("S")) for i in items
        ]
        return rows, next_cursor

    def _query_page(
        self,
        now: int,
        query: QueueQuery,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        kind = self.kind
        status, association = query.status, query.association
        names: dict[str, str] = {"#exp": "expires_at"}
        values: dict[str, Any] = {":now": _n(now)}
        filters = ["#exp > :now"]
        if association:
            index, key = "by_association", ("association_pk", f"{kind.keys.association}{association}")
            if status:
                names["#st"] = "status"
                values[":st"] = _s(status)
                filters.append("#st = :st")
        elif status:
            index, key = "by_status", ("status_pk", f"{kind.keys.status}{status}")
        else:
            index, key = "by_created", ("feed_pk", kind.keys.feed)
        values[":k"] = _s(key[1])
        condition = f"{key[0]} = :k"
        low, high = query.created_from or "", query.created_to or "\uffff"
        if query.created_from or query.created_to:
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
        last = out.get("LastEvaluatedKey")
        return out.get("Items", []), encode_cursor(last["list_sk"]["S"]) if last else None

    def waiting_since(self, before_epoch: int, now: int) -> list[Record]:
        """Records waiting on an association since before `before_epoch` (the sweeper)."""
        items = self.table.query_all(
            IndexName="by_status",
            KeyConditionExpression="status_pk = :pk",
            FilterExpression="assigned_at <= :before AND expires_at > :now",
            ExpressionAttributeValues={
                ":pk": _s(f"{self.kind.keys.status}routed"),
                ":before": _n(before_epoch),
                ":now": _n(now),
            },
        )
        return [self.record_type.from_record(_with_expiry(i)) for i in items]

    def status_counts(self, now: int) -> dict[str, int]:
        """Records per status from the counters: one Query of the counts partition, never a
        Scan (its items are per status, day and shard, summed here; a shard alone may be
        negative; items written before the shards, without one, count as well)."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :st)",
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues={":pk": _s(self.kind.keys.counts), ":st": _s("STATUS#"), ":now": _n(now)},
        )
        counts: dict[str, int] = {}
        for item in items:
            status = item["sk"]["S"].split("#")[1]
            counts[status] = counts.get(status, 0) + int(item["n"]["N"])
        return counts

    def count_by_status(self, now: int) -> dict[str, int]:
        """Records per status (unexpired): one COUNT Query per status of the by_status index."""
        counts: dict[str, int] = {}
        for status in Status:
            args: dict[str, Any] = {
                "TableName": self.table.name,
                "IndexName": "by_status",
                "KeyConditionExpression": "status_pk = :k",
                "FilterExpression": "expires_at > :now",
                "ExpressionAttributeValues": {":k": _s(f"{self.kind.keys.status}{status.value}"), ":now": _n(now)},
                "Select": "COUNT",
            }
            total = 0
            while True:
                out = self.table.client.query(**args)
                total += out.get("Count", 0)
                if "LastEvaluatedKey" not in out:
                    break
                args["ExclusiveStartKey"] = out["LastEvaluatedKey"]
            counts[status.value] = total
        return counts

    def load_counts(self) -> dict[str, int]:
        return directory.load_counters(self.table, self.kind.keys.load)


def _with_expiry(item: dict[str, Any]) -> dict[str, Any]:
    record = _unjson(item)
    record["expires_at"] = int(item["expires_at"]["N"])
    return record
