"""MentorStore over the table: volunteers' sign-ups (contract section 11), stored as
routed records (routed.py) under prefixes of their own (MENTOR_KIND).

  MENTOR#<id>   / META                       the sign-up (status, association, routing, fields)
  MENTOR#<id>   / EVENT#<at>#<n>             its timeline
  MREF#<ref>    / REF                        reference -> id, and the reference's uniqueness
  DIRECTORY     / MENTOR_LOAD#<association>  sign-ups waiting on the association (`in_use`,
                                             directory.py)
  IDEM#<key>, RATE#<key>                     the same items as requests' (routed.py)

The sign-up's items use the table's indexes with partition values of their own
(`MENTOR_STATUS#<status>`, `MENTOR_ASSOC#<id>`, `MENTORS`), so that lists and counts are
Queries, never a Scan, and never mix requests with sign-ups. One sign-up, and each later
change, is ONE transaction with its mails (outbox.mail_item) and mentor load counter.
Unlike a request's, a sign-up's META item always has `attempt` (0 before any routing),
and a change may move its expiry (accepting keeps it longer).
"""

from __future__ import annotations

from typing import Any

from ...services.ports import MentorTransition, MentorWrite
from . import directory
from .routed import RecordKind, RoutedRecordStore, meta_item
from .table import _n, _s

MENTOR_FEED_PK = "MENTORS"
MENTOR_LOAD_PREFIX = "MENTOR_LOAD#"
MENTOR_KIND = RecordKind(
    record="MENTOR#", reference="MREF#", status="MENTOR_STATUS#", association="MENTOR_ASSOC#", feed=MENTOR_FEED_PK,
    load=MENTOR_LOAD_PREFIX,
)
STATUSES = ("needs_triage", "routed", "accepted", "closed")


class DynamoMentorStore(RoutedRecordStore):
    """MentorStore: a sign-up's transaction and its changes, reads, counts per status
    and the mentor load counters."""

    KIND = MENTOR_KIND

    get_signup = RoutedRecordStore.get_record
    list_signups = RoutedRecordStore.list_records
    signups_waiting_since = RoutedRecordStore.records_waiting_since  # the sweeper's

    # -- writing -------------------------------------------------------------------

    def commit_signup(self, w: MentorWrite) -> None:
        # Unlike a request, a sign-up always has an attempt (0 before any routing).
        meta = {**meta_item(MENTOR_KIND, w.signup, w.expires_at), "attempt": _n(w.signup.get("attempt") or 0)}
        self.table.transact(self._intake_items(meta, w.signup, w, w.keep_until))

    def commit_mentor_transition(self, t: MentorTransition) -> None:
        """One change of a sign-up, all or nothing, and only from the status and attempt it
        was read in: two answers racing end in one outcome."""
        self.table.transact(self._transition_items(t.signup, t, t.keep_until, new_expiry=t.expires_at))

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
