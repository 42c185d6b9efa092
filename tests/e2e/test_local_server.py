"""The local server (`make run`) under a crowd, slow clients and oversized bodies, over TCP."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.builders import association, youth
from tests.e2e.stack import Reply, Stack

READ_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def crowd_stack(start):
    return start("crowd", RATE_LIMIT="100000/600", LOCAL_READ_TIMEOUT=str(READ_TIMEOUT))


def post_from(stack: Stack, source_ip: str, data: Any) -> Reply:
    """One API submission on a fresh connection whose client socket is bound to source_ip."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60, source_address=(source_ip, 0))
    try:
        conn.request(
            "POST", "/api/v1/requests", body=json.dumps(data).encode(), headers={"Content-Type": "application/json"}
        )
        r = conn.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def all_requests(stack: Stack, query: str = "") -> list[dict[str, Any]]:
    """Every request the admin API lists, following `next` to the end."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        path = f"/api/v1/requests?limit=200{query}" + (f"&cursor={cursor}" if cursor else "")
        page = stack.admin("GET", path)
        assert page.status == 200, page.text
        items.extend(page.json()["items"])
        cursor = page.json()["next"]
        if not cursor:
            return items


def crowd(stack: Stack, clients: int, per_client: int, data: Any) -> list[Any]:
    """`clients` threads released together, each posting `per_client` times on new
    connections; returns each post's Reply, or the exception the client got."""
    start = threading.Barrier(clients)

    def client(_: int) -> list[Any]:
        start.wait()
        outcomes: list[Any] = []
        for _ in range(per_client):
            try:
                outcomes.append(post_from(stack, "127.0.0.1", data))
            except OSError as exc:  # a reset, a refused or timed-out connection
                outcomes.append(exc)
        return outcomes

    with ThreadPoolExecutor(clients) as pool:
        return [o for outcomes in pool.map(client, range(clients)) for o in outcomes]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def read_reply(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (or 10 s pass)."""
    sock.settimeout(10)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def test_200_concurrent_submissions_from_20_clients_are_all_stored_once(crowd_stack):
    before = {item["id"] for item in all_requests(crowd_stack)}

    outcomes = crowd(crowd_stack, clients=20, per_client=10, data=youth())

    failures = [o for o in outcomes if not isinstance(o, Reply)]
    assert failures == [], f"{len(failures)} connections failed, first: {failures[:1]}"
    assert Counter(o.status for o in outcomes) == {201: 200}
    created = [o.json()["id"] for o in outcomes]
    assert len(set(created)) == 200
    assert len({o.json()["reference"] for o in outcomes}) == 200
    listed = [item["id"] for item in all_requests(crowd_stack) if item["id"] not in before]
    assert Counter(listed) == Counter(created)  # none lost, none listed twice, nothing extra


def test_connections_made_while_the_server_is_busy_wait_in_the_queue_and_are_answered(crowd_stack):
    # The server paused (as by a long garbage collection): the kernel alone takes the
    # connections, up to the listen backlog. socketserver's default of 5 refused the 7th.
    pid = crowd_stack.process.pid
    waiting: list[socket.socket] = []
    failed = 0
    os.kill(pid, signal.SIGSTOP)
    try:
        for _ in range(150):
            sock = socket.socket()
            sock.settimeout(0.5)
            try:
                sock.connect(("127.0.0.1", crowd_stack.port))
                waiting.append(sock)
            except OSError:
                sock.close()
                failed += 1
                if failed == 3:
                    break
    finally:
        os.kill(pid, signal.SIGCONT)
    try:
        assert (len(waiting), failed) == (150, 0)
        for sock in waiting:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        replies = [read_reply(sock) for sock in waiting]
    finally:
        for sock in waiting:
            sock.close()
    assert all(r.startswith(b"HTTP/1.1 200") for r in replies)


def test_40_concurrent_submissions_fill_a_capacity_of_5_exactly(crowd_stack):
    # The preferred association (it serves the "qpv" public: +10) takes 5 at most; the
    # other one, without a limit, takes the rest.
    directory = [association("a-capacity-5", publics=["qpv"], capacity=5), association("b-unlimited")]
    assert crowd_stack.admin("PUT", "/api/v1/admin/associations", {"associations": directory}).status == 200

    outcomes = crowd(crowd_stack, clients=20, per_client=2, data=youth(publics=["qpv"]))

    assert all(isinstance(o, Reply) and o.status == 201 for o in outcomes), outcomes
    taken = Counter((o.json()["association"] or {}).get("id", "triage") for o in outcomes)
    assert taken == {"a-capacity-5": 5, "b-unlimited": 35}
    waiting = all_requests(crowd_stack, "&association=a-capacity-5&status=routed")
    assert len(waiting) == 5


def test_each_loopback_address_has_its_own_per_ip_counter(limited_stack):
    assert [post_from(limited_stack, "127.0.0.1", youth()).status for _ in range(4)] == [201, 201, 201, 429]
    assert post_from(limited_stack, "127.0.0.2", youth()).status == 201

    # Three other addresses at once, interleaved on the server's threads: each gets its
    # own three, then 429; none is charged for another.
    others = ["127.0.0.3", "127.0.0.4", "127.0.0.5"]
    with ThreadPoolExecutor(len(others) * 3) as pool:
        statuses = list(pool.map(lambda ip: (ip, post_from(limited_stack, ip, youth()).status), others * 3))
    assert sorted(statuses) == sorted((ip, 201) for ip in others * 3)
    assert [post_from(limited_stack, ip, youth()).status for ip in others] == [429, 429, 429]

    # The addresses are counted (as HMACs), not written to the access log.
    log = limited_stack.log_path.read_text(errors="replace")
    assert "POST /api/v1/requests 429" in log
    assert not any(ip in log for ip in ["127.0.0.2", *others])


def test_a_body_announced_at_1_gb_is_refused_at_once_without_being_read(crowd_stack):
    pid = crowd_stack.process.pid
    before = rss_kib(pid)
    head = (
        b"POST /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1073741824\r\n\r\n"
    )
    sock = socket.create_connection(("127.0.0.1", crowd_stack.port), timeout=10)
    sent = 0

    def send_body() -> None:
        # The client keeps sending as a real one would, up to 64 MiB, until the server
        # closes on it.
        nonlocal sent
        block = b"x" * (1 << 20)
        try:
            sock.sendall(head)
            while sent < 64 << 20:
                sock.sendall(block)
                sent += len(block)
        except OSError:
            pass

    started = time.monotonic()
    sender = threading.Thread(target=send_body)
    sender.start()
    try:
        reply = read_reply(sock)
        elapsed = time.monotonic() - started
    finally:
        sender.join(timeout=15)
        sock.close()

    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert elapsed < 5
    assert rss_kib(pid) - before < 48 * 1024, (before, rss_kib(pid))
    assert crowd_stack.call("GET", "/health").status == 200


def test_a_client_asking_to_continue_with_a_1_gb_body_is_told_413_not_100(crowd_stack):
    sock = socket.create_connection(("127.0.0.1", crowd_stack.port), timeout=10)
    try:
        sock.sendall(
            b"POST /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1073741824\r\nExpect: 100-continue\r\n\r\n"
        )
        reply = read_reply(sock)
    finally:
        sock.close()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_a_stalled_body_is_cut_off_after_the_read_timeout_while_others_are_served(crowd_stack):
    body = json.dumps(youth()).encode()
    sock = socket.create_connection(("127.0.0.1", crowd_stack.port), timeout=10)
    try:
        sock.sendall(
            b"POST /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[: len(body) // 2]
        )
        stalled_at = time.monotonic()

        # Meanwhile the server answers everyone else, without waiting for the stalled one.
        for _ in range(3):
            t = time.monotonic()
            assert crowd_stack.call("GET", "/health").status == 200
            assert time.monotonic() - t < 1.0
        assert post_from(crowd_stack, "127.0.0.1", youth()).status == 201

        reply = read_reply(sock)
        waited = time.monotonic() - stalled_at
    finally:
        sock.close()

    assert READ_TIMEOUT - 0.5 < waited < READ_TIMEOUT + 3
    assert reply == b"" or reply.startswith(b"HTTP/1.1 408"), reply[:200]


def test_a_body_trickled_byte_by_byte_is_cut_off_at_the_same_deadline(crowd_stack):
    # Each byte arrives well within the socket timeout; the body as a whole does not.
    sock = socket.create_connection(("127.0.0.1", crowd_stack.port), timeout=10)
    try:
        sock.sendall(
            b"POST /api/v1/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n"
        )
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < READ_TIMEOUT + 3:
            try:
                sock.sendall(b" ")
            except OSError:
                closed = True
                break
            sock.settimeout(0.3)
            try:
                sock.recv(65536)  # returns only once the server answers (408) or closes
                closed = True
                break
            except TimeoutError:
                pass
            except OSError:
                closed = True
                break
        waited = time.monotonic() - started
    finally:
        sock.close()
    assert closed
    assert waited < READ_TIMEOUT + 1.5
