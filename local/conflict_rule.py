"""DynamoDB's transaction conflict rule, for DynamoDB Local (bench and tests only).

DynamoDB cancels a TransactWriteItems that touches an item another transaction is
writing (reason `TransactionConflict`); DynamoDB Local runs transactions one at a time
and never does, so contention on shared counters cannot be seen on it alone. The rule
here holds a transaction's items for its whole call, DynamoDB Local's own queue
included: more conflicts than DynamoDB would give, a pessimistic measure.
"""

from __future__ import annotations

import threading
from collections import Counter


class ConflictRule:
    """DynamoDB cancels a transaction that touches an item another transaction is
    writing (TransactionConflict); DynamoDB Local runs them one at a time and never
    does. Wrapped around a client, this applies DynamoDB's rule: while a
    TransactWriteItems is in flight its items are held, and another one touching any of
    them is cancelled as DynamoDB cancels it, its reason at that item's place."""

    def __init__(self, client):
        self.client, self.real = client, client.transact_write_items
        self.held: Counter = Counter()
        self.lock = threading.Lock()
        self.conflicts = 0
        self.on: Counter = Counter()  # which items' partitions clashed
        client.transact_write_items = self

    @staticmethod
    def _key(item: dict) -> tuple:
        ((_, body),) = item.items()
        key = body.get("Key") or {k: body["Item"][k] for k in ("pk", "sk")}
        return body["TableName"], key["pk"]["S"], key["sk"]["S"]

    def __call__(self, **kwargs):
        keys = [self._key(item) for item in kwargs["TransactItems"]]
        with self.lock:
            clash = [self.held[k] > 0 for k in keys]
            if any(clash):
                self.conflicts += 1
                self.on.update(k[1].split("#")[0] for k, c in zip(keys, clash, strict=True) if c)
                reasons = [{"Code": "TransactionConflict" if c else "None"} for c in clash]
                raise self.client.exceptions.TransactionCanceledException(
                    {
                        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                        "CancellationReasons": reasons,
                    },
                    "TransactWriteItems",
                )
            self.held.update(keys)
        try:
            return self.real(**kwargs)
        finally:
            with self.lock:
                self.held.subtract(keys)
