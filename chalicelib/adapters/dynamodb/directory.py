"""DirectoryStore over the table: the directory, its load counters and its versions.

  DIRECTORY         / ASSOC#<id>                 one association (docs/contract.md §5)
  DIRECTORY         / LOAD#<id>                  its load counter (requests waiting on it)
  DIRECTORY         / MENTOR_LOAD#<id>           its mentor load counter (sign-ups waiting on it)
  DIRECTORY_HISTORY / VERSION#<n:010d>           a saved directory's head: author (and role), time, summary, its
                                                 diff (zlib-compressed JSON, binary), the count of parts
  DIRECTORY_HISTORY / ENTRIES#<n:010d>#<k:03d>   its entries: zlib-compressed JSON, split in parts of
                                                 at most 350,000 bytes (an item holds 400 KB)

A load counter (`in_use`) counts the requests (or sign-ups) waiting on an association. It
is taken and released inside the records' own transactions (routed.py calls
`take_capacity` and `release_capacity` with its kind's prefix), so that the capacity is a
condition of the same commit.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from typing import Any

from ...domain.models import Association
from ...domain.record_kind import REQUEST
from ...services.ports import DirectoryVersion, OutgoingMail, Refusal, Rejected
from .outbox import mail_item
from .table import DynamoTable, _json, _n, _s, _unjson, chunks

DIRECTORY_PK = "DIRECTORY"
HISTORY_PK = "DIRECTORY_HISTORY"
PART_BYTES = 350_000


LOAD_PREFIX = REQUEST.keys.load  # requests' counters; sign-ups' are VOLUNTEER.keys.load


def load_key(association_id: str, prefix: str = LOAD_PREFIX) -> dict[str, Any]:
    return {"pk": _s(DIRECTORY_PK), "sk": _s(f"{prefix}{association_id}")}


def take_capacity(table: str, association_id: str, capacity: int | None, prefix: str = LOAD_PREFIX) -> dict[str, Any]:
    """One more request (sign-up) waiting on the association, refused at its capacity."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": load_key(association_id, prefix),
        "UpdateExpression": "ADD in_use :one",
        "ExpressionAttributeValues": {":one": _n(1)},
    }
    if capacity is not None:
        # The atomic guard: never more waiting requests than the capacity, however
        # many intakes race for the last place.
        update["ConditionExpression"] = "attribute_not_exists(in_use) OR in_use < :cap"
        update["ExpressionAttributeValues"][":cap"] = _n(capacity)
    return {"Update": update}


def release_capacity(table: str, association_id: str, delta: int, prefix: str = LOAD_PREFIX) -> dict[str, Any]:
    """`delta` (negative) fewer requests (sign-ups) waiting on the association."""
    return {
        "Update": {
            "TableName": table,
            "Key": load_key(association_id, prefix),
            # Unconditional: every release pairs with a take made in the same kind of
            # transaction, so the count cannot go below zero.
            "UpdateExpression": "ADD in_use :minus",
            "ExpressionAttributeValues": {":minus": _n(delta)},
        }
    }


def load_counters(table: DynamoTable, prefix: str = LOAD_PREFIX) -> dict[str, int]:
    """Every association's counter of one kind: association id -> in_use."""
    items = table.query_all(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :load)",
        ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":load": _s(prefix)},
        ConsistentRead=True,
    )
    return {i["sk"]["S"][len(prefix) :]: int(i.get("in_use", {"N": "0"})["N"]) for i in items}


