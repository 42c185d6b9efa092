"""DynamoDB goes away under a crowd, then comes back: nothing acknowledged is lost,
nothing is stored twice, and every person gets a French answer that tells them to retry.

The stack runs on its own DynamoDB Local, persisted on disk, which the test kills and
restarts on the same port while 8 clients submit, each retrying a failed submission with
the same key (`Idempotency-Key`, or the form's `submission_id`) as a person would.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from local.dynamodb_local import DynamoDBLocal, free_port
from tests.builders import association, youth
from tests.e2e.stack import start_stack, stop_stack

CLIENTS = 8
PER_CLIENT = 12


@pytest.fixture
def fragile(tmp_path):
    ddb = DynamoDBLocal(free_port(), db_path=tmp_path / "ddb", log_path=tmp_path / "ddb.log").start()
    (tmp_path / "stack").mkdir()
    stack = start_stack(ddb.endpoint, tmp_path / "stack", RATE_LIMIT="100000/600")
    assert stack.admin("PUT", "/api/v1/admin/associations", {"associations": [association("nord")]}).status == 200
    yield ddb, stack
    stop_stack(stack)
    ddb.stop()


def post(port: int, path: str, body: bytes, headers: dict[str, str]):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def submit_until_stored(port: int, n: int, outcomes: list, answers: list) -> None:
    """One person: submits, and on a failure retries the same submission (same key)."""
    name = f"Fault{n}"
    use_form = n % 2 == 0
    for _ in range(40):
        if use_form:
            fields = {
                **{
                    k: v
                    for k, v in youth(first_name=name).items()
                    if k not in {"publics", "consent", "parental_consent"}
                },
                "consent": "on",
                "submission_id": f"fault-{n}",
                "website": "",
            }
            status, headers, body = post(
                port, "/demande", urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
            )
            answers.append(("form", status, headers, body))
            if status == 303:
                outcomes.append((name, parse_qs(urlsplit(headers["location"]).query)["ref"][0]))
                return
        else:
            status, headers, body = post(
                port,
                "/api/v1/requests",
                json.dumps(youth(first_name=name)).encode(),
                {"Content-Type": "application/json", "Idempotency-Key": f"fault-{n}"},
            )
            answers.append(("api", status, headers, body))
            if status == 201:
                outcomes.append((name, json.loads(body)["reference"]))
                return
        time.sleep(0.25)
    outcomes.append((name, None))


def all_requests(stack) -> list[dict]:
    items, cursor = [], None
    while True:
        page = stack.admin("GET", "/api/v1/requests?limit=200" + (f"&cursor={cursor}" if cursor else "")).json()
        items += page["items"]
        cursor = page["next"]
        if not cursor:
            return items


def test_storage_killed_and_restarted_under_a_crowd(fragile):
    ddb, stack = fragile
    outcomes: list = []
    answers: list = []
    threads = [
        threading.Thread(
            target=lambda c=c: [
                submit_until_stored(stack.port, c * PER_CLIENT + i, outcomes, answers) for i in range(PER_CLIENT)
            ]
        )
        for c in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    time.sleep(1.0)
    # SIGTERM, as `kill` sends. (Under SIGKILL DynamoDB Local itself can lose writes it
    # had acknowledged: its SQLite store is not crash-durable, unlike DynamoDB.)
    ddb.process.terminate()
    ddb.process.wait()
    time.sleep(3.0)
    ddb.start()
    for t in threads:
        t.join(timeout=120)

    # Everyone eventually got their request stored, once.
    assert len(outcomes) == CLIENTS * PER_CLIENT
    assert [name for name, ref in outcomes if ref is None] == []
    stored = all_requests(stack)
    by_name = Counter(r["first_name"] for r in stored if r["first_name"].startswith("Fault"))
    assert [n for n, c in by_name.items() if c > 1] == [], "no request stored twice"
    references = {r["reference"] for r in stored}
    assert all(ref in references for _, ref in outcomes), "every sender told 'stored' has a record"
    assert len(by_name) == CLIENTS * PER_CLIENT

    # While storage was down, people were told to retry, in French for the forms.
    failures = [(door, status, headers, body) for door, status, headers, body in answers if status >= 500]
    assert failures, "the outage was seen by some submissions (the test must exercise it)"
    for door, status, headers, body in failures:
        assert status == 503 and headers.get("retry-after"), (door, status, body[:200])
        if door == "form":
            page = body.decode()
            assert headers["content-type"].startswith("text/html") and 'lang="fr"' in page
            assert "réessay" in page.lower()
            assert 'value="Fault' in page, "what was typed is kept"
        else:
            errors = json.loads(body)["errors"]
            assert errors and all(e.get("message") for e in errors)
