"""Shared fixtures: one DynamoDB Local for the whole run, a fresh table per test.

`make test` needs nothing running: the first test that touches storage starts DynamoDB
Local in memory on a free port (or uses DYNAMODB_ENDPOINT when given) and stops it at
the end. No mock of DynamoDB anywhere.
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")


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
    from chalicelib.config import Settings

    return Settings(
        stage="local",
        table_name=f"t-{uuid.uuid4().hex[:12]}",
        dynamodb_endpoint=dynamodb_endpoint,
        outbox_dir=str(tmp_path / "outbox"),
        admin_token="test-admin-token",
        public_base_url="http://127.0.0.1:8000",
        secret_key="test-secret",
        directory_cache_seconds=0.0,
    )


@pytest.fixture
def clock():
    from chalicelib.adapters.clock import SettableClock

    return SettableClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


def make_services(settings, clock=None, sender=None, directory=None, stores=None, mail_reader=None):
    """A wired stack on a fresh table (or on the `stores` given), with the seed directory
    or the one given; mail read in child processes, as the stack reads it, unless told."""
    from chalicelib.bootstrap import Services
    from local.setup import prepare, seed_entries

    s = Services(settings, clock=clock, sender=sender, stores=stores, mail_reader=mail_reader)
    prepare(s, seed=False)
    s.directory.replace(directory if directory is not None else seed_entries())
    return s


def make_memory_services(settings, clock=None, sender=None, directory=None):
    """The same stack on the in-memory stores, mail read in this process: use-case tests,
    no DynamoDB, no process (chalicelib/adapters/mail_reading.py has its own tests)."""
    from chalicelib.adapters.mail_reading import InProcessMailReader
    from chalicelib.bootstrap import Stores

    return make_services(
        settings,
        clock,
        sender,
        directory,
        stores=Stores.in_memory(settings.mail_grace_seconds),
        mail_reader=InProcessMailReader,
    )


@pytest.fixture
def services(settings, clock):
    return make_services(settings, clock)


def association(id: str, **overrides):
    """A directory entry for tests: covers département 59, ages 6-30, every situation."""
    entry = {
        "id": id,
        "name": f"Association {id}",
        "emails": [f"{id}@asso.example.org"],
        "active": True,
        "territory": {"national": False, "regions": [], "departements": ["59"], "communes": []},
        "ages": {"min": 6, "max": 30},
        "situations": [],
        "needs": ["scolaire", "orientation", "insertion_pro"],
        "publics": [],
        "publics_required": [],
        "capacity": None,
    }
    for key, value in overrides.items():
        if key in {"departements", "regions", "communes", "national"}:
            entry["territory"] = {**entry["territory"], key: value}
        else:
            entry[key] = value
    return entry


def youth(**overrides):
    """A valid youth-form submission (docs/contract.md §2), as the API takes it."""
    data = {
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "lea.martin@example.net",
        "phone": "06 12 34 56 78",
        "age": 15,
        "postal_code": "59100",
        "city": "Roubaix",
        "situation": "college",
        "need": "scolaire",
        "publics": [],
        "message": "J'ai besoin d'aide en maths.",
        "consent": True,
        "parental_consent": False,
    }
    data.update(overrides)
    return data


def request_of(data, channel):
    """What the forms and the API hand to the intake use case."""
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission

    return NewRequest.from_submission(parse_submission(data), channel)
