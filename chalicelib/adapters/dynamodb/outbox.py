"""OutboxStore over the table: MAIL#<id> / MAIL items, the outbox_due sparse index.

A mail is inserted by the transaction that stores its request or answer (routed.py
calls `mail_item`), state `pending`; the table's stream hands it to the sender, and it is
due for the sweeper only `grace_seconds` later. Then:
pending -> sending (claim, with a lease) -> sent | pending (sure failure, due again
later) | failed (given up: partition OUTBOX_FAILED of the same index, for operators).
An erasure (GDPR art. 17, `erase_mail`) scrubs the body of a request's mail whatever its
state (`erased_at` set); one not sent yet is `cancelled`, off both lists, never claimed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ...domain.erasure import scrubbed_mail_body
from ...services.ports import ClaimedMail, OutgoingMail
from .table import DynamoTable, _expired, _json, _n, _s, _unjson, iso

log = logging.getLogger(__name__)

OUTBOX_DUE_PK = "OUTBOX"
OUTBOX_FAILED_PK = "OUTBOX_FAILED"  # mails given up, listed for operators


def mail_key(mail_id: str) -> dict[str, Any]:
    return {"pk": _s(f"MAIL#{mail_id}"), "sk": _s("MAIL")}


def mail_item(m: OutgoingMail, created: str, expires_at: int, grace_seconds: int) -> dict[str, Any]:
    """A new outbox mail, as the request's transaction inserts it (state `pending`).

    It is due for the sweeper `grace_seconds` after its creation: the stream's consumer
    sends it first, and the sweeper takes only what the stream missed."""
    due = int(datetime.fromisoformat(created).timestamp()) + grace_seconds
    return {
        **mail_key(m.id),
        "body": _json(
            {
                "id": m.id,
                "message_id": m.message_id,
                "to": list(m.to),
                "subject": m.subject,
                "text": m.text,
                "html": m.html,
                "auto_submitted": m.auto_submitted,
                "request_id": m.request_id,
                "kind": m.kind,
                "reply_to": m.reply_to,
                "in_reply_to": m.in_reply_to,
            }
        ),
        "state": _s("pending"),
        "attempts": _n(0),
        "due_pk": _s(OUTBOX_DUE_PK),
        "due_sk": _s(f"{iso(due)}#{m.id}"),
        "expires_at": _n(expires_at),
    }


class DynamoOutboxStore:
    """OutboxStore: claim, marks, the sweeper's due list, the operators' failed list."""

    def __init__(self, table: DynamoTable):
        self.table = table

    def claim_mail(self, mail_id: str, now: int, lease_seconds: int) -> ClaimedMail | None:
        """Take a mail for sending: `pending` -> `sending`, the attempt recorded before any
        send. Also takes a mail left `sending` past its lease (an attempt cut off), marked
        `interrupted` for reconciliation. None if sent, given up, or held by another."""
        client = self.table.client
        until = now + lease_seconds
        try:
            out = client.update_item(
                TableName=self.table.name,
                Key=mail_key(mail_id),
                # due_sk moves to the lease's end: a claim that is never marked shows up
                # in the sweeper's query then, and is reconciled.
                UpdateExpression=(
                    "SET #state = :sending, attempt_at = :now, lease_until = :until, due_pk = :due_pk, due_sk = :due"
                ),
                ConditionExpression=(
                    "(#state = :pending AND (attribute_not_exists(lease_until) OR lease_until < :now))"
                    " OR (#state = :sending AND lease_until < :now)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":pending": _s("pending"),
                    ":sending": _s("sending"),
                    ":now": _n(now),
                    ":until": _n(until),
                    ":due_pk": _s(OUTBOX_DUE_PK),
                    ":due": _s(f"{iso(until)}#{mail_id}"),
                },
                ReturnValues="ALL_OLD",  # the state it was in tells a fresh claim from a cut-off one
            )
        except client.exceptions.ConditionalCheckFailedException:
            return None
        old = out["Attributes"]
        b = _unjson(old)
        mail = OutgoingMail(
            id=b["id"],
            message_id=b["message_id"],
            to=tuple(b["to"]),
            subject=b["subject"],
            text=b["text"],
            html=b["html"],
            auto_submitted=b["auto_submitted"],
            request_id=b.get("request_id"),
            kind=b.get("kind", ""),
            attempts=int(old["attempts"]["N"]),
            reply_to=b.get("reply_to"),
            in_reply_to=b.get("in_reply_to"),
        )
        return ClaimedMail(mail, interrupted=old["state"]["S"] == "sending")

    def mark_sent(self, mail_id: str, now: int, provider_message_id: str | None = None) -> None:
        values = {":sent": _s("sent"), ":now": _n(now)}
        extra = ""
        if provider_message_id:
            values[":pid"] = _s(provider_message_id)
            extra = ", provider_message_id = :pid"
        # Leaving the sparse outbox_due index is what takes it off the sweeper's list.
        self._mark(mail_id, f"SET #state = :sent, sent_at = :now{extra} REMOVE due_pk, due_sk, lease_until", values, "")

    def mark_failed(self, mail_id: str, now: int, retry_at: int, error: str) -> None:
        """A sure failure: `pending` again, due for the sweeper at `retry_at`."""
        self._failed_attempt(mail_id, "pending", OUTBOX_DUE_PK, retry_at, error)

    def mark_failed_permanently(self, mail_id: str, now: int, error: str) -> None:
        """State `failed`: off the sweeper's list, onto the operators' list (same sparse
        index, partition OUTBOX_FAILED), so that neither needs a Scan."""
        self._failed_attempt(mail_id, "failed", OUTBOX_FAILED_PK, now, error, failed_at=now)

    def erase_mail(self, mail_id: str, now: int) -> str | None:
        """Its request was erased: the stored copy loses recipients, subject and text, and
        leaves the sweeper's and the operators' lists; one not sent yet (`pending`, or
        `sending` under a claim) becomes `cancelled`. The state it was in, None if absent."""
        client = self.table.client
        for _ in range(5):  # the state moved between the read and the write: read again
            item = client.get_item(TableName=self.table.name, Key=mail_key(mail_id), ConsistentRead=True).get("Item")
            if not item:
                return None
            seen = item["state"]["S"]
            state = seen if seen in {"sent", "failed", "cancelled"} else "cancelled"
            try:
                client.update_item(
                    TableName=self.table.name,
                    Key=mail_key(mail_id),
                    # last_error too: a sender's error text may name the recipient.
                    UpdateExpression="SET body = :body, #state = :state, erased_at = :now"
                    " REMOVE due_pk, due_sk, lease_until, last_error",
                    ConditionExpression="#state = :seen",
                    ExpressionAttributeNames={"#state": "state"},
                    ExpressionAttributeValues={
                        ":body": _json(scrubbed_mail_body(_unjson(item))),
                        ":state": _s(state),
                        ":now": _n(now),
                        ":seen": _s(seen),
                    },
                )
            except client.exceptions.ConditionalCheckFailedException:
                continue
            return seen
        log.warning("outbox: a mail not scrubbed on erasure (its state kept changing)", extra={"mail_id": mail_id})
        return None

    def _failed_attempt(
        self, mail_id: str, state: str, queue_pk: str, queued_at: int, error: str, failed_at: int | None = None
    ) -> None:
        """One more attempt counted, its error kept, the lease let go, and the mail in its
        new state, queued at `queued_at` in partition `queue_pk` of the outbox_due index.
        Not for a mail erased meanwhile: it stays `cancelled`, on no list."""
        sets = "#state = :state, due_pk = :queue_pk, due_sk = :due, last_error = :err"
        values = {
            ":state": _s(state),
            ":queue_pk": _s(queue_pk),
            ":due": _s(f"{iso(queued_at)}#{mail_id}"),
            ":err": _s(error[:500]),
            ":one": _n(1),
        }
        if failed_at is not None:
            sets += ", failed_at = :failed_at"
            values[":failed_at"] = _n(failed_at)
        # Erased while it was being sent: cancelled, it is never tried again.
        self._mark(
            mail_id, f"SET {sets} ADD attempts :one REMOVE lease_until", values, "attribute_not_exists(erased_at)"
        )

    def _mark(self, mail_id: str, update: str, values: dict[str, Any], condition: str) -> None:
        """One update of a mail's item (`#state`: its state), under `condition` if any,
        and only while the item exists: an UpdateItem on a missing key would create a bare
        item (a mail expired and deleted, a wrong id) without expiry, kept forever. A
        refused mark leaves things as they are."""
        condition = "attribute_exists(pk)" + (f" AND {condition}" if condition else "")
        client = self.table.client
        try:
            client.update_item(
                TableName=self.table.name,
                Key=mail_key(mail_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=values,
            )
        except client.exceptions.ConditionalCheckFailedException:
            return

    def failed_mails(self, now: int, limit: int) -> list[dict[str, Any]]:
        """Mails given up, newest first: what an operator needs to act, not the bodies."""
        out = self.table.client.query(
            TableName=self.table.name,
            IndexName="outbox_due",
            KeyConditionExpression="due_pk = :pk",
            ExpressionAttributeValues={":pk": _s(OUTBOX_FAILED_PK)},
            ScanIndexForward=False,
            Limit=limit,
        )
        items = []
        for i in out.get("Items", []):
            if _expired(i, now):
                continue
            b = _unjson(i)
            items.append(
                {
                    "id": b["id"],
                    "kind": b.get("kind", ""),
                    "request_id": b.get("request_id"),
                    "to": b.get("to", []),
                    "state": i["state"]["S"],
                    "attempts": int(i["attempts"]["N"]),
                    "failed_at": iso(int(i["failed_at"]["N"])),
                    "error": i.get("last_error", {}).get("S", ""),
                }
            )
        return items

    def due_mails(self, now: int, limit: int) -> list[str]:
        """Pending mails whose time has come and claims whose lease ran out, oldest first."""
        out = self.table.client.query(
            TableName=self.table.name,
            IndexName="outbox_due",
            KeyConditionExpression="due_pk = :pk AND due_sk <= :now",
            ExpressionAttributeValues={":pk": _s(OUTBOX_DUE_PK), ":now": _s(f"{iso(now)}#~")},
            Limit=limit,
        )
        return [i["pk"]["S"][5:] for i in out.get("Items", [])]

    def mail_state(self, mail_id: str) -> dict[str, Any] | None:
        item = self.table.client.get_item(TableName=self.table.name, Key=mail_key(mail_id), ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return None
        state = {"state": item["state"]["S"], "attempts": int(item["attempts"]["N"]), **_unjson(item)}
        if "provider_message_id" in item:
            state["provider_message_id"] = item["provider_message_id"]["S"]
        if "last_error" in item:
            state["last_error"] = item["last_error"]["S"]
        if "attempt_at" in item:
            state["attempt_at"] = int(item["attempt_at"]["N"])
        return state
