"""OutboxStore in memory: pending -> sending (claim, lease) -> sent | pending | failed.

Mails are inserted by the request transactions (routed.py calls `insert_mail`); each
insertion is also noted in `inserted_mails`, what the table's stream carries in DynamoDB,
which `take_inserted` hands over (tests deliver mails as the stream consumer would).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from ...domain.erasure import scrubbed_mail_body
from ...services.ports import ClaimedMail, OutgoingMail, Refusal
from .state import MemoryState, StoredMail, Transaction, dump, expired


def insert_mail(
    state: MemoryState, tx: Transaction, mail: OutgoingMail, created: str, expires_at: int, grace_seconds: int
) -> None:
    """A new mail (state `pending`), due for the sweeper `grace_seconds` after `created`."""
    tx.require(mail.id not in state.mails, Refusal.CONFLICT)
    body = {k: v for k, v in asdict(mail).items() if k != "attempts"}
    body["to"] = list(mail.to)
    due = int(datetime.fromisoformat(created).timestamp()) + grace_seconds

    def write() -> None:
        state.mails[mail.id] = StoredMail(dump(body), "pending", expires_at, queue="due", queued_at=due)
        state.inserted_mails.append(mail.id)

    tx.then(write)


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MemoryOutboxStore:
    def __init__(self, state: MemoryState):
        self.state = state

    def take_inserted(self) -> list[str]:
        """The mails inserted since the last call, in order: the stream's records."""
        with self.state.lock:
            ids, self.state.inserted_mails = self.state.inserted_mails, []
        return ids

    def claim_mail(self, mail_id: str, now: int, lease_seconds: int) -> ClaimedMail | None:
        with self.state.lock:
            m = self.state.mails.get(mail_id)
            lease_over = m is not None and (m.lease_until is None or m.lease_until < now)
            if m is None or not lease_over or m.state not in {"pending", "sending"}:
                return None
            if m.state == "sending" and m.lease_until is None:
                return None  # never happens: a claim always sets its lease
            interrupted = m.state == "sending"
            attempts = m.attempts
            m.state, m.attempt_at, m.lease_until = "sending", now, now + lease_seconds
            # Due again when the lease ends: an attempt never marked is then reconciled.
            m.queue, m.queued_at = "due", now + lease_seconds
            body = json.loads(m.body)
        mail = OutgoingMail(**{**body, "to": tuple(body["to"]), "attempts": attempts})
        return ClaimedMail(mail, interrupted=interrupted)

    def erase_mail(self, mail_id: str, now: int) -> str | None:
        """As DynamoOutboxStore.erase_mail: body scrubbed, off every list, `cancelled` if unsent."""
        with self.state.lock:
            m = self.state.mails.get(mail_id)
            if m is None:
                return None
            seen = m.state
            m.body = dump(scrubbed_mail_body(json.loads(m.body)))
            m.state = seen if seen in {"sent", "failed", "cancelled"} else "cancelled"
            m.erased_at, m.queue, m.lease_until, m.last_error = now, None, None, None
        return seen

    def _update(self, mail_id: str, failed_attempt: bool = False, **changes: Any) -> None:
        with self.state.lock:
            m = self.state.mails.get(mail_id)
            if m is None:
                return  # a mark for a mail that is not stored: nothing to mark
            if failed_attempt and m.erased_at is not None:
                return  # erased while it was being sent: cancelled, never tried again
            for name, value in changes.items():
                setattr(m, name, value)
            m.attempts += 1 if failed_attempt else 0

    def mark_sent(self, mail_id: str, now: int, provider_message_id: str | None = None) -> None:
        changes: dict[str, Any] = {"state": "sent", "queue": None, "lease_until": None}
        if provider_message_id:
            changes["provider_message_id"] = provider_message_id
        self._update(mail_id, **changes)

    def mark_failed(self, mail_id: str, now: int, retry_at: int, error: str) -> None:
        self._update(
            mail_id,
            state="pending",
            queue="due",
            queued_at=retry_at,
            last_error=error[:500],
            lease_until=None,
            failed_attempt=True,
        )

    def mark_failed_permanently(self, mail_id: str, now: int, error: str) -> None:
        self._update(
            mail_id,
            state="failed",
            failed_at=now,
            last_error=error[:500],
            queue="failed",
            queued_at=now,
            lease_until=None,
            failed_attempt=True,
        )

    def _queue(self, queue: str) -> list[tuple[int, str, StoredMail]]:
        return sorted((m.queued_at, i, m) for i, m in self.state.mails.items() if m.queue == queue)

    def failed_mails(self, now: int, limit: int) -> list[dict[str, Any]]:
        with self.state.lock:
            newest = self._queue("failed")[::-1][:limit]
            listed = []
            for _, mail_id, m in newest:
                if expired(m.expires_at, now):
                    continue
                body = json.loads(m.body)
                listed.append(
                    {
                        "id": mail_id,
                        "kind": body.get("kind", ""),
                        "request_id": body.get("request_id"),
                        "to": body.get("to", []),
                        "state": m.state,
                        "attempts": m.attempts,
                        "failed_at": _utc(m.failed_at or 0),
                        "error": m.last_error or "",
                    }
                )
        return listed

    def due_mails(self, now: int, limit: int) -> list[str]:
        with self.state.lock:
            return [mail_id for at, mail_id, _ in self._queue("due") if at <= now][:limit]

    def mail_state(self, mail_id: str) -> dict[str, Any] | None:
        with self.state.lock:
            m = self.state.mails.get(mail_id)
            if m is None:
                return None
            state: dict[str, Any] = {"state": m.state, "attempts": m.attempts, **json.loads(m.body)}
            optional = {
                "provider_message_id": m.provider_message_id,
                "last_error": m.last_error,
                "attempt_at": m.attempt_at,
            }
        state.update({k: v for k, v in optional.items() if v is not None})
        return state
