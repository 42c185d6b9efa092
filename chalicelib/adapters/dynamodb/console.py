"""ConsoleStore over the table: the operators, their one-time sign-in links, the limits
on asking for links, and the console's sessions.

  OPERATORS        / <email>            an operator and its role (no expiry: staff list)
  SIGNIN#<nonce>   / SIGNIN             a sign-in link's nonce: single use, 15 minutes
  SIGNIN_BUDGET#<hmac(email, client)> / <hour>
                                        links mailed to one address for one sender that hour
  RATE#<key>       / RATE               sign-in requests of one sender in a window (table.py)
  SESSIONS         / <hash(session id)> an open session: its operator, until `expires_at`

Every session is in one partition: ending them all, or an operator's, is a Query of it
(a few per operator: 12 hours each), never a Scan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...domain.operators import Operator, Role
from ...services.ports import OutgoingMail, Refusal, Rejected
from .outbox import mail_item
from .table import DynamoTable, _expired, _n, _s, rate_counter_key

OPERATORS_PK = "OPERATORS"
SESSIONS_PK = "SESSIONS"


class DynamoConsoleStore:
    def __init__(self, table: DynamoTable, mail_grace_seconds: int):
        self.table = table
        self.mail_grace_seconds = mail_grace_seconds

    def operator(self, email: str) -> Operator | None:
        item = self.table.client.get_item(
            TableName=self.table.name, Key={"pk": _s(OPERATORS_PK), "sk": _s(email.lower())}, ConsistentRead=True
        ).get("Item")
        return Operator(item["sk"]["S"], Role(item["role"]["S"])) if item else None

    def list_operators(self) -> list[Operator]:
        """Every operator (the daily digest's recipients): one Query of the staff list."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(OPERATORS_PK)}
        )
        return [Operator(i["sk"]["S"], Role(i["role"]["S"])) for i in items]

    def replace_operators(self, operators: list[Operator]) -> None:
        """The list as given: new ones added, roles updated, the others removed with their
        sessions."""
        wanted = {o.email: o for o in operators}
        present = {
            i["sk"]["S"]
            for i in self.table.query_all(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": _s(OPERATORS_PK)},
                ConsistentRead=True,
            )
        }
        for email in present - set(wanted):
            self.table.client.delete_item(TableName=self.table.name, Key={"pk": _s(OPERATORS_PK), "sk": _s(email)})
        for o in wanted.values():
            self.table.client.put_item(
                TableName=self.table.name, Item={"pk": _s(OPERATORS_PK), "sk": _s(o.email), "role": _s(o.role.value)}
            )
        # After the list: a session opened meanwhile by a removed operator is found here,
        # and one opened later is refused, its operator no longer being on the list.
        self._close_sessions(lambda item: item["email"]["S"] not in wanted)

    def count_sign_in_request(self, key: str, limit: int, expires_at: int) -> None:
        client = self.table.client
        try:
            client.update_item(**self.table.counter(*rate_counter_key(key), limit, expires_at)["Update"])
        except client.exceptions.ConditionalCheckFailedException:
            raise Rejected(Refusal.RATE) from None

    def open_sign_in(
        self,
        nonce: str,
        email: str,
        created_at: str,
        expires_at: int,
        mail: OutgoingMail,
        budget_key: str,
        limit: int,
        budget_expires_at: int,
    ) -> None:
        key, _, window = budget_key.rpartition("#")
        self.table.transact(
            [
                (
                    "mail",
                    self.table.put(
                        {
                            "pk": _s(f"SIGNIN#{nonce}"),
                            "sk": _s("SIGNIN"),
                            "email": _s(email),
                            "expires_at": _n(expires_at),
                        }
                    ),
                ),
                ("mail", self.table.put(mail_item(mail, created_at, expires_at, self.mail_grace_seconds))),
                ("rate", self.table.counter(f"SIGNIN_BUDGET#{key}", window, limit, budget_expires_at)),
            ]
        )

    def consume_sign_in(self, nonce: str, now: int) -> str | None:
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

    # -- sessions -------------------------------------------------------------------------

    def open_session(self, session_key: str, email: str, expires_at: int) -> None:
        self.table.client.put_item(
            TableName=self.table.name,
            Item={"pk": _s(SESSIONS_PK), "sk": _s(session_key), "email": _s(email), "expires_at": _n(expires_at)},
        )

    def session_email(self, session_key: str, now: int) -> str | None:
        item = self.table.client.get_item(
            TableName=self.table.name,
            Key={"pk": _s(SESSIONS_PK), "sk": _s(session_key)},
            ConsistentRead=True,
        ).get("Item")
        # TTL deletes an expired session up to days later: until then it is refused here.
        return item["email"]["S"] if item and not _expired(item, now) else None

    def close_session(self, session_key: str) -> None:
        self.table.client.delete_item(TableName=self.table.name, Key={"pk": _s(SESSIONS_PK), "sk": _s(session_key)})

    def close_all_sessions(self) -> int:
        return self._close_sessions(lambda item: True)

    def _close_sessions(self, which: Callable[[dict[str, Any]], bool]) -> int:
        """Deletes the sessions `which(item)` picks (expired ones too); how many it deleted."""
        items = self.table.query_all(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(SESSIONS_PK)},
            ConsistentRead=True,
        )
        closing = [i for i in items if which(i)]
        for item in closing:
            self.close_session(item["sk"]["S"])
        return len(closing)
