"""The HTTP door in process (chalice's test client) on in-memory stores: what every
module here shares. A module says which settings and services it needs (`settings`,
`wired`); `http` serves `app.py` over them."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def in_process_settings(tmp_path, **overrides: Any):
    """Local stage, no DynamoDB endpoint (nothing starts DynamoDB Local), mails to a folder."""
    from chalicelib.config import Settings

    base: dict[str, Any] = dict(
        stage="local",
        table_name=f"t-{uuid.uuid4().hex[:12]}",
        outbox_dir=str(tmp_path / "outbox"),
        admin_token="test-admin-token",
        public_base_url="http://127.0.0.1:8000",
        secret_key="test-secret",
        directory_cache_seconds=0.0,
    )
    return Settings(**{**base, **overrides})


@contextmanager
def served(services) -> Iterator[Any]:
    """`services` are what app.py's routes use until the block ends."""
    from chalicelib.bootstrap import set_services

    set_services(services)
    try:
        yield services
    finally:
        set_services(None)


@contextmanager
def served_with_operators(settings, clock, directory: list[dict[str, Any]], operators: str) -> Iterator[Any]:
    """The in-memory stack over `directory`, its console's `operators` (the OPERATORS
    syntax of domain/operators.py, "a@x.org,b@x.org:admin"), served to app.py's routes."""
    from chalicelib.domain.operators import parse_operators
    from tests.conftest import make_memory_services

    s = make_memory_services(settings, clock, directory=directory)
    s.stores.console.replace_operators(parse_operators(operators))
    with served(s):
        yield s


@pytest.fixture
def http(wired):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield client.http


def signed_in(services, email: str) -> tuple[dict[str, str], str]:
    """(cookie header, csrf field) of a console session of `email`, as a sign-in leaves
    it (its record on the server). An address off the list gets a session that its next
    request refuses, as one whose operator was removed."""
    from chalicelib.domain.operators import Operator, Role

    operator = services.stores.console.operator(email) or Operator(email, Role.OPERATOR)
    session = services.console_auth.open_session(operator)
    return {"Cookie": f"mentorat_console={session.cookie}"}, session.csrf


def body_text(r) -> str:
    """A response's body as the server wrote it (entities left as they are)."""
    return r.body if isinstance(r.body, str) else r.body.decode("utf-8")


def shown(r) -> str:
    """A page's text as a reader sees it (entities decoded)."""
    return html.unescape(body_text(r))


def title_of(r) -> str:
    """The page's <title>, as a reader sees it."""
    return re.search(r"<title>(.*?)</title>", shown(r), re.S).group(1).strip()
