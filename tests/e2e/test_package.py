"""The Lambda package `chalice package` builds still holds and finds the templates.

Chalice deploys only app.py, chalicelib/ and vendor/; `vendor/templates` links to the
top-level templates/ so that they land at the zip's root, beside chalicelib/.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.builders import ROOT

RENDER_FROM_PACKAGE = r"""
import sys
root = sys.argv[1]
sys.path.insert(0, root)
import app  # the deployed entry point imports without the repo around it
from chalicelib.adapters import templates as render
assert str(render.TEMPLATES_DIR).startswith(root), render.TEMPLATES_DIR
from chalicelib.web.forms import CHOICES
page = render.render_page("request_form", page_title="t", form_kind="youth", action="/demande",
    values={"publics": []}, errors=[], error_for={}, choices=CHOICES, submission_id="x", return_to=None)
subject, text, html = render.render_mail("acknowledgement", {"reference": "MNT-TEST-2345",
    "first_name": "Léa", "for_referent": False, "referent_name": None, "routed": True})
print(page.count('name="first_name"'), "MNT-TEST-2345" in subject, len(render.static_file("site.css")) > 0)
"""


def test_the_deployment_package_renders_pages_and_mails_from_its_own_templates(tmp_path):
    out = tmp_path / "package"
    subprocess.run(
        [str(Path(sys.executable).parent / "chalice"), "package", "--stage", "prod", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env={"AWS_DEFAULT_REGION": "eu-west-3", "PATH": "/usr/bin:/bin"},
    )
    with zipfile.ZipFile(out / "deployment.zip") as z:
        names = set(z.namelist())
        assert {
            "app.py",
            "templates/pages/request_form.html",
            "templates/mail/acknowledgement.txt",
            "templates/static/site.css",
            "chalicelib/data/territory.json",
        } <= names
        assert not any(n.startswith(("tests/", "local/", ".local/")) for n in names)
        z.extractall(tmp_path / "unzipped")
    # -S: no site-packages; only what the package itself carries (chalice runtime, pydantic,
    # jinja2...) is importable, as in Lambda (boto3 apart, which app.py does not import).
    result = subprocess.run(
        [sys.executable, "-S", "-c", RENDER_FROM_PACKAGE, str(tmp_path / "unzipped")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True", "True"]
