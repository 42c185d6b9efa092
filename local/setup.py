"""Table creation and seed loading, shared by `make run`, the tests and the benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib.adapters.dynamodb import ensure_table
from chalicelib.domain.operators import parse_operators

SEED_DIRECTORY = Path(__file__).resolve().parent.parent / "chalicelib" / "data" / "directory.json"


def seed_entries() -> list[dict]:
    return json.loads(SEED_DIRECTORY.read_text(encoding="utf-8"))["associations"]


def prepare(services, seed: bool = True) -> tuple[bool, int]:
    """Create the table if needed (none for in-memory stores); load the seed directory
    into an empty directory.

    An existing directory (replaced by an operator through the API) is kept.
    """
    created = services.table is not None and ensure_table(services.table.client, services.settings.table_name)
    if services.settings.operators:
        # The local stack's console list comes from OPERATORS (in AWS: scripts/operators.py).
        services.stores.console.replace_operators(parse_operators(services.settings.operators))
    seeded = 0
    if seed and not services.directory.entries():
        seeded = services.directory.replace(seed_entries())
    return created, seeded
