"""The time-limit tests of tests/integration/test_time_limits.py, on the in-memory stores:
the same functions, collected here with `store_kind` set to memory (and this folder's
settings, which start no DynamoDB Local)."""

from __future__ import annotations

import pytest

from tests.integration.test_time_limits import *  # noqa: F403 - the tests themselves


@pytest.fixture
def store_kind():
    return "memory"
