"""The HTTP door in process (chalice's test client) on in-memory stores: `http` serves
`app.py` over the module's `wired` stack (tests/unit/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def http(wired):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield client.http
