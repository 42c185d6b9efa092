"""Where raw inbound mail is kept: S3 in AWS (SES receiving writes it), a folder locally.

The raw message is what an operator opens when parsing failed (quarantine) or when a
request's extraction needs checking. It holds personal data: the bucket has a lifecycle
rule (docs/deploy.md) and the local folder lives under .local/.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


class LocalRawMailStore:
    def __init__(self, directory: str):
        self.directory = Path(directory)

    def put(self, raw: bytes) -> str:
        key = f"{hashlib.sha256(raw).hexdigest()}.eml"  # same message, same file
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / key
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            os.replace(tmp, target)
        return key

    def get(self, key: str) -> bytes:
        path = (self.directory / key).resolve()
        if path.parent != self.directory.resolve():
            raise KeyError(key)
        return path.read_bytes()

    def delete(self, key: str) -> None:
        """An operator deletes a quarantined mail: its raw bytes go too."""
        path = (self.directory / key).resolve()
        if path.parent != self.directory.resolve():
            raise KeyError(key)
        path.unlink(missing_ok=True)


class S3RawMailStore:
    """Reads what SES receiving stored; writes only mail that did not come through SES."""

    def __init__(self, bucket: str, client_factory: Callable[[], Any], prefix: str = "inbound/"):
        self.bucket = bucket
        self.prefix = prefix
        self._client_factory = client_factory
        self._client = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                self._client = self._client or self._client_factory()
        return self._client

    def put(self, raw: bytes) -> str:
        key = f"{self.prefix}{hashlib.sha256(raw).hexdigest()}.eml"
        self.client.put_object(Bucket=self.bucket, Key=key, Body=raw, ServerSideEncryption="AES256")
        return f"s3://{self.bucket}/{key}"

    def get(self, key: str) -> bytes:
        """`key`: as `put` returns it, `s3://bucket/key`, or a key of our own bucket."""
        bucket, name = key[5:].split("/", 1) if key.startswith("s3://") else (self.bucket, key)
        return self.client.get_object(Bucket=bucket, Key=name)["Body"].read()

    def delete(self, key: str) -> None:
        bucket, name = key[5:].split("/", 1) if key.startswith("s3://") else (self.bucket, key)
        self.client.delete_object(Bucket=bucket, Key=name)
