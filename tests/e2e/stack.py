"""The local stack as a process (local/run.py on DynamoDB Local), and what a test reads
from it: tests/e2e/conftest.py starts one per module; tests/browser starts its own."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from local.dynamodb_local import free_port
from tests.builders import ROOT

ADMIN = "e2e-admin-token"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stack:
    port: int
    outbox: Path
    process: subprocess.Popen
    smtp_port: int = 0
    log_path: Path | None = None  # what the server printed (stdout and stderr)
    endpoint: str = ""  # its DynamoDB Local
    table: str = ""
    # The loopback address calls come from ("127.0.0.2"...): the server sees another IP.
    # dataclasses.replace(stack, source_ip=...) is the same stack, called from there.
    source_ip: str = ""

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        source = (self.source_ip, 0) if self.source_ip else None
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=source)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def post_form(self, path: str, fields: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        body = urlencode(fields, doseq=True).encode()
        return self.call("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def post_json(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return self.call(
            "POST", path, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
        )

    def admin(self, method: str, path: str, data: Any = None) -> Reply:
        body = json.dumps(data).encode() if data is not None else None
        return self.call(method, path, body, {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})

    def outbox_files(self) -> list[Path]:
        return sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []

    def settle_mails(self, timeout: float = 15.0) -> list[Path]:
        """Mails leave after the answer, through the table's stream: wait (polling, with a
        timeout) until no stored mail waits to be sent, then list the outbox. A request
        answered before this call has its mails written, or given up, when it returns."""
        deadline = time.monotonic() + timeout
        while True:
            waiting = self._mails_waiting()
            if not waiting:
                return self.outbox_files()
            if time.monotonic() > deadline:
                raise AssertionError(f"{waiting} mail(s) still waiting to be sent after {timeout} s")
            time.sleep(0.05)

    def _mails_waiting(self) -> int:
        """Pending and sending mails: the sweeper's partition of the sparse outbox_due index
        (a mail leaves it once sent, or for OUTBOX_FAILED once given up)."""
        from chalicelib.adapters.dynamodb import OUTBOX_DUE_PK

        if self._client is None:
            import boto3

            self._client = boto3.client(
                "dynamodb",
                endpoint_url=self.endpoint,
                region_name="eu-west-3",
                aws_access_key_id="local",
                aws_secret_access_key="local",
            )
        out = self._client.query(
            TableName=self.table,
            IndexName="outbox_due",
            KeyConditionExpression="due_pk = :pk",
            ExpressionAttributeValues={":pk": {"S": OUTBOX_DUE_PK}},
            Select="COUNT",
        )
        return out["Count"]

    _client = None  # made on first use (not a field)


def start_stack(endpoint: str, tmp: Path, **env: str) -> Stack:
    port, smtp_port = free_port(), free_port()
    outbox = tmp / "outbox"
    full_env = {
        **os.environ,
        "PORT": str(port),
        "SMTP_PORT": str(smtp_port),
        "RAW_MAIL_DIR": str(tmp / "raw-mail"),
        "DYNAMODB_ENDPOINT": endpoint,
        "TABLE_NAME": f"e2e-{uuid.uuid4().hex[:10]}",
        "OUTBOX_DIR": str(outbox),
        "STREAM_CHECKPOINT": str(tmp / "stream-checkpoint.json"),
        "ADMIN_TOKEN": ADMIN,
        "SECRET_KEY": "e2e-secret",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "RATE_LIMIT": "1000/600",
        "PARTNER_ORIGINS": "https://partenaire.example.org",
        "OPERATORS": "operatrice@reseau.example.org,admin@reseau.example.org:admin",
        **env,
    }
    log = open(tmp / "server.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "local.run"], cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT
    )
    stack = Stack(port, outbox, process, smtp_port, tmp / "server.log", endpoint, full_env["TABLE_NAME"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp / "server.log").read_text())
        try:
            if stack.call("GET", "/health").status == 200:
                return stack
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise TimeoutError((tmp / "server.log").read_text())


def stop_stack(stack: Stack) -> None:
    stack.process.terminate()
    try:
        stack.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        stack.process.kill()
