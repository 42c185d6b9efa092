"""MentorStore over the table: volunteers' sign-ups (docs/contract.md §11), stored as
routed records (routed.py) under prefixes of their own (MENTOR_KIND).

  MENTOR#<id>   / META                       the sign-up (status, association, routing, fields)
  MENTOR#<id>   / EVENT#<at>#<n>             its timeline
  MENTOR#<id>   / MAIL#<mail id>             a mail written with the sign-up (what an erasure scrubs)
  MREF#<ref>    / REF                        reference -> id, and the reference's uniqueness
  DIRECTORY     / MENTOR_LOAD#<association>  sign-ups waiting on the association (`in_use`,
                                             directory.py)
  IDEM#<key>, RATE#<key>                     the same items as requests' (routed.py)
  MENTOR_COUNTS / STATUS#<status>#<day end>#<shard>  sign-ups in that status whose data
                                             expire that UTC day (n), moved in the same
                                             transactions, on one shard of COUNTER_SHARDS
                                             drawn per write (table.py), summed on read
  STATS#MENTOR_DAY, STATS#MENTOR_ASSOC       the console's statistics of sign-ups (stats.py)

The sign-up's items use the table's indexes with partition values of their own
(`MENTOR_STATUS#<status>`, `MENTOR_ASSOC#<id>`, `MENTORS`), so that lists and counts are
Queries, never a Scan, and never mix requests with sign-ups. One sign-up, and each later
change, is ONE transaction with its mails (outbox.mail_item) and mentor load counter.
Unlike a request's, a sign-up's META item always has `attempt` (0 before any routing),
and a change may move its expiry (accepting keeps it longer): so its status counters are
kept per expiry day (not creation day), and a counter item expires with the sign-ups it
counts. The console's "Bénévoles" tabs read them with one Query of MENTOR_COUNTS.
"""

from __future__ import annotations

from typing import Any

from ...domain.statistics import change_counts
from ...services.ports import MentorTransition, MentorWrite
from ..counters import counter_expiry
from . import directory, stats
from .routed import Labelled, RecordKind, RoutedRecordStore, meta_item
from .table import DynamoTable, _n, _s, counter_shard

MENTOR_FEED_PK = "MENTORS"
MENTOR_LOAD_PREFIX = "MENTOR_LOAD#"
MENTOR_KIND = RecordKind(
    record="MENTOR#",
    reference="MREF#",
    status="MENTOR_STATUS#",
    association="MENTOR_ASSOC#",
    feed=MENTOR_FEED_PK,
    load=MENTOR_LOAD_PREFIX,
    tracks_last_event=True,
)
MENTOR_COUNTS_PK = "MENTOR_COUNTS"
MENTOR_STATS_PKS = {"day_pk": "STATS#MENTOR_DAY", "association_pk": "STATS#MENTOR_ASSOC"}
STATUSES = ("needs_triage", "routed", "accepted", "closed")


class DynamoMentorStore(RoutedRecordStore):
    """MentorStore: a sign-up's transaction and its changes, reads, counts per status
    and the mentor load counters."""

    KIND = MENTOR_KIND

    def __init__(self, table: DynamoTable, mail_grace_seconds: int = 120):
        super().__init__(table, mail_grace_seconds)
        # The console's statistics of sign-ups: read as requests' are, from partitions of their own.
        aggregates = stats.DynamoStatsStore(table, mail_grace_seconds, **MENTOR_STATS_PKS)
        self.daily_counts, self.association_counts = aggregates.daily_counts, aggregates.association_counts

    get_signup = RoutedRecordStore.get_record
    list_signups = RoutedRecordStore.list_records
    signups_waiting_since = RoutedRecordStore.records_waiting_since  # the sweeper's

    # -- writing -------------------------------------------------------------------

    def commit_signup(self, w: MentorWrite) -> None:
        # Unlike a request, a sign-up always has an attempt (0 before any routing).
        meta = {**meta_item(MENTOR_KIND, w.signup, w.expires_at, w.events), "attempt": _n(w.signup.get("attempt") or 0)}
        labelled = self._intake_items(meta, w.signup, w, w.keep_until)
        labelled.append(("count", self._count(w.signup["status"], w.expires_at, 1)))
        labelled += stats.aggregate_updates(self.table.name, change_counts(w.events, w.signup), **MENTOR_STATS_PKS)
        self.table.transact(labelled)

    def commit_mentor_transition(self, t: MentorTransition) -> None:
        """One change of a sign-up, all or nothing, and only from the status and attempt it
        was read in: two answers racing end in one outcome."""
        self.table.transact(self._mentor_transition_items(t))

    def erase_record(self, t: MentorTransition, timeline: list[dict[str, Any]]) -> None:
        """An erasure: the change (the anonymised sign-up, its `erased` event) and the
        timeline rewritten scrubbed (routed.RoutedRecordStore._erase)."""
        self._erase(self._mentor_transition_items(t), t.signup["id"], timeline, t.keep_until)

    def _mentor_transition_items(self, t: MentorTransition) -> Labelled:
        labelled = self._transition_items(t.signup, t, t.keep_until, new_expiry=t.expires_at)
        was = t.from_expires_at if t.from_expires_at is not None else t.expires_at
        if (t.from_status, was // 86400) != (t.signup["status"], t.expires_at // 86400):
            labelled.append(("count", self._count(t.from_status, was, -1)))
            labelled.append(("count", self._count(t.signup["status"], t.expires_at, 1)))
        labelled += stats.aggregate_updates(
            self.table.name, change_counts(t.events, t.signup, t.assigned_before), **MENTOR_STATS_PKS
        )
        return labelled

    def _count(self, status: str, expires_at: int, delta: int) -> dict[str, Any]:
        """The Update moving the counter of (status, expiry day) by `delta`, on one shard
        drawn for this write (as requests' counters: table.counter_shard); the item lives
        until the end of that day."""
        day_end = counter_expiry(expires_at)
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": {"pk": _s(MENTOR_COUNTS_PK), "sk": _s(f"STATUS#{status}#{day_end}{counter_shard()}")},
                "UpdateExpression": "ADD n :d SET expires_at = :exp",
                "ExpressionAttributeValues": {":d": _n(delta), ":exp": _n(day_end)},
            }
        }

    # -- the console's "Bénévoles" queue -------------------------------------------------

    def status_counts(self, now: int) -> dict[str, int]:
        """Sign-ups per status from the counters (one Query, never a Scan), their shards
        summed (a shard alone may be negative; items written before the shards, without
        one, count as well): a sign-up stops being counted at the latest at the end of
        the day it expires."""
        counts = dict.fromkeys(STATUSES, 0)
        for item in self.table.query_all(
            KeyConditionExpression="pk = :pk",
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues={":pk": _s(MENTOR_COUNTS_PK), ":now": _n(now)},
        ):
            status = item["sk"]["S"].split("#")[1]
            counts[status] = counts.get(status, 0) + int(item["n"]["N"])
        return counts

    def count_signups(self, now: int) -> dict[str, int]:
        """Sign-ups per status (unexpired): one COUNT Query per status of the by_status index."""
        counts: dict[str, int] = {}
        for status in STATUSES:
            args: dict[str, Any] = {
                "TableName": self.table.name,
                "IndexName": "by_status",
                "KeyConditionExpression": "status_pk = :k",
                "FilterExpression": "expires_at > :now",
                "ExpressionAttributeValues": {":k": _s(f"{MENTOR_KIND.status}{status}"), ":now": _n(now)},
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

    def mentor_load(self) -> dict[str, int]:
        return directory.load_counters(self.table, MENTOR_LOAD_PREFIX)
