"""The JSON API against its own OpenAPI document, with schemathesis (docs/privacy-and-abuse.md).

Schemathesis reads the served document and sends what it allows (the server must accept
it) and what it forbids (the server must refuse it), plus methods the document does not
list, and checks every answer: no 5xx, only documented statuses, bodies matching their
schema, 405 with `Allow`. Any failure fails this test, with schemathesis' report shown.

The stack is this module's own (the fuzzer replaces the directory with generated ones),
without a per-IP limit that would turn its hundreds of anonymous submissions into 429s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import ROOT
from tests.e2e.stack import ADMIN

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "50"))  # per operation and phase
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261127")  # reproducible; set another to explore
# 50 examples an operation keep this test near 90 s on 2 cores (100: about 3 minutes,
# which `make test`'s 10-minute budget cannot spare; SCHEMATHESIS_EXAMPLES=500 explores more).
# The coverage phase (boundary values of every keyword, ~1,500 more cases, about 3 more minutes) passes too:
# SCHEMATHESIS_PHASES=coverage,fuzzing.
PHASES = os.environ.get("SCHEMATHESIS_PHASES", "fuzzing")


@pytest.fixture(scope="module")
def api_stack(start):
    return start("schema", RATE_LIMIT="1000000/600")


def test_the_api_keeps_its_openapi_document(api_stack, tmp_path):
    base = f"http://127.0.0.1:{api_stack.port}"
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{base}/api/v1/openapi.json",
        "--url",
        base,
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--workers",
        "2",
        "--header",
        f"Authorization: Bearer {ADMIN}",
        "--suppress-health-check",
        "too_slow",
    ]
    # What JSON Schema cannot state (distinct directory ids, the rule of `format: email`):
    # tests/e2e/schemathesis_hooks.py.
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
