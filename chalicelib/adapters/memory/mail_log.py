"""MailLogStore in memory: quarantine, per-sender budgets, bounced association addresses."""

from __future__ import annotations

import json
from typing import Any

from .state import MemoryState, add_to_log, dump, expired, newest_in_log


class MemoryMailLogStore:
    def __init__(self, state: MemoryState):
        self.state = state

    def _take(self, key: tuple[str, str], limit: int) -> bool:
        with self.state.lock:
            taken = self.state.budgets.get(key)
            if taken is not None and taken >= limit:
                return False
            self.state.budgets[key] = (taken or 0) + 1
            return True

    def take_ack_budget(self, sender_key: str, window: int, limit: int, expires_at: int) -> bool:
        return self._take((f"ACK#{sender_key}", str(window)), limit)

    def take_sender_budget(self, sender_key: str, day: int, limit: int, expires_at: int) -> bool:
        return self._take((f"SENDER#{sender_key}", str(day)), limit)

    def quarantine(self, at: str, record: dict[str, Any], expires_at: int) -> str:
        return add_to_log(self.state, self.state.quarantined, at, record, expires_at)

    def list_quarantine(self, now: int, limit: int) -> list[dict[str, Any]]:
        return newest_in_log(self.state, self.state.quarantined, now, limit)

    def flag_address(self, association_id: str, address: str, at: str, reason: str) -> None:
        record = {"association": association_id, "address": address, "at": at, "reason": reason}
        with self.state.lock:
            self.state.flags[f"{association_id}#{address}"] = dump(record)

    def address_flags(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [json.loads(self.state.flags[k]) for k in sorted(self.state.flags)]

    def clear_flag(self, association_id: str, address: str) -> bool:
        """An operator corrected the address: the flag goes; False if there was none."""
        with self.state.lock:
            return self.state.flags.pop(f"{association_id}#{address}", None) is not None

    # -- the console: quarantine, replies for the digest (docs/console.md) ---------------

    def quarantined(self, key: str, now: int) -> dict[str, Any] | None:
        with self.state.lock:
            found = self.state.quarantined.get(key)
        return None if found is None or expired(found[1], now) else json.loads(found[0])

    def delete_quarantined(self, key: str) -> bool:
        with self.state.lock:
            return self.state.quarantined.pop(key, None) is not None

    def quarantine_naming(self, reference: str) -> list[dict[str, Any]]:
        with self.state.lock:
            records = [json.loads(body) for body, _ in self.state.quarantined.values()]
        return [r for r in records if reference in (r.get("references") or ())]

    def note_reply(self, at: str, request_id: str, reference: str, expires_at: int) -> None:
        with self.state.lock:
            self.state.replies[f"{at}#{request_id}"] = (
                dump({"at": at, "request_id": request_id, "reference": reference}),
                expires_at,
            )

    def replies_since(self, since: str, now: int) -> list[dict[str, Any]]:
        with self.state.lock:
            found = [self.state.replies[k] for k in sorted(self.state.replies) if k > since]
        return [json.loads(body) for body, expires_at in found if not expired(expires_at, now)]
