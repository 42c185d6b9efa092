"""RecountStore over the table: the offline recount of the counters (scripts/recount.py).

Reads every request with one paginated Scan of the `REQ#` items (META and EVENT#): an
admin command run by hand, never a page. Writes replace the counters' items whole:

  COUNTS       / STATUS#<status>#<day>#0   one shard holds the recounted number; every
                                           other shard (and an unsharded item) is deleted
  STATS#DAY    / <day>#0                   the same for the network's day
  STATS#ASSOC  / <day>#<association>       put whole; one no longer counted is deleted

The new items are put before the old ones are deleted, in batches (no transaction can
hold them all): a reader in between may see a sum too high, and a run cut short is
mended by running it again, since each run writes the same items.
"""

from __future__ import annotations

from typing import Any

from ...domain.record_kind import REQUEST
from ..counters import counter_expiry
from .routed import _with_expiry
from .stats import ASSOCIATION_PK, COUNTER, DAY_PK
from .table import DynamoTable, _expired, _n, _s, _unjson

KEPT_SHARD = "#0"


class DynamoRecountStore:
    def __init__(self, table: DynamoTable, mail_grace_seconds: int = 120):
        self.table = table

    def stored_requests(self, now: int) -> list[dict[str, Any]]:
        """Every unexpired request with its events (oldest first) and expiry."""
        metas: dict[str, dict[str, Any]] = {}
        events: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # record pk -> (sort key, event)
        args: dict[str, Any] = {
            "TableName": self.table.name,
            "FilterExpression": "begins_with(pk, :req) AND (sk = :meta OR begins_with(sk, :event))",
            "ExpressionAttributeValues": {
                ":req": _s(REQUEST.keys.record),
                ":meta": _s("META"),
                ":event": _s("EVENT#"),
            },
        }
        while True:
            out = self.table.client.scan(**args)
            for item in out.get("Items", []):
                pk, sk = item["pk"]["S"], item["sk"]["S"]
                if sk == "META":
                    metas[pk] = item
                elif not _expired(item, now):
                    events.setdefault(pk, []).append((sk, _unjson(item)))
            if "LastEvaluatedKey" not in out:
                break
            args["ExclusiveStartKey"] = out["LastEvaluatedKey"]
        stored = []
        for pk, meta in metas.items():
            if _expired(meta, now):
                continue
            record = _with_expiry(meta)
            record["events"] = [e for _, e in sorted(events.get(pk, []), key=lambda kv: kv[0])]
            stored.append(record)
        return stored

    def replace_status_counts(self, counts: dict[tuple[str, str], tuple[int, int]]) -> None:
        puts = [
            {
                "pk": _s(REQUEST.keys.counts),
                "sk": _s(f"STATUS#{status}#{day}{KEPT_SHARD}"),
                "n": _n(n),
                "expires_at": _n(counter_expiry(until)),
            }
            for (status, day), (n, until) in sorted(counts.items())
        ]
        held = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :st)",
            ExpressionAttributeValues={":pk": _s(REQUEST.keys.counts), ":st": _s("STATUS#")},
        )
        self._replace(puts, held)

    def replace_aggregates(
        self, first_day: str, last_day: str, counts: dict[tuple[str, str | None], dict[str, int]]
    ) -> None:
        puts = []
        for (day, association), counters in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            if not first_day <= day <= last_day or not counters:
                continue
            pk, sk = (DAY_PK, day + KEPT_SHARD) if association is None else (ASSOCIATION_PK, f"{day}#{association}")
            puts.append({"pk": _s(pk), "sk": _s(sk), **{COUNTER + name: _n(n) for name, n in sorted(counters.items())}})
        held = []
        for pk in (DAY_PK, ASSOCIATION_PK):
            held += self.table.query_all(
                KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
                ExpressionAttributeValues={":pk": _s(pk), ":a": _s(first_day), ":b": _s(last_day + "#\uffff")},
            )
        self._replace(puts, held)

    def _replace(self, puts: list[dict[str, Any]], held: list[dict[str, Any]]) -> None:
        """Put `puts`, then delete every item of `held` that is not one of them."""
        kept = {(i["pk"]["S"], i["sk"]["S"]) for i in puts}
        gone = [{"pk": i["pk"], "sk": i["sk"]} for i in held if (i["pk"]["S"], i["sk"]["S"]) not in kept]
        writes = [{"PutRequest": {"Item": i}} for i in puts] + [{"DeleteRequest": {"Key": k}} for k in gone]
        self.table.write_all(writes)  # what DynamoDB leaves unprocessed is sent again
