"""StatsStore over the table: the console's daily aggregates and the export log.

  STATS#DAY    / <day>#<shard>           the network's counters of one Europe/Paris day, on
                                         one shard of COUNTER_SHARDS drawn per write (every
                                         intake adds to it: table.py), summed on read
  STATS#ASSOC  / <day>#<association>     one association's counters of that day
  STATS#MENTOR_DAY, STATS#MENTOR_ASSOC   the same of volunteers' sign-ups (routed.py)
  EXPORTS      / <at>#<id>               a CSV export: who, what, how many rows
  DIGEST       / <day>                   the operators' daily digest was stored that day

The counters are numbers added (ADD) inside the intake's and every transition's own
transaction (`aggregate_updates`, called by routed.py): they move with the changes
they count, never apart. A period is read with one Query per partition, a range of
sort keys: at most one item per day (and association), whatever the number of requests.
Counters hold no personal data and do not expire; an export's record names the operator
and expires with the retention it is given.
"""

from __future__ import annotations

from typing import Any

from ...domain.record_kind import REQUEST
from ...domain.statistics import Counts
from ...services.ports import OutgoingMail, Refusal, Rejected
from .outbox import mail_item
from .table import DynamoTable, _n, _s, counter_shard

DAY_PK = REQUEST.keys.stats_day
ASSOCIATION_PK = REQUEST.keys.stats_association
EXPORTS_PK = "EXPORTS"
DIGEST_PK = "DIGEST"
COUNTER = "c_"  # counters are stored as c_<name>: never a reserved word, never pk/sk


def aggregate_updates(
    table_name: str, counts: Counts, day_pk: str = DAY_PK, association_pk: str = ASSOCIATION_PK
) -> list[tuple[str, dict[str, Any]]]:
    """A transaction's labelled Updates adding `counts` (domain.statistics.change_counts),
    to the partitions named (requests' by default)."""
    updates: list[tuple[str, dict[str, Any]]] = []
    for (day, association), counters in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        key = (
            {"pk": _s(day_pk), "sk": _s(day + counter_shard())}
            if association is None
            else {"pk": _s(association_pk), "sk": _s(f"{day}#{association}")}
        )
        names = {f"#c{i}": COUNTER + name for i, name in enumerate(sorted(counters))}
        values = {f":v{i}": _n(counters[name]) for i, name in enumerate(sorted(counters))}
        update = {
            "TableName": table_name,
            "Key": key,
            "UpdateExpression": "ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(names))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        updates.append(("stats", {"Update": update}))
    return updates


def _counters(item: dict[str, Any]) -> dict[str, int]:
    return {k[len(COUNTER) :]: int(v["N"]) for k, v in item.items() if k.startswith(COUNTER) and "N" in v}


class DynamoStatsStore:
    def __init__(
        self,
        table: DynamoTable,
        mail_grace_seconds: int = 120,
        day_pk: str = DAY_PK,
        association_pk: str = ASSOCIATION_PK,
    ):
        """`day_pk`, `association_pk`: whose aggregates it reads (requests', or sign-ups')."""
        self.table = table
        self.mail_grace_seconds = mail_grace_seconds
        self.day_pk, self.association_pk = day_pk, association_pk

    def _range(self, pk: str, first: str, last: str) -> list[dict[str, Any]]:
        return self.table.query_all(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={":pk": _s(pk), ":a": _s(first), ":b": _s(last + "#\uffff")},
        )

    def daily_counts(self, first_day: str, last_day: str) -> list[tuple[str, dict[str, int]]]:
        """(day, counters) of each day with any, oldest first: its shards summed (an item
        written before shards existed is `<day>` alone)."""
        days: dict[str, dict[str, int]] = {}
        for i in self._range(self.day_pk, first_day, last_day):
            held = days.setdefault(i["sk"]["S"].partition("#")[0], {})
            for name, n in _counters(i).items():
                held[name] = held.get(name, 0) + n
        return sorted(days.items())

    def association_counts(self, first_day: str, last_day: str) -> list[tuple[str, str, dict[str, int]]]:
        """(day, association, counters) of each day and association with any."""
        out = []
        for i in self._range(self.association_pk, first_day, last_day):
            day, _, association = i["sk"]["S"].partition("#")
            out.append((day, association, _counters(i)))
        return out

    def record_export(self, at: str, record: dict[str, Any], expires_at: int) -> str:
        return self.table.add_to_log(EXPORTS_PK, at, record, expires_at)

    def list_exports(self, now: int, limit: int) -> list[dict[str, Any]]:
        """Newest first."""
        return self.table.newest_in_log(EXPORTS_PK, now, limit)

    def store_digest(self, day: str, mails: list[OutgoingMail], created_at: str, expires_at: int) -> bool:
        """The day's digest mails (outbox) and the day's mark, in one transaction: False
        when that day's digest was stored already (the schedule fired twice)."""
        mark = self.table.put({"pk": _s(DIGEST_PK), "sk": _s(day), "expires_at": _n(expires_at)})
        labelled = [("idempotency", mark)] + [
            ("mail", self.table.put(mail_item(m, created_at, expires_at, self.mail_grace_seconds))) for m in mails
        ]
        try:
            self.table.transact(labelled)
        except Rejected as refused:
            if refused.what is Refusal.IDEMPOTENCY:
                return False
            raise
        return True
