"""200 intakes at once through HTTP (the app served as `make run` serves it, in this
process, on DynamoDB Local), all adding to the same counters: the tabs' status counter of
the day and the day's statistics. Nothing lost, nothing counted twice: the tab counts and
the day's aggregates equal the requests stored. Once on DynamoDB Local as it is (every
one accepted), once under DynamoDB's transaction conflict rule (local/conflict_rule.py):
every 201 stored and counted once, any other answer a 503 that stored nothing."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from tests.builders import make_services, youth

N, CLIENTS = 200, 50


def post(port: int, source: str, body: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        conn.request(
            "POST",
            "/api/v1/requests",
            json.dumps(body).encode(),
            {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        )
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


# Under DynamoDB's conflict rule only: plain DynamoDB Local (transactions one at a time)
# takes 200 concurrent posts whole, which tests/e2e/test_local_server.py shows already.
def test_concurrent_intakes_are_all_counted_exactly_once(settings, clock):
    from app import app
    from chalicelib.bootstrap import set_services
    from chalicelib.domain.statistics import paris_day
    from chalicelib.services.console import ConsoleService
    from local.conflict_rule import ConflictRule
    from local.dynamodb_local import free_port
    from local.server import make_server

    s = make_services(replace(settings, rate_limit_count=10**6), clock)
    rule = ConflictRule(s.table.client)
    set_services(s)
    port = free_port()
    server = make_server(app, "127.0.0.1", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start = threading.Barrier(CLIENTS)

    def client(k: int) -> list[int]:
        start.wait()
        return [post(port, f"127.0.0.{k + 1}", youth(first_name=f"Léa{i}")) for i in range(k, N, CLIENTS)]

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = [st for part in pool.map(client, range(CLIENTS)) for st in part]
    finally:
        server.shutdown()
        set_services(None)
    accepted = statuses.count(201)
    assert set(statuses) <= {201, 503}
    assert rule.conflicts > 0 and accepted > N // 2  # conflicts happened, and were retried
    stored, cursor = [], None
    while True:
        page, cursor = s.stores.requests.page(clock.now().epoch, None, None, 200, cursor)
        stored += page
        if not cursor:
            break
    assert len(stored) == accepted == len({r.reference for r in stored})
    console = ConsoleService(
        requests=s.stores.requests,
        queue=s.stores.requests,
        directory=s.directory,
        mails=s.mails,
        clock=clock,
        settings=s.settings,
    )
    counts = console.counts()
    assert counts["toutes"] == accepted
    assert counts["en-attente"] + counts["a-trier"] == accepted
    day = paris_day(clock.now().epoch)
    ((_, network),) = s.stores.stats.daily_counts(day, day)
    assert sum(n for name, n in network.items() if name.startswith("received")) == accepted
