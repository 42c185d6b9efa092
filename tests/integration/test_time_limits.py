"""The time limits' tests of tests/time_limits.py, on DynamoDB Local."""

from __future__ import annotations

import pytest

from tests.time_limits import *  # noqa: F403 - the tests themselves


@pytest.fixture(params=["dynamodb"])
def store_kind(request):
    return request.param
