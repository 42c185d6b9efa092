"""MailLogStore over the table: what mail intake remembers besides requests.

QUARANTINE      / <at>#<id>               inbound mail that could not be parsed (or was held
                                          back), with the references it names
ACK#<sender>    / <window>                acknowledgements sent to one mail sender
SENDER#<sender> / <day>                   requests made by one mail sender that day
DIRECTORY       / FLAG#<id>#<address>     an association address whose mail bounced
REPLIES         / <at>#<request id>       a reply joined a request (the daily digest)
"""

from __future__ import annotations

from typing import Any

from .directory import DIRECTORY_PK
from .table import DynamoTable, _expired, _json, _n, _s, _unjson

QUARANTINE_PK = "QUARANTINE"
REPLIES_PK = "REPLIES"


class DynamoMailLogStore:
    """MailLogStore: quarantine, per-sender budgets, bounced association addresses."""

    def __init__(self, table: DynamoTable):
        self.table = table

    def _take_budget(self, pk: str, sk: str, limit: int, expires_at: int) -> bool:
        client = self.table.client
        try:
            client.update_item(
                TableName=self.table.name,
                Key={"pk": _s(pk), "sk": _s(sk)},
                UpdateExpression="ADD n :one SET expires_at = :exp",
                ConditionExpression="attribute_not_exists(n) OR n < :limit",
                ExpressionAttributeValues={":one": _n(1), ":limit": _n(limit), ":exp": _n(expires_at)},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def take_ack_budget(self, sender_key: str, window: int, limit: int, expires_at: int) -> bool:
        """Count one acknowledgement to this sender in this window; False when over the limit."""
        return self._take_budget(f"ACK#{sender_key}", str(window), limit, expires_at)

    def take_sender_budget(self, sender_key: str, day: int, limit: int, expires_at: int) -> bool:
        """Count one mail-intake request from this sender on this day; False when over the limit."""
        return self._take_budget(f"SENDER#{sender_key}", str(day), limit, expires_at)

    def quarantine(self, at: str, record: dict[str, Any], expires_at: int) -> str:
        return self.table.add_to_log(QUARANTINE_PK, at, record, expires_at)

    def list_quarantine(self, now: int, limit: int) -> list[dict[str, Any]]:
        """Newest first."""
        return self.table.newest_in_log(QUARANTINE_PK, now, limit)

    def flag_address(self, association_id: str, address: str, at: str, reason: str) -> None:
        """Remember that mail to this address bounced: operators fix the directory."""
        self.table.client.put_item(
            TableName=self.table.name,
            Item={
                "pk": _s(DIRECTORY_PK),
                "sk": _s(f"FLAG#{association_id}#{address}"),
                "body": _json({"association": association_id, "address": address, "at": at, "reason": reason}),
            },
        )

    def address_flags(self) -> list[dict[str, Any]]:
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :f)",
            ExpressionAttributeValues={":pk": _s(DIRECTORY_PK), ":f": _s("FLAG#")},
        )
        return [_unjson(i) for i in items]

    def clear_flag(self, association_id: str, address: str) -> bool:
        """An operator corrected the address: the flag goes; False if there was none."""
        out = self.table.client.delete_item(
            TableName=self.table.name,
            Key={"pk": _s(DIRECTORY_PK), "sk": _s(f"FLAG#{association_id}#{address}")},
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in out

    # -- the console: quarantine, replies for the digest (docs/console.md) ---------------

    def quarantined(self, key: str, now: int) -> dict[str, Any] | None:
        """One quarantined mail by its sort key (<at>#<id>), unless expired."""
        item = self.table.client.get_item(
            TableName=self.table.name, Key={"pk": _s(QUARANTINE_PK), "sk": _s(key)}, ConsistentRead=True
        ).get("Item")
        return None if item is None or _expired(item, now) else _unjson(item)

    def delete_quarantined(self, key: str) -> bool:
        out = self.table.client.delete_item(
            TableName=self.table.name, Key={"pk": _s(QUARANTINE_PK), "sk": _s(key)}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in out

    def quarantine_naming(self, reference: str) -> list[dict[str, Any]]:
        """The quarantined mails naming `reference`, expired ones too: one Query of the
        QUARANTINE partition (it holds a retention's worth of broken mail, never requests)."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(QUARANTINE_PK)}
        )
        return [r for r in (_unjson(i) for i in items) if reference in (r.get("references") or ())]

    def note_reply(self, at: str, request_id: str, reference: str, expires_at: int) -> None:
        """A reply joined this request: the digest lists it until an operator acts."""
        self.table.client.put_item(
            TableName=self.table.name,
            Item={
                "pk": _s(REPLIES_PK),
                "sk": _s(f"{at}#{request_id}"),
                "body": _json({"at": at, "request_id": request_id, "reference": reference}),
                "expires_at": _n(expires_at),
            },
        )

    def replies_since(self, since: str, now: int) -> list[dict[str, Any]]:
        """Replies noted at or after `since` (ISO), oldest first."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk AND sk > :since",
            ExpressionAttributeValues={":pk": _s(REPLIES_PK), ":since": _s(since)},
        )
        return [_unjson(i) for i in items if not _expired(i, now)]
