"""The app served exactly as `make run` serves it (local.run), over real HTTP."""

from __future__ import annotations


import pytest

from tests.e2e.stack import start_stack, stop_stack


@pytest.fixture(scope="module")
def stack(dynamodb_endpoint, tmp_path_factory):
    s = start_stack(dynamodb_endpoint, tmp_path_factory.mktemp("stack"))
    yield s
    stop_stack(s)
