"""The association directory: read for routing (cached), replaced by operators."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional

from pydantic import ValidationError

from ..domain.models import Association
from ..domain.routing import DirectoryIndex
from .ports import DirectoryStore, MailLogStore


class InvalidDirectory(Exception):
    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(f"{len(errors)} invalid association(s)")
        self.errors = errors


@dataclass
class DirectorySnapshot:
    index: DirectoryIndex
    load: dict[str, int]
    loaded_at: float

    def get(self, association_id: str) -> Optional[Association]:
        pos = self.index.position.get(association_id)
        return None if pos is None else self.index.associations[pos]


class DirectoryService:
    """Keeps the compiled directory in memory for a few seconds.

    Routing reads it on every intake, and one query per intake would cost as much as the
    intake's own transaction. The cached load counts are only a preference (the tie-break):
    the capacity itself is guarded by a condition in the intake transaction, and a refused
    condition refreshes the counts (`refresh_load`).
    """

    def __init__(
        self, *, store: DirectoryStore, mail_log: MailLogStore, monotonic: Callable[[], float], ttl_seconds: float
    ):
        self._store = store
        self._mail_log = mail_log
        self._monotonic = monotonic
        self._ttl = ttl_seconds
        self._snapshot: Optional[DirectorySnapshot] = None
        self._lock = threading.Lock()

    def snapshot(self) -> DirectorySnapshot:
        snap = self._snapshot
        if snap is None or self._monotonic() - snap.loaded_at > self._ttl:
            with self._lock:
                snap = self._snapshot
                if snap is None or self._monotonic() - snap.loaded_at > self._ttl:
                    associations, load = self._store.load_directory()
                    snap = DirectorySnapshot(DirectoryIndex(associations), load, self._monotonic())
                    self._snapshot = snap
        return snap

    def refresh_load(self) -> DirectorySnapshot:
        snap = self.snapshot()
        snap.load = self._store.load_counts()
        return snap

    def note_taken(self, association_id: str) -> None:
        snap = self._snapshot
        if snap is not None:
            with self._lock:
                snap.load[association_id] = snap.load.get(association_id, 0) + 1

    def note_released(self, association_id: str) -> None:
        snap = self._snapshot
        if snap is not None:
            with self._lock:
                snap.load[association_id] = max(snap.load.get(association_id, 0) - 1, 0)

    def replace(self, entries: Any) -> int:
        """Validate every entry first: one invalid entry changes nothing."""
        if not isinstance(entries, list):
            raise InvalidDirectory([{"field": "associations", "message": "a list of associations is expected"}])
        valid: list[Association] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            name = entry.get("id") if isinstance(entry, dict) else None
            try:
                a = Association.model_validate(entry)
            except ValidationError as exc:
                for e in exc.errors():
                    where = ".".join(str(p) for p in e["loc"])
                    errors.append({"field": f"associations[{i}].{where}", "id": name, "message": e["msg"]})
                continue
            if a.id in seen:
                errors.append({"field": f"associations[{i}].id", "id": a.id, "message": "duplicate id"})
            seen.add(a.id)
            valid.append(a)
        if errors:
            raise InvalidDirectory(errors)
        self._store.replace_directory(valid)
        with self._lock:
            self._snapshot = None
        return len(valid)

    def entries(self) -> list[dict[str, Any]]:
        associations, _ = self._store.load_directory()
        return [a.model_dump(mode="json") for a in sorted(associations, key=lambda a: a.id)]

    def address_flags(self) -> list[dict[str, Any]]:
        """Association addresses whose mail bounced, for an operator to correct the directory."""
        return self._mail_log.address_flags()
