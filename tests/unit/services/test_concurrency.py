"""Optimistic commits (services/concurrency.py): a full association or a conflict is
routed again on load counts read afresh, a reference taken is drawn again, anything else
is the caller's; after MAX_ATTEMPTS, "try again"."""

from __future__ import annotations

import pytest

from chalicelib.services import concurrency
from chalicelib.services.concurrency import MAX_ATTEMPTS, ContentionExhausted, commit_on_load
from chalicelib.services.ports import Refusal, Rejected


@pytest.fixture(autouse=True)
def no_wait(monkeypatch):
    monkeypatch.setattr(concurrency.time, "sleep", lambda seconds: None)


class Loads:
    def __init__(self):
        self.reads = 0

    def read(self):
        self.reads += 1
        return f"load-{self.reads}"


def refusing(refusals, seen):
    def attempt(load):
        seen.append(load)
        if refusals:
            raise Rejected(refusals.pop(0))
        return f"committed on {load}"

    return attempt


@pytest.mark.parametrize("refusal", [Refusal.CAPACITY, Refusal.CONFLICT])
def test_contention_routes_again_on_fresh_loads(refusal):
    loads, fresh, seen = Loads(), Loads(), []
    result = commit_on_load(loads.read, refusing([refusal, refusal], seen), fresh=fresh.read)
    assert result == "committed on load-2" and seen == ["load-1", "load-1", "load-2"]
    assert (loads.reads, fresh.reads) == (1, 2)


def test_without_a_fresh_reader_the_loads_are_read_again():
    loads, seen = Loads(), []
    assert commit_on_load(loads.read, refusing([Refusal.CAPACITY], seen)) == "committed on load-2"
    assert seen == ["load-1", "load-2"]


def test_a_refusal_the_caller_repairs_is_tried_again_on_the_same_loads():
    loads, seen, repaired = Loads(), [], []

    def retry_also(refused):
        repaired.append(refused.what)
        return refused.what is Refusal.REFERENCE

    assert commit_on_load(loads.read, refusing([Refusal.REFERENCE], seen), retry_also) == "committed on load-1"
    assert repaired == [Refusal.REFERENCE] and seen == ["load-1", "load-1"]


@pytest.mark.parametrize("refusal", [Refusal.RATE, Refusal.IDEMPOTENCY, Refusal.STALE, Refusal.REFERENCE])
def test_any_other_refusal_is_the_callers(refusal):
    seen = []
    with pytest.raises(Rejected) as raised:
        commit_on_load(Loads().read, refusing([refusal], seen))
    assert raised.value.what is refusal and len(seen) == 1


def test_after_max_attempts_of_contention_the_caller_says_try_again():
    seen = []
    with pytest.raises(ContentionExhausted):
        commit_on_load(Loads().read, refusing([Refusal.CONFLICT] * 100, seen))
    assert len(seen) == MAX_ATTEMPTS == 25


def test_conflicts_wait_a_random_time_doubling_up_to_a_bound(monkeypatch):
    bounds = []
    monkeypatch.setattr(concurrency.random, "uniform", lambda low, high: bounds.append((low, high)) or 0.0)
    with pytest.raises(ContentionExhausted):
        commit_on_load(Loads().read, refusing([Refusal.CONFLICT] * 100, []))
    assert bounds[:7] == [(0, 0.005), (0, 0.01), (0, 0.02), (0, 0.04), (0, 0.08), (0, 0.16), (0, 0.2)]
    assert all(b == (0, 0.2) for b in bounds[7:]) and len(bounds) == 25


def test_capacity_refusals_do_not_wait(monkeypatch):
    waits = []
    monkeypatch.setattr(concurrency.time, "sleep", waits.append)
    commit_on_load(Loads().read, refusing([Refusal.CAPACITY] * 3, []))
    assert waits == []
