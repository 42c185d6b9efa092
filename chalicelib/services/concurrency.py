"""Optimistic concurrency: one helper for every use case that routes and commits.

A routing decision reads load counters that another writer may change before the commit;
the commit's conditions (capacity, an item held by another transaction) then refuse it and
nothing is written. The use case builds its change again on fresh counts and retries.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from .directory import DirectoryService, DirectorySnapshot
from .ports import Refusal, Rejected

T = TypeVar("T")
L = TypeVar("L")  # the load counts an attempt routes on

MAX_ATTEMPTS = 25  # each retry follows a place taken by someone else
# After a transaction cancelled for a conflict (another one held an item), a random wait
# below this, doubling from it on each conflict up to CONFLICT_WAIT_MAX: writers that
# collided do not collide again in step.
CONFLICT_WAIT = 0.005
CONFLICT_WAIT_MAX = 0.2


class ContentionExhausted(RuntimeError):
    """Every attempt lost to another writer: the caller answers "try again"."""


def commit_with_retries(
    directory: DirectoryService,
    attempt: Callable[[DirectorySnapshot], T],
    retry_also: Callable[[Rejected], bool] = lambda refused: False,
) -> T:
    """Run `attempt` (route, build, commit) on the directory's snapshot until it commits;
    a contention retries on the load counts read again (`refresh_load`)."""
    return commit_on_load(directory.snapshot, attempt, retry_also, fresh=directory.refresh_load)


def commit_on_load(
    read: Callable[[], L],
    attempt: Callable[[L], T],
    retry_also: Callable[[Rejected], bool] = lambda refused: False,
    fresh: Callable[[], L] | None = None,
) -> T:
    """Run `attempt` (route, build, commit) on the load counts `read` gives until it commits.

    Contention (capacity, conflict) retries on fresh load counts (`fresh`, else `read`
    again), after a random wait if another transaction held an item; `retry_also` lets
    the caller retry other refusals it repaired (a reference drawn again). Anything else
    is the caller's to answer.
    """
    load = read()
    wait = CONFLICT_WAIT
    for _ in range(MAX_ATTEMPTS):
        try:
            return attempt(load)
        except Rejected as refused:
            if refused.what is Refusal.CONFLICT:
                time.sleep(random.uniform(0, wait))
                wait = min(wait * 2, CONFLICT_WAIT_MAX)
            if refused.contention:
                load = (fresh or read)()
            elif not retry_also(refused):
                raise
    raise ContentionExhausted(f"no commit after {MAX_ATTEMPTS} attempts")
