"""`make package` once per run, as a new operator would: no AWS credentials, no region."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from tests.builders import ROOT


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !GetAtt, !Sub...) as their long form."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
        return {name: value}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}


CfnLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("package") / "package"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(tmp_path_factory.mktemp("home"))  # no ~/.aws either
    # -o: the app's venv counts as installed (make test has just made sure of it).
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "package", f"PACKAGE_DIR={out}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def template_path(package_dir):
    return package_dir / "sam.yaml"


@pytest.fixture(scope="session")
def template(template_path):
    return yaml.load(template_path.read_text(encoding="utf-8"), Loader=CfnLoader)
