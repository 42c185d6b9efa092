"""The time limits' tests of tests/time_limits.py, on the in-memory stores (and this
level's settings, which start no DynamoDB Local)."""

from __future__ import annotations

import pytest

from tests.time_limits import *  # noqa: F403 - the tests themselves


@pytest.fixture
def store_kind():
    return "memory"
