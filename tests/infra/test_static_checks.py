"""ruff (lint and format) and mypy over the tree, with the settings of pyproject.toml.

Each tool's own report is the failure message. mypy keeps its cache under .cache/mypy, so
a run after a small change re-reads only what changed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from fnmatch import fnmatch

import pytest

from tests.builders import ROOT

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


def _unchecked_modules() -> list[str]:
    """The module patterns pyproject.toml tells mypy to skip (`ignore_errors`)."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [
        pattern
        for block in settings["tool"]["mypy"].get("overrides", [])
        if block.get("ignore_errors")
        for pattern in ([block["module"]] if isinstance(block["module"], str) else block["module"])
    ]


def test_each_type_ignore_names_its_error_and_says_why():
    """Where mypy checks: a module it skips is judged once it checks it again."""
    unchecked = _unchecked_modules()
    folders = ("chalicelib", "local", "scripts", "bench", "tests")
    bare = []
    for path in sorted([ROOT / "app.py", *(p for folder in folders for p in (ROOT / folder).rglob("*.py"))]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if any(fnmatch(module, pattern) for pattern in unchecked):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = _IGNORE.search(line)
            if found and not (found["codes"] and found["after"].strip(" #-:")):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == [], "\n".join(bare)
