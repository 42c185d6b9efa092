"""DirectoryStore in memory: the entries, each association's load counter, the versions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace

from ...domain.models import Association
from ...services.ports import DirectoryVersion, OutgoingMail, Refusal
from . import outbox
from .state import MemoryState, Transaction, dump


def take_capacity(load: dict[str, int], tx: Transaction, association_id: str, capacity: int | None) -> None:
    """One more request (sign-up) waiting on the association, refused at its capacity.
    `load`: the counters of that kind (MemoryState.load, or the sign-ups' own)."""
    in_use = load.get(association_id)
    tx.require(capacity is None or in_use is None or in_use < capacity, Refusal.CAPACITY)
    tx.then(lambda: move_load(load, association_id, 1))


def move_load(load: dict[str, int], association_id: str, delta: int) -> None:
    # A counter exists once first moved, and stays (at 0) when its records leave.
    load[association_id] = load.get(association_id, 0) + delta


class MemoryDirectoryStore:
    def __init__(self, state: MemoryState, mail_grace_seconds: int = 120):
        self.state = state
        self.mail_grace_seconds = mail_grace_seconds  # see outbox.insert_mail

    def load_directory(self) -> tuple[list[Association], dict[str, int]]:
        with self.state.lock:
            entries = [self.state.associations[i] for i in sorted(self.state.associations)]
            load = dict(sorted(self.state.load.items()))
        return [Association.model_validate(json.loads(e)) for e in entries], load

    def load_counts(self) -> dict[str, int]:
        with self.state.lock:
            return dict(sorted(self.state.load.items()))

    def replace_directory(self, associations: Sequence[Association]) -> None:
        """The new entries replace all others at once; load counters are kept."""
        entries = {a.id: dump(a.model_dump(mode="json")) for a in associations}
        with self.state.lock:
            self.state.associations = entries

    def save_directory(
        self,
        associations: Sequence[Association],
        version: DirectoryVersion,
        mails: Sequence[OutgoingMail] = (),
        mail_expires_at: int = 0,
    ) -> None:
        """The entries, their version and its mails at once; a number already taken:
        Rejected, nothing written."""
        entries = {a.id: dump(a.model_dump(mode="json")) for a in associations}
        s = self.state
        with s.lock:
            tx = Transaction()
            tx.require(version.number not in s.directory_versions, Refusal.CONFLICT)
            tx.then(lambda: s.directory_versions.__setitem__(version.number, dump(asdict(version))))
            for m in mails:
                outbox.insert_mail(s, tx, m, version.at, mail_expires_at, self.mail_grace_seconds)
            tx.then(lambda: setattr(s, "associations", entries))
            tx.commit()

    def versions(self, limit: int, before: int | None = None) -> list[DirectoryVersion]:
        with self.state.lock:
            numbers = sorted((n for n in self.state.directory_versions if before is None or n < before), reverse=True)
            stored = [self.state.directory_versions[n] for n in numbers[:limit]]
        return [replace(_version(s), entries=None) for s in stored]

    def version(self, number: int) -> DirectoryVersion | None:
        with self.state.lock:
            stored = self.state.directory_versions.get(number)
        return None if stored is None else _version(stored)


def _version(stored: str) -> DirectoryVersion:
    v = json.loads(stored)
    v["changes"] = tuple(v["changes"])
    v["entries"] = tuple(v["entries"] or ())
    return DirectoryVersion(**v)
