"""The association directory: read for routing (cached), replaced by operators, versioned.

Every replacement (the console, `PUT /api/v1/admin/associations`, a restore) is saved as
a numbered version with its author, the author's role and its diff; "Simuler"
(DirectoryPreview) routes the recent requests under a directory not saved yet.

An association's addresses receive its requests and their answer links: only an admin
changes them (adds or removes an association, or restores a version that does), and
each association kept whose addresses change has its previous addresses mailed a notice,
in the outbox with the version (MailComposer.directory_address_notice).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..domain import directory_changes
from ..domain.directory_changes import AddressChange
from ..domain.models import Association
from ..domain.operators import Role
from ..domain.paris_time import french_time
from ..domain.request import Request
from ..domain.routing import DirectoryIndex, RoutingWeights
from .clock import Clock, Now
from .ports import DirectoryStore, DirectoryVersion, MailLogStore, OutgoingMail, Refusal, Rejected, RequestStore

if TYPE_CHECKING:
    from .mails import MailComposer

log = logging.getLogger(__name__)

# Another save may take a version's number between our read and our write: number again.
SAVE_ATTEMPTS = 5

# The authors of the saves no operator makes: both are admin acts.
API_AUTHOR = "api"  # PUT /api/v1/admin/associations, with the admin token
SYSTEM_AUTHOR = "system"  # the seed directory (local/setup.py, scripts/deploy.py)


class AddressChangeRefused(Exception):
    """A save by a non-admin that would change where requests are mailed: nothing saved."""

    def __init__(self, changes: list[AddressChange]):
        super().__init__(f"{len(changes)} association(s) with other addresses")
        self.changes = changes


class InvalidDirectory(Exception):
    def __init__(self, errors: list[dict[str, Any]]):
        super().__init__(f"{len(errors)} invalid association(s)")
        self.errors = errors


@dataclass
class DirectorySnapshot:
    index: DirectoryIndex
    load: dict[str, int]
    loaded_at: float

    def get(self, association_id: str) -> Association | None:
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
        self,
        *,
        store: DirectoryStore,
        mail_log: MailLogStore,
        monotonic: Callable[[], float],
        ttl_seconds: float,
        clock: Clock | None = None,
        mails: MailComposer | None = None,
        mail_retention_days: int = 30,
    ):
        """`mails`: None only where no saved directory changes a kept association's
        addresses (the seed, into an empty directory): such a save is refused without it."""
        self._store = store
        self._clock = clock
        self._mails = mails
        self._mail_retention_days = mail_retention_days
        self._mail_log = mail_log
        self._monotonic = monotonic
        self._ttl = ttl_seconds
        self._snapshot: DirectorySnapshot | None = None
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

    def replace(self, entries: Any, author: str = SYSTEM_AUTHOR) -> int:
        """Validate every entry first: one invalid entry changes nothing. The directory
        saved is a new version by `author` (API_AUTHOR for the admin token, SYSTEM_AUTHOR
        for the seed): both hold the admin's rights."""
        valid = validate_entries(entries)
        self.save(valid, author, role=Role.ADMIN)
        return len(valid)

    def save(
        self, associations: Sequence[Association], author: str, *, role: Role, restored_from: int | None = None
    ) -> DirectoryVersion:
        """Save `associations` as the directory, and as its next version by `author` of
        `role`. AddressChangeRefused when `role` may not change the addresses it changes."""
        after = [a.model_dump(mode="json") for a in sorted(associations, key=lambda a: a.id)]
        for _ in range(SAVE_ATTEMPTS):
            latest = self._store.versions(1)
            number = latest[0].number + 1 if latest else 1
            before, _ = self._store.load_directory()
            before_entries = [a.model_dump(mode="json") for a in before]
            # Checked against the directory this version replaces: a save that raced
            # ours loses its number, and is checked again against the one that won.
            moved = directory_changes.address_changes(before_entries, after)
            if moved and role is not Role.ADMIN:
                # Who tried is the session's; the log keeps no address.
                log.warning("directory address change refused", extra={"role": role.value, "associations": len(moved)})
                raise AddressChangeRefused(moved)
            changes = directory_changes.diff(before_entries, after)
            summary = directory_changes.summary(changes)
            if restored_from is not None:
                summary = f"restauration de la version {restored_from} ({summary})"
            now = self._now()
            version = DirectoryVersion(
                number=number,
                at=now.iso,
                author=author,
                summary=summary,
                changes=tuple(changes[: directory_changes.MAX_STORED_CHANGES]),
                changes_total=len(changes),
                count=len(after),
                restored_from=restored_from,
                entries=tuple(after),
                role=role.value,
            )
            notices = self._notices(moved, version)
            try:
                self._store.save_directory(
                    associations, version, notices, now.epoch + self._mail_retention_days * 86400
                )
            except Rejected as refused:
                if refused.what != Refusal.CONFLICT:
                    raise
                continue
            with self._lock:
                self._snapshot = None
            # No address in the log: the version names its author for those who may read it.
            log.info(
                "directory version saved",
                extra={
                    "version": number,
                    "associations": len(after),
                    "changes": len(changes),
                    "restored_from": restored_from,
                    "address_notices": len(notices),
                },
            )
            return version
        raise Rejected(Refusal.CONFLICT)

    def _notices(self, moved: Sequence[AddressChange], version: DirectoryVersion) -> list[OutgoingMail]:
        """One notice to each previous address of each association kept whose addresses
        change. Removed associations get none (no request goes anywhere for them), nor
        added ones (they had no address)."""
        told = [change for change in moved if change.kept]
        if not told:
            return []
        if self._mails is None:
            raise RuntimeError("address changes need the mail composer to notify the previous addresses")
        return [
            self._mails.directory_address_notice(
                address,
                {
                    "association_name": change.name,
                    "association_id": change.id,
                    "before": list(change.before),
                    "after": list(change.after),
                    "at": french_time(version.at, joiner=" à "),
                    "by_api": version.author == API_AUTHOR,
                    "restored": version.restored_from is not None,
                },
            )
            for change in told
            for address in dict.fromkeys(change.before)
        ]

    def save_entry(self, entry: dict[str, Any], author: str, new: bool, *, role: Role) -> DirectoryVersion:
        """One association added (`new`) or changed, the others as they are now."""
        current, _ = self._store.load_directory()
        proposed = self.with_entry(current, entry, new)
        return self.save(proposed, author, role=role)

    @staticmethod
    def with_entry(current: Sequence[Association], entry: dict[str, Any], new: bool) -> list[Association]:
        """The directory with `entry` put in; InvalidDirectory when it is invalid, or when
        a new one takes an id in use (or a changed one names none)."""
        ids = {a.id for a in current}
        aid = entry.get("id")
        if new and aid in ids:
            raise InvalidDirectory([{"field": "id", "id": aid, "message": "id already in use"}])
        if not new and aid not in ids:
            raise InvalidDirectory([{"field": "id", "id": aid, "message": "no such association"}])
        (association,) = validate_entries([entry])
        return [a for a in current if a.id != aid] + [association]

    def versions(self, limit: int, before: int | None = None) -> list[DirectoryVersion]:
        return self._store.versions(limit, before)

    def version(self, number: int) -> DirectoryVersion | None:
        return self._store.version(number)

    def restore(self, number: int, author: str, *, role: Role) -> DirectoryVersion | None:
        """The directory of version `number` saved again, as a new version; None if there
        is no such version."""
        old = self._store.version(number)
        if old is None:
            return None
        return self.save(validate_entries(list(old.entries or ())), author, role=role, restored_from=number)

    def restoring(self, number: int) -> tuple[DirectoryVersion, list[dict[str, Any]], list[AddressChange]] | None:
        """What restoring version `number` would do now: (the version, its diff from the
        directory in force, its address changes); None if there is no such version."""
        old = self._store.version(number)
        if old is None:
            return None
        current = self.entries()
        entries = list(old.entries or ())
        return old, directory_changes.diff(current, entries), directory_changes.address_changes(current, entries)

    def entry(self, association_id: str) -> Association | None:
        associations, _ = self._store.load_directory()
        return next((a for a in associations if a.id == association_id), None)

    def directory(self) -> tuple[list[Association], dict[str, int]]:
        """The entries as stored now (not the routing cache), with their load counts."""
        return self._store.load_directory()

    def clear_flag(self, association_id: str, address: str) -> bool:
        cleared = self._mail_log.clear_flag(association_id, address)
        if cleared:
            log.info("bounce flag cleared", extra={"association": association_id})
        return cleared

    def _now(self) -> Now:
        return self._clock.now() if self._clock is not None else Now.of(datetime.now(UTC))

    def entries(self) -> list[dict[str, Any]]:
        associations, _ = self._store.load_directory()
        return [a.model_dump(mode="json") for a in sorted(associations, key=lambda a: a.id)]

    def address_flags(self) -> list[dict[str, Any]]:
        """Association addresses whose mail bounced, for an operator to correct the directory."""
        return self._mail_log.address_flags()