class DynamoDirectoryStore:
    """DirectoryStore: the entries (one Query for routing) and the load counters."""

    def __init__(self, table: DynamoTable, mail_grace_seconds: int = 120):
        self.table = table
        self.mail_grace_seconds = mail_grace_seconds  # see outbox.mail_item

    def load_directory(self) -> tuple[list[Association], dict[str, int]]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(DIRECTORY_PK)}, ConsistentRead=True
        )
        associations, load = [], {}
        for item in items:
            sk = item["sk"]["S"]
            if sk.startswith("ASSOC#"):
                associations.append(Association.model_validate(_unjson(item)))
            elif sk.startswith(LOAD_PREFIX):
                load[sk[len(LOAD_PREFIX) :]] = int(item.get("in_use", {"N": "0"})["N"])
        return associations, load

    def load_counts(self) -> dict[str, int]:
        return load_counters(self.table)

    def replace_directory(self, associations: Sequence[Association]) -> None:
        """Put the new entries and delete the others; load counters are kept.

        One transaction when it fits (100 items, the usual case): readers never see a
        half-replaced directory. A larger directory is written in chunks.
        """
        self._write(self._replacing(associations))

    def save_directory(
        self,
        associations: Sequence[Association],
        version: DirectoryVersion,
        mails: Sequence[OutgoingMail] = (),
        mail_expires_at: int = 0,
    ) -> None:
        """The entries, their version and its mails, in the same transaction when they
        fit (the version first, then the mails: a larger directory's first chunk holds
        them). A version number already taken refuses the whole of it: Rejected(CONFLICT),
        nothing written."""
        notices = [self.table.put(mail_item(m, version.at, mail_expires_at, self.mail_grace_seconds)) for m in mails]
        self._write(self._version_items(version) + notices + self._replacing(associations), claims_number=True)

    def _replacing(self, associations: Sequence[Association]) -> list[dict[str, Any]]:
        current = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
            ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":a": _s("ASSOC#")},
            ProjectionExpression="sk",
            ConsistentRead=True,
        )
        keep = {f"ASSOC#{a.id}" for a in associations}
        ops: list[dict[str, Any]] = [
            self.table.put(
                {"pk": _s(DIRECTORY_PK), "sk": _s(f"ASSOC#{a.id}"), "body": _json(a.model_dump(mode="json"))},
                new_only=False,
            )
            for a in associations
        ]
        ops += [
            {"Delete": {"TableName": self.table.name, "Key": {"pk": _s(DIRECTORY_PK), "sk": i["sk"]}}}
            for i in current
            if i["sk"]["S"] not in keep
        ]
        return ops

    def _write(self, ops: list[dict[str, Any]], claims_number: bool = False) -> None:
        client = self.table.client
        for i, chunk in enumerate(chunks(ops, 100)):
            try:
                client.transact_write_items(TransactItems=chunk)
            except client.exceptions.TransactionCanceledException as exc:
                codes = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
                if i == 0 and codes & {"ConditionalCheckFailed", "TransactionConflict"}:
                    # The version's number was taken by another save (or one is being
                    # written): nothing of this one was written; the caller numbers again.
                    raise Rejected(Refusal.CONFLICT) from None
                raise

    # -- versions --------------------------------------------------------------------

    def _version_items(self, v: DirectoryVersion) -> list[dict[str, Any]]:
        body = zlib.compress(json.dumps(list(v.entries or ()), ensure_ascii=False).encode("utf-8"), 6)
        parts = [body[i : i + PART_BYTES] for i in range(0, len(body), PART_BYTES)] or [b""]
        head = {
            "pk": _s(HISTORY_PK),
            "sk": _s(f"VERSION#{v.number:010d}"),
            "number": _n(v.number),
            "at": _s(v.at),
            "author": _s(v.author),
            "summary": _s(v.summary),
            "changes": {"B": zlib.compress(json.dumps(list(v.changes), ensure_ascii=False).encode("utf-8"), 6)},
            "changes_total": _n(v.changes_total),
            "count": _n(v.count),
            "parts": _n(len(parts)),
        }
        if v.restored_from is not None:
            head["restored_from"] = _n(v.restored_from)
        if v.role is not None:
            head["role"] = _s(v.role)
        items = [self.table.put(head)]  # new only: the number is taken once
        items += [
            self.table.put(
                {"pk": _s(HISTORY_PK), "sk": _s(f"ENTRIES#{v.number:010d}#{k:03d}"), "body": {"B": part}},
                new_only=False,
            )
            for k, part in enumerate(parts)
        ]
        return items

    @staticmethod
    def _head(item: dict[str, Any], entries: tuple[dict[str, Any], ...] | None = None) -> DirectoryVersion:
        return DirectoryVersion(
            number=int(item["number"]["N"]),
            at=item["at"]["S"],
            author=item["author"]["S"],
            summary=item["summary"]["S"],
            changes=tuple(json.loads(zlib.decompress(bytes(item["changes"]["B"])))),
            changes_total=int(item["changes_total"]["N"]),
            count=int(item["count"]["N"]),
            restored_from=int(item["restored_from"]["N"]) if "restored_from" in item else None,
            entries=entries,
            role=item["role"]["S"] if "role" in item else None,  # absent from versions saved before roles
        )

    def versions(self, limit: int, before: int | None = None) -> list[DirectoryVersion]:
        """Newest first, without their entries; `before`: only those numbered below it."""
        upper = f"VERSION#{before - 1:010d}" if before is not None else "VERSION#9999999999"
        out = self.table.client.query(
            TableName=self.table.name,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={":pk": _s(HISTORY_PK), ":low": _s("VERSION#"), ":high": _s(upper)},
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [self._head(i) for i in out.get("Items", [])]

    def version(self, number: int) -> DirectoryVersion | None:
        """One version with its entries."""
        head = self.table.client.get_item(
            TableName=self.table.name,
            Key={"pk": _s(HISTORY_PK), "sk": _s(f"VERSION#{number:010d}")},
            ConsistentRead=True,
        ).get("Item")
        if head is None:
            return None
        parts = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :e)",
            ExpressionAttributeValues={":pk": _s(HISTORY_PK), ":e": _s(f"ENTRIES#{number:010d}#")},
            ConsistentRead=True,
        )
        body = b"".join(bytes(p["body"]["B"]) for p in sorted(parts, key=lambda p: p["sk"]["S"]))
        entries = json.loads(zlib.decompress(body)) if body else []
        return self._head(head, tuple(entries))
