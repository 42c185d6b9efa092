"""Shared fixtures, built by tests/builders.py: one DynamoDB Local for the whole run, a fresh
table per test.

`make test` needs nothing running: the first test that touches storage starts DynamoDB
Local in memory on a free port (or uses DYNAMODB_ENDPOINT when given) and stops it at
the end. No mock of DynamoDB anywhere.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")

from tests.builders import association, dynamodb_settings, make_services  # noqa: F401  (after the path and region; tests/contract imports association from here)


@pytest.fixture(scope="session", autouse=True)
def _caches_filled_by_the_mutant():
    """Under `make mutation` only: empty chalicelib's lru_caches (the territory tables, the
    OpenAPI document...) at the start of each mutant's run. mutmut runs every mutant in a
    fork of a process that has already run the tests, so a cached function would answer
    from the parent's cache and its mutants could never be killed, however good the tests."""
    if os.environ.get("MUTANT_UNDER_TEST"):
        for name, module in list(sys.modules.items()):
            if name.startswith("chalicelib.") and module is not None:
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                        value.cache_clear()
    yield


@pytest.fixture(scope="session")
def dynamodb_endpoint(tmp_path_factory):
    if os.environ.get("DYNAMODB_ENDPOINT"):
        yield os.environ["DYNAMODB_ENDPOINT"]
        return
    from local.dynamodb_local import DynamoDBLocal, free_port

    log = tmp_path_factory.mktemp("ddb") / "dynamodb.log"
    ddb = DynamoDBLocal(free_port(), db_path=None, log_path=log).start()
    try:
        yield ddb.endpoint
    finally:
        ddb.stop()


@pytest.fixture
def settings(dynamodb_endpoint, tmp_path):
    return dynamodb_settings(dynamodb_endpoint, tmp_path)


@pytest.fixture
def clock():
    from chalicelib.adapters.clock import SettableClock

    return SettableClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


@pytest.fixture
def services(settings, clock):
    return make_services(settings, clock)
