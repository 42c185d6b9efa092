"""The intake against DynamoDB Local: capacity under 50 threads, TTL-aware reads, lists.
The use case's own logic is tested on the in-memory stores (tests/unit/services)."""

from __future__ import annotations

import threading
from collections import Counter

from chalicelib.domain.vocabulary import Channel
from tests.builders import association, make_services, request_of, youth


def test_fifty_simultaneous_requests_never_exceed_capacity(settings, clock):
    directory = [association("small", capacity=5), association("medium", capacity=3)]
    s = make_services(settings, clock, directory=directory)
    results, errors = [], []
    start = threading.Barrier(50)

    def submit():
        try:
            start.wait()
            results.append(s.submit(request_of(youth(), Channel.API)))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    routed = Counter(r.association["id"] for r in results if r.association)
    assert routed == {"small": 5, "medium": 3}
    assert sum(r.status == "needs_triage" for r in results) == 42
    assert s.stores.directory.load_counts() == {"small": 5, "medium": 3}
    triaged = s.requests.get(next(r.id for r in results if r.status == "needs_triage"))
    assert triaged["triage_reason"] == "all candidates at capacity"
    listed, _ = s.requests.list("routed", "small", 50, None)
    assert len(listed) == 5


def test_expired_requests_are_not_read_even_before_dynamodb_deletes_them(services, clock, settings):
    result = services.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=settings.retention_days + 1)
    assert services.requests.get(result.id) is None
    assert services.requests.get(result.reference) is None
    assert services.requests.list(None, None, 50, None)[0] == []


def test_list_is_newest_first_and_paginated(services, clock):
    refs = []
    for _ in range(5):
        refs.append(services.submit(request_of(youth(), Channel.API)).reference)
        clock.advance(seconds=1)
    page1, cursor = services.requests.list(None, None, 2, None)
    page2, cursor2 = services.requests.list(None, None, 2, cursor)
    page3, _ = services.requests.list(None, None, 2, cursor2)
    seen = [i["reference"] for i in page1 + page2 + page3]
    assert seen == list(reversed(refs))
