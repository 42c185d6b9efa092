"""The app served by chalice's local gateway, hardened to hold a crowd on one machine.

Chalice's `LocalDevServer`, `LocalGateway` and `ChaliceRequestHandler` still do the work
(routing, authorizers, the Lambda event); this module changes what `chalice local` gets
wrong for a shared machine:

- Listen backlog: socketserver's default of 5 resets connections as soon as a few dozen
  clients post at once. `LocalHTTPServer.request_queue_size` is read by `listen()` when
  the server is constructed, so it is a class attribute, not something set afterwards.
- Client address: chalice local reports `127.0.0.1` for everyone (a class constant on the
  event converter), so the per-IP limit counted every local client as one. Each
  connection gets its own gateway (chalice already builds one per handler) that writes
  the peer's address into `requestContext.identity.sourceIp`, as API Gateway does;
  nothing shared between threads is mutated.
- Body size: a body over API Gateway's 10 MB is refused with 413 from its announced
  `Content-Length`, before any of it is read (chalice would read it whole into memory).
- Stalled clients: the socket has a read timeout (`LOCAL_READ_TIMEOUT`, seconds), and the
  body must arrive within it in total, so a client trickling bytes cannot hold a thread.

Chalice binds `do_GET = do_POST = ... = _generic_handle` in its own class body, so a
subclass overriding `_generic_handle` alone is never called: the verbs are rebound here.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from functools import partial
from http.server import BaseHTTPRequestHandler
from typing import Any

from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    ThreadedHTTPServer,
)

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024
LISTEN_BACKLOG = 1024  # the kernel caps it at net.core.somaxconn (4096 on current Linux)
DEFAULT_READ_TIMEOUT = 30.0
# After refusing a body, what the client is still sending is read and dropped for a
# moment: closing a socket with unread data makes the kernel answer with a reset, and the
# client would see "connection reset" instead of the 413.
LINGER_SECONDS = 2.0


class ClientAddressGateway(LocalGateway):
    """Chalice's gateway for one connection, reporting that connection's peer address."""

    def __init__(self, app_object: Any, config: Config, source_ip: str) -> None:
        super().__init__(app_object, config)
        self._source_ip = source_ip

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        event = super()._generate_lambda_event(method, path, headers, body)
        event["requestContext"]["identity"]["sourceIp"] = self._source_ip
        return event


class LocalHTTPServer(ThreadedHTTPServer):
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: Any, handler: Any, read_timeout: float = DEFAULT_READ_TIMEOUT) -> None:
        self.read_timeout = read_timeout
        super().__init__(address, handler)


class BodyRefused(Exception):
    """The request's body will not be read: answer `status` and close the connection."""

    def __init__(self, status: int, message: str, linger: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.linger = linger  # the client may still be sending: drop it before closing


class ClientGone(Exception):
    pass


class LocalRequestHandler(ChaliceRequestHandler):
    server: LocalHTTPServer
    # Headers and body leave in two writes: with Nagle's algorithm on, the body waits for
    # the client's delayed ACK (~40 ms on loopback) before it is sent.
    disable_nagle_algorithm = True

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Any, config: Config) -> None:
        # Same as chalice's __init__, with the per-connection gateway knowing its peer.
        self.local_gateway = ClientAddressGateway(app_object, config, client_address[0])
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def setup(self) -> None:
        # Bounds every read and write, including an idle keep-alive connection's wait.
        self.timeout = self.server.read_timeout
        super().setup()

    # -- body: size checked before reading, read under one deadline ------------------

    def _announced_length(self) -> int:
        if self.headers.get("transfer-encoding"):
            # Chalice reads Content-Length only: a chunked body would be parsed as the
            # next request. API clients and browsers send a length for these bodies.
            raise BodyRefused(411, "Length Required")
        values = {v.strip() for v in self.headers.get_all("content-length") or []}
        if not values:
            return 0
        value = values.pop()
        if values or not (value.isascii() and value.isdigit()):
            raise BodyRefused(400, "Bad Content-Length")
        length = int(value)
        if length > API_GATEWAY_MAX_BODY:
            raise BodyRefused(413, "Request Too Long")
        return length

    def handle_expect_100(self) -> bool:
        # `curl -d @file` asks before sending a large body: answer the refusal instead of
        # inviting the body.
        try:
            self._announced_length()
        except BodyRefused as refused:
            self._refuse(refused)
            return False
        return super().handle_expect_100()

    def _read_body(self, length: int) -> bytes:
        deadline = time.monotonic() + self.server.read_timeout
        chunks: list[bytes] = []
        remaining = length
        try:
            while remaining:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.connection.settimeout(left)
                chunk = self.rfile.read1(min(remaining, 64 * 1024))
                if not chunk:
                    raise ClientGone
                chunks.append(chunk)
                remaining -= len(chunk)
        except TimeoutError:
            raise BodyRefused(408, "Request Timeout", linger=False) from None
        except OSError:
            raise ClientGone from None
        finally:
            self.connection.settimeout(self.server.read_timeout)
        return b"".join(chunks)

    def _parse_payload(self) -> Any:
        length = self._announced_length()
        body = self._read_body(length) if length > 0 else None
        return dict(self.headers), body

    def _generic_handle(self) -> None:
        try:
            super()._generic_handle()
        except BodyRefused as refused:
            self._refuse(refused)
        except ClientGone:
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, CONNECT, a made-up one): http.server would answer 501
        # itself. Through chalice's dispatch it gets 405 with `Allow` naming the path's
        # methods, as API Gateway answers a method its resource does not have.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _refuse(self, refused: BodyRefused) -> None:
        """Answers and closes the connection; the rest of the request is never read."""
        self.close_connection = True
        body = f'{{"message":"{refused.message}"}}'.encode()
        try:
            self.connection.settimeout(1.0)
            self._send_http_response(refused.status, {"Content-Type": "application/json", "Connection": "close"}, body)
            self.wfile.flush()
        except OSError:
            return
        if refused.linger:
            self._drain_briefly()

    def _drain_briefly(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(min(left, 0.5))
                if not self.connection.recv(64 * 1024):
                    break
        except OSError:
            pass

    # -- response ----------------------------------------------------------------------

    def _send_http_response_with_body(self, code: int, headers: Any, body: Any) -> None:
        if self.command != "HEAD":
            super()._send_http_response_with_body(code, headers, body)
            return
        # HEAD: the GET's headers and length, no body (chalice would write it, and the
        # bytes would be read as the next response on a kept-alive connection).
        if not isinstance(body, bytes):
            body = body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self._send_headers(headers)

    def log_message(self, format: str, *args: Any) -> None:
        # The default logs the client's address and every request line, query strings
        # included (a reference, a cursor): keep the time, the method, the path without
        # query, and the status only.
        if args and isinstance(args[0], str):
            line = args[0].split("?", 1)[0].replace(" HTTP/1.1", "")
            status = args[1] if len(args) > 1 else ""
            sys.stderr.write(f"[{self.log_date_time_string()}] {line} {status}\n")


def read_timeout_from_env() -> float:
    return float(os.environ.get("LOCAL_READ_TIMEOUT") or DEFAULT_READ_TIMEOUT)


def make_server(app: Any, host: str, port: int, read_timeout: float | None = None) -> LocalDevServer:
    config = Config.create(chalice_stage="local", app_name=app.app_name, project_dir=".")
    # What chalice.local.create_local_server does to the app before serving it: a
    # thread-local `current_request`, needed with one thread per connection.
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    timeout = read_timeout if read_timeout is not None else read_timeout_from_env()
    return LocalDevServer(
        app,
        config,
        host,
        port,
        handler_cls=LocalRequestHandler,
        server_cls=partial(LocalHTTPServer, read_timeout=timeout),
    )
