"""The app served exactly as `make run` serves it (local.run), over real HTTP."""

from __future__ import annotations

import pytest

from tests.e2e.stack import start_stack, stop_stack


@pytest.fixture(scope="module")
def start(dynamodb_endpoint, tmp_path_factory):
    """start(name, **env): a stack for the module, local/run.py with `env` among its
    settings (RATE_LIMIT="3/600"...); every stack started is stopped at the module's end."""
    started = []

    def start_one(name: str, **env: str):
        s = start_stack(dynamodb_endpoint, tmp_path_factory.mktemp(name), **env)
        started.append(s)
        return s

    yield start_one
    for s in started:
        stop_stack(s)


@pytest.fixture(scope="module")
def stack(request, start):
    """The module's stack, with the module's STACK_ENV if it has one."""
    return start("stack", **getattr(request.module, "STACK_ENV", {}))


@pytest.fixture(scope="module")
def limited_stack(start):
    """A stack that takes 3 anonymous posts an IP in 10 minutes."""
    return start("limited", RATE_LIMIT="3/600")
