"""DirectoryStore over the table: the DIRECTORY partition's ASSOC#<id> and LOAD#<id> items.

A load counter (`in_use`) counts the requests waiting on an association. It is taken and
released inside the request transactions (requests.py calls `take_capacity` and
`release_capacity`), so that the capacity is a condition of the same commit.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from ...domain.models import Association
from .table import DynamoTable, _json, _n, _s, _unjson, chunks

DIRECTORY_PK = "DIRECTORY"


def load_key(association_id: str) -> dict[str, Any]:
    return {"pk": _s(DIRECTORY_PK), "sk": _s(f"LOAD#{association_id}")}


def take_capacity(table: str, association_id: str, capacity: Optional[int]) -> dict[str, Any]:
    """One more request waiting on the association, refused at its capacity."""
    update: dict[str, Any] = {
        "TableName": table,
        "Key": load_key(association_id),
        "UpdateExpression": "ADD in_use :one",
        "ExpressionAttributeValues": {":one": _n(1)},
    }
    if capacity is not None:
        # The atomic guard: never more waiting requests than the capacity, however
        # many intakes race for the last place.
        update["ConditionExpression"] = "attribute_not_exists(in_use) OR in_use < :cap"
        update["ExpressionAttributeValues"][":cap"] = _n(capacity)
    return {"Update": update}


def release_capacity(table: str, association_id: str, delta: int) -> dict[str, Any]:
    """`delta` (negative) fewer requests waiting on the association."""
    return {
        "Update": {
            "TableName": table,
            "Key": load_key(association_id),
            # Unconditional: every release pairs with a take made in the same kind of
            # transaction, so the count cannot go below zero.
            "UpdateExpression": "ADD in_use :minus",
            "ExpressionAttributeValues": {":minus": _n(delta)},
        }
    }


class DynamoDirectoryStore:
    """DirectoryStore: the entries (one Query for routing) and the load counters."""

    def __init__(self, table: DynamoTable):
        self.table = table

    def load_directory(self) -> tuple[list[Association], dict[str, int]]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(DIRECTORY_PK)}, ConsistentRead=True
        )
        associations, load = [], {}
        for item in items:
            sk = item["sk"]["S"]
            if sk.startswith("ASSOC#"):
                associations.append(Association.model_validate(_unjson(item)))
            elif sk.startswith("LOAD#"):
                load[sk[5:]] = int(item.get("in_use", {"N": "0"})["N"])
        return associations, load

    def load_counts(self) -> dict[str, int]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :load)",
            ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":load": _s("LOAD#")},
            ConsistentRead=True,
        )
        return {i["sk"]["S"][5:]: int(i.get("in_use", {"N": "0"})["N"]) for i in items}

    def replace_directory(self, associations: Sequence[Association]) -> None:
        """Put the new entries and delete the others; load counters are kept.

        One transaction when it fits (100 items, the usual case): readers never see a
        half-replaced directory. A larger directory is written in chunks.
        """
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
        for chunk in chunks(ops, 100):
            self.table.client.transact_write_items(TransactItems=chunk)
