"""ruff (lint and format) and mypy over the tree, with the settings of pyproject.toml.

Each tool's own report is the failure message. mypy keeps its cache under .cache/mypy, so
a run after a small change re-reads only what changed.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# A `type: ignore` says which error it silences and, after it, why.
_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<after>.*)$")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", "--no-fix", "."), ("ruff", "format", "--check", "."), ("mypy",)],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_the_tree_passes(command):
    result = run(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_type_ignore_names_its_error_and_says_why():
    files = [ROOT / "app.py"] + [
        p for folder in ("chalicelib", "local", "scripts", "bench", "tests") for p in (ROOT / folder).rglob("*.py")
    ]
    bare = []
    for path in sorted(files):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = _IGNORE.search(line)
            if found and not (found["codes"] and found["after"].strip(" #-:")):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == [], "\n".join(bare)
