"""The capacity guard under a race, made deterministic: a barrier releases N writers at
once, all of them having routed on the same counter state (0 of `capacity` taken); each
keeps its intake until storage gives a decisive answer (stored, or refused as full).
Whatever the interleaving, exactly `capacity` are stored: never one more, never one less.
On DynamoDB Local and in memory."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest

from chalicelib.domain.request import Request
from chalicelib.services.ports import Event, NewRecord, Refusal, Rejected

NOW = int(datetime(2026, 11, 24, 9, 0, tzinfo=UTC).timestamp())
AT = "2026-11-24T09:00:00.000000Z"


@pytest.fixture(params=["dynamodb", "memory"])
def stores(request):
    from chalicelib.bootstrap import Stores

    if request.param == "memory":
        return Stores.in_memory()
    from tests.builders import make_services

    return make_services(request.getfixturevalue("settings"), directory=[]).stores


def routed_intake(association_id: str, capacity: int) -> NewRecord[Request]:
    """One intake routed to `association_id`, as the intake use case hands it to storage."""
    rid = uuid.uuid4().hex
    request = {
        "id": rid,
        "reference": f"MNT-{rid[:4].upper()}-{rid[4:8].upper()}",
        "channel": "api",
        "status": "routed",
        "created_at": AT,
        "updated_at": AT,
        "fields": {"age": 15},
        "association_id": association_id,
        "association": {"id": association_id, "name": association_id},
        "declined": [],
        "attempt": 1,
        "assigned_at": NOW,
        "expires_at": NOW + 86400,
    }
    return NewRecord(
        record=Request.from_record(request),
        events=[Event(AT, "received", "api"), Event(AT, "routed", "routing")],
        mails=[],
        keep_until=NOW + 86400,
        mail_expires_at=NOW + 86400,
        capacity_of=(association_id, capacity),
    )


def race(stores, writers: int, capacity: int) -> tuple[int, int]:
    barrier = threading.Barrier(writers)
    outcomes: list[str] = []

    def write() -> None:
        intake = routed_intake("small", capacity)
        barrier.wait()
        while True:
            try:
                stores.requests.commit_new(intake)
            except Rejected as refused:
                if refused.what is Refusal.CONFLICT:
                    continue  # another transaction held the counter: nothing decided yet
                outcomes.append(refused.what.value)
                return
            outcomes.append("stored")
            return

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(outcomes) == writers, "a writer never got a decisive answer"
    return outcomes.count("stored"), outcomes.count(Refusal.CAPACITY.value)


@pytest.mark.parametrize("round", range(3))
def test_exactly_capacity_writers_of_many_take_the_association(stores, round):
    stored, full = race(stores, writers=12, capacity=5)
    assert (stored, full) == (5, 7)
    assert stores.directory.load_counts()["small"] == 5


def test_a_capacity_of_one_is_taken_once(stores):
    assert race(stores, writers=6, capacity=1) == (1, 5)
    assert stores.directory.load_counts()["small"] == 1
