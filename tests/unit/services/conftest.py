"""Use cases on the in-memory stores: the same Services as the stack, no DynamoDB.

The storage ports' own behaviour (conditions, TTL, lists, the outbox states) is the
contract suite's (tests/contract), run on both implementations; DynamoDB's behaviour
under load (threads racing for capacity, the stream) stays in tests/integration.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import make_memory_services


@pytest.fixture
def settings(tmp_path):
    """As tests/conftest.py's, without a DynamoDB endpoint: nothing starts DynamoDB Local."""
    from chalicelib.config import Settings

    return Settings(
        stage="local",
        table_name=f"t-{uuid.uuid4().hex[:12]}",
        outbox_dir=str(tmp_path / "outbox"),
        admin_token="test-admin-token",
        public_base_url="http://127.0.0.1:8000",
        secret_key="test-secret",
        directory_cache_seconds=0.0,
    )


@pytest.fixture
def services(settings, clock):
    return make_memory_services(settings, clock)