def validate_entries(entries: Any) -> list[Association]:
    """Every entry checked: InvalidDirectory lists every error, or none is taken."""
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
                where = "".join(f".{p}" for p in e["loc"])  # nothing when the entry itself is wrong
                errors.append({"field": f"associations[{i}]{where}", "id": name, "message": e["msg"]})
            continue
        if a.id in seen:
            errors.append({"field": f"associations[{i}].id", "id": a.id, "message": "duplicate id"})
        seen.add(a.id)
        valid.append(a)
    if errors:
        raise InvalidDirectory(errors)
    return valid


# The most requests one simulation reads: a window busier than this is cut to its newest.
SIMULATION_MAX_REQUESTS = 10_000
PAGE = 200


@dataclass(eq=False, kw_only=True)
class DirectoryPreview:
    """ "Simuler": the last days' requests routed under a directory not saved yet.

    Reads the requests of the window through the by_created list (newest first, pages of
    200, stopping at the window's start) and the load counters; writes nothing.
    """

    directory: DirectoryService
    requests: RequestStore
    clock: Clock
    weights: RoutingWeights
    days: int

    def recent_requests(self) -> list[Request]:
        now = self.clock.now()
        start = Now.of(datetime.fromtimestamp(now.epoch - self.days * 86400, UTC)).iso
        out: list[Request] = []
        cursor: str | None = None
        while len(out) < SIMULATION_MAX_REQUESTS:
            requests, cursor = self.requests.page(now.epoch, None, None, PAGE, cursor)
            for request in requests:
                if request.created_at < start:
                    return out
                out.append(request)
            if not cursor:
                break
        return out

    def simulate(self, proposed: Sequence[Association], all_departements: bool = False) -> directory_changes.Simulation:
        from ..domain.territory import departements

        current, load = self.directory.directory()
        return directory_changes.simulate(
            self.recent_requests(),
            DirectoryIndex(current),
            DirectoryIndex(proposed),
            load,
            self.weights,
            days=self.days,
            all_departements=departements() if all_departements else None,
        )
