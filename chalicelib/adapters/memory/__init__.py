"""Every storage port in memory, with DynamoDB's semantics (the contract tests in
tests/contract/ run the same tests on both): conditions refuse with the same Refusal
and write nothing, commits are all or nothing, reads skip expired records, lists are
newest first with a cursor, and one lock makes it safe across threads.

For tests and tools only: nothing survives the process.
"""

from __future__ import annotations

from .directory import MemoryDirectoryStore
from .mail_log import MemoryMailLogStore
from .outbox import MemoryOutboxStore
from .routed import MemoryRoutedStore
from .state import MemoryState

__all__ = ["MemoryDirectoryStore", "MemoryMailLogStore", "MemoryOutboxStore", "MemoryRoutedStore", "MemoryState"]
