"""cfn-lint and checkov on the packaged template: nothing to report, every skip explained.

Both live in .venv-infra (their pins clash with the app's), which `make test` installs.
"""

from __future__ import annotations

import json
import subprocess

from tests.builders import ROOT

INFRA_BIN = ROOT / ".venv-infra" / "bin"


def tool(name: str) -> str:
    path = INFRA_BIN / name
    assert path.exists(), f"{path} is missing: run `make test` (it installs infra/requirements-lint.txt)"
    return str(path)


def test_cfn_lint_reports_no_error_and_no_warning(template_path):
    result = subprocess.run(
        [tool("cfn-lint"), "--format", "parseable", str(template_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_checkov_fails_no_check_and_each_skip_names_its_reason(template_path, template):
    result = subprocess.run(
        [tool("checkov"), "--framework", "cloudformation", "--output", "json", "-f", str(template_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [] and result.returncode == 0, failed
    assert report["summary"]["parsing_errors"] == 0 and report["summary"]["passed"] > 50
    skips = [
        (name, s)
        for name, r in template["Resources"].items()
        for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips, "the template names its skipped checks"
    for name, skip in skips:
        assert len(skip.get("comment", "")) > 30, (name, skip)
    skipped = {(c["check_id"], c["resource"].split(".")[-1]) for c in report["results"]["skipped_checks"]}
    assert skipped == {(s["id"], name) for name, s in skips}
