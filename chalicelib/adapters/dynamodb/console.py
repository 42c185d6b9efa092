"""ConsoleStore over the table: the operators and their one-time sign-in links.

  OPERATORS        / <email>            an operator and its role (no expiry: staff list)
  SIGNIN#<nonce>   / SIGNIN             a sign-in link's nonce: single use, 15 minutes
  SIGNIN_BUDGET#<hmac(email)> / <hour>  sign-in links mailed to one address that hour
"""

from __future__ import annotations

from typing import Optional

from ...domain.operators import Operator, Role
from ...services.ports import OutgoingMail
from .outbox import mail_item
from .table import DynamoTable, _n, _s

OPERATORS_PK = "OPERATORS"


class DynamoConsoleStore:
    def __init__(self, table: DynamoTable, mail_grace_seconds: int):
        self.table = table
        self.mail_grace_seconds = mail_grace_seconds

    def operator(self, email: str) -> Optional[Operator]:
        item = self.table.client.get_item(
            TableName=self.table.name, Key={"pk": _s(OPERATORS_PK), "sk": _s(email.lower())}, ConsistentRead=True
        ).get("Item")
        return Operator(item["sk"]["S"], Role(item["role"]["S"])) if item else None

    def list_operators(self) -> list[Operator]:
        """Every operator (the daily digest's recipients): one Query of the staff list."""
        items = self.table.query_all(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(OPERATORS_PK)})
        return [Operator(i["sk"]["S"], Role(i["role"]["S"])) for i in items]

    def replace_operators(self, operators: list[Operator]) -> None:
        """The list as given: new ones added, roles updated, the others removed."""
        wanted = {o.email: o for o in operators}
        present = {i["sk"]["S"] for i in self.table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(OPERATORS_PK)}, ConsistentRead=True,
        )}
        for email in present - set(wanted):
            self.table.client.delete_item(TableName=self.table.name, Key={"pk": _s(OPERATORS_PK), "sk": _s(email)})
        for o in wanted.values():
            self.table.client.put_item(
                TableName=self.table.name, Item={"pk": _s(OPERATORS_PK), "sk": _s(o.email), "role": _s(o.role.value)}
            )

    def open_sign_in(
        self, nonce: str, email: str, created_at: str, expires_at: int, mail: OutgoingMail, budget_key: str, limit: int,
        budget_expires_at: int,
    ) -> None:
        key, _, window = budget_key.rpartition("#")
        self.table.transact([
            ("mail", self.table.put({
                "pk": _s(f"SIGNIN#{nonce}"), "sk": _s("SIGNIN"), "email": _s(email), "expires_at": _n(expires_at),
            })),
            ("mail", self.table.put(mail_item(mail, created_at, expires_at, self.mail_grace_seconds))),
            ("rate", {"Update": {
                "TableName": self.table.name,
                "Key": {"pk": _s(f"SIGNIN_BUDGET#{key}"), "sk": _s(window)},
                "UpdateExpression": "ADD n :one SET expires_at = :exp",
                "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
                "ExpressionAttributeValues": {":one": _n(1), ":limit": _n(limit), ":exp": _n(budget_expires_at)},
            }}),
        ])

    def consume_sign_in(self, nonce: str, now: int) -> Optional[str]:
        client = self.table.client
        try:
            out = client.delete_item(
                TableName=self.table.name,
                Key={"pk": _s(f"SIGNIN#{nonce}"), "sk": _s("SIGNIN")},
                # Deleting it is using it: a second click, or a copy of the link, finds nothing.
                ConditionExpression="attribute_exists(pk) AND expires_at > :now",
                ExpressionAttributeValues={":now": _n(now)},
                ReturnValues="ALL_OLD",
            )
        except client.exceptions.ConditionalCheckFailedException:
            return None
        return out["Attributes"]["email"]["S"]
