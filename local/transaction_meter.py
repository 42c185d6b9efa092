"""What each TransactWriteItems really writes, and its write units (bench and tests only).

Wrapped around a DynamoDB client, as local/conflict_rule.py is, it records every committed
transaction as the store sent it: one `Written` per action, with the size of its item
after the write and before it (read with GetItem around the call). DynamoDB bills a
transactional write 2 write units per 1 KB of each item, rounded up, on the larger of the
item's sizes before and after (docs/costs.md, with its sources).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .conflict_rule import item_key

KB = 1024
WRITE_UNITS_PER_KB = 2  # a transactional write; a standard one is 1


def attribute_size(value: dict[str, Any]) -> int:
    """The size of one attribute value by DynamoDB's rules ("Item sizes and formats",
    docs/costs.md): strings in UTF-8 bytes, numbers 1 byte per two significant digits
    plus 1, binaries their bytes, booleans and null 1 byte, a list or map 3 bytes plus
    its elements with 1 byte each, a set its elements."""
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "N":
        digits = Decimal(v).normalize().as_tuple().digits
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(v)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(attribute_size(e) + 1 for e in v)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + attribute_size(e) + 1 for k, e in v.items())
    if kind in {"SS", "NS", "BS"}:
        return sum(attribute_size({kind[0]: e}) for e in v)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """An item's size: its attribute names' UTF-8 bytes and their values' sizes."""
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


@dataclass(frozen=True)
class Written:
    """One action of a committed transaction: Put, Update or Delete of an item."""

    action: str
    pk: str
    sk: str
    size: int  # bytes: the larger of the item's sizes before and after the write

    @property
    def write_units(self) -> int:
        return WRITE_UNITS_PER_KB * max(1, math.ceil(self.size / KB))


class TransactionMeter:
    """Records the transactions committed through `client` (`transactions`, in order)."""

    def __init__(self, client: Any):
        self.client, self.real = client, client.transact_write_items
        self.transactions: list[list[Written]] = []
        self.lock = threading.Lock()
        client.transact_write_items = self

    def _size(self, table: str, pk: str, sk: str) -> int:
        got = self.client.get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
        return item_size(got["Item"]) if "Item" in got else 0

    def __call__(self, **kwargs: Any) -> Any:
        with self.lock:  # one at a time: the sizes read around a call are its own
            actions = [(next(iter(item)), item_key(item)) for item in kwargs["TransactItems"]]
            before = [self._size(*key) for _, key in actions]
            out = self.real(**kwargs)
            after = [self._size(*key) for _, key in actions]
            self.transactions.append(
                [
                    Written(action, pk, sk, max(b, a))
                    for (action, (_, pk, sk)), b, a in zip(actions, before, after, strict=True)
                ]
            )
            return out

    def last(self) -> list[Written]:
        return self.transactions[-1]
