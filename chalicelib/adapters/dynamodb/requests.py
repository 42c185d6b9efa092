"""RequestStore over the table: requests, their timeline, references, idempotency records
and per-IP counters (their shapes: routed.py, with REQUEST_KIND's prefixes).

  REQ#<id>      / META              the request (status, association, routing, fields)
  REQ#<id>      / EVENT#<at>#<n>    its timeline
  REF#<ref>     / REF               reference -> id, and the reference's uniqueness
  IDEM#<key>    / IDEM              idempotency record (API key or form submission id)
  RATE#<key>    / RATE              per-IP submission counter of one time window
  REQ#<id>      / MAIL#<mail id>    a mail written with the request (what an erasure scrubs)
  COUNTS        / STATUS#<status>#<day>#<shard>   how many requests created that UTC day
                                    are in that status (n), moved in the same transactions,
                                    on one shard of COUNTER_SHARDS drawn per write (table.py)

The console's tabs read the counts with one Query of the COUNTS partition: at most one
item per status and day of retention, whatever the number of requests. A counter item
expires at the end of the day its requests expire (adapters/counters.py), so a request
stops being counted at most a day after its own deletion. META items also carry
`last_event` (the type of the newest timeline event) for the queue's activity badges.

An intake and every later state change are each ONE transaction, which also holds the
mails (outbox.mail_item), the load counter moves (directory.take_capacity /
release_capacity), the status counters (here) and the console's statistics
(stats.aggregate_updates): each item shape stays written by its own port's module.
"""

from __future__ import annotations

from typing import Any

from ...domain.statistics import change_counts
from ...services.ports import Event, IntakeWrite, Transition
from ..counters import counter_expiry
from . import stats
from .directory import LOAD_PREFIX
from .routed import Labelled, RecordKind, RoutedRecordStore, event_item, meta_item, meta_key
from .table import _n, _s, counter_shard

FEED_PK = "REQUESTS"
COUNTS_PK = "COUNTS"
REQUEST_KIND = RecordKind(
    record="REQ#",
    reference="REF#",
    status="STATUS#",
    association="ASSOC#",
    feed=FEED_PK,
    load=LOAD_PREFIX,
    tracks_last_event=True,
)


def count_move(table_name: str, status: str, created_at: str, delta: int, expires_at: int) -> dict[str, Any]:
    """A transaction's Update moving the counter of (status, creation day) by `delta`."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": {"pk": _s(COUNTS_PK), "sk": _s(f"STATUS#{status}#{created_at[:10]}{counter_shard()}")},
            "UpdateExpression": "ADD n :d SET expires_at = :exp",
            "ExpressionAttributeValues": {":d": _n(delta), ":exp": _n(counter_expiry(expires_at))},
        }
    }


class DynamoRequestStore(RoutedRecordStore):
    """RequestStore: the intake transaction, the transitions, reads and lists."""

    KIND = REQUEST_KIND

    get_request = RoutedRecordStore.get_record
    list_requests = RoutedRecordStore.list_records
    routed_waiting_since = RoutedRecordStore.records_waiting_since  # the sweeper's

    # -- writing -------------------------------------------------------------------

    def commit_intake(self, w: IntakeWrite) -> None:
        req = w.request
        meta = meta_item(REQUEST_KIND, req, w.expires_at, w.events)
        if req.get("association_id"):
            meta["attempt"] = _n(req["attempt"])  # none before the first routing
        labelled = self._intake_items(meta, req, w, w.expires_at)
        labelled.append(("count", count_move(self.table.name, req["status"], req["created_at"], 1, w.expires_at)))
        labelled += stats.aggregate_updates(self.table.name, change_counts(w.events, req))  # console statistics
        self.table.transact(labelled)

    def commit_transition(self, t: Transition) -> None:
        """One state change of a request, all or nothing, and only from the state it saw
        (routed.RoutedRecordStore._transition_items)."""
        self.table.transact(self._request_transition_items(t))

    def _request_transition_items(self, t: Transition) -> Labelled:
        req = t.request
        labelled = self._transition_items(req, t, t.expires_at)
        if t.from_status != req["status"]:
            created = req["created_at"]
            labelled.append(("count", count_move(self.table.name, t.from_status, created, -1, t.expires_at)))
            labelled.append(("count", count_move(self.table.name, req["status"], created, 1, t.expires_at)))
        labelled += stats.aggregate_updates(self.table.name, change_counts(t.events, req, t.assigned_before))
        return labelled

    def erase_record(self, t: Transition, timeline: list[dict[str, Any]]) -> None:
        """An erasure: the transition (the anonymised request, its `erased` event) and the
        timeline rewritten scrubbed (routed.RoutedRecordStore._erase)."""
        self._erase(self._request_transition_items(t), t.request["id"], timeline, t.expires_at)

    def append_event(self, request_id: str, event: Event, seq: int, expires_at: int) -> bool:
        """Add a timeline event to an existing request; False if there is no such request,
        it was erased (its stub takes no reply, no note: routed.py) or the rank is taken."""
        client = self.table.client
        # The request's newest event type moves with it (the queue's activity badge).
        exists = {
            "TableName": self.table.name,
            "Key": meta_key(REQUEST_KIND, request_id),
            "UpdateExpression": "SET last_event = :t",
            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(erased_at)",
            "ExpressionAttributeValues": {":t": _s(event.type)},
        }
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Update": exists},
                    self.table.put(event_item(REQUEST_KIND, request_id, event, seq, expires_at)),
                ]
            )
        except client.exceptions.TransactionCanceledException:
            return False
        return True

    # -- the console's queue ---------------------------------------------------------

    def status_counts(self, now: int) -> dict[str, int]:
        """How many stored requests are in each status: one Query of the COUNTS
        partition (its items are per status, creation day and shard, summed here; a
        shard alone may be negative), never a Scan."""
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
