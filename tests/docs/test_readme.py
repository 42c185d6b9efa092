"""The README fits a screen and leads to the whole manual: at most 250 lines, a link to
every page of docs/, and every relative link of the README and of docs/ reaches a file
(and, with a #fragment, a heading of that file) that exists. No I/O beyond reading them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))

# [text](target): the target runs to the first space or closing parenthesis.
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def _links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def _anchor(heading: str) -> str:
    """The fragment a heading gets on GitHub: lower case, punctuation dropped, spaces to '-'."""
    words = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", words).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_anchor(h) for h in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8")))}


def test_the_readme_fits_a_screen_of_250_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 250


def test_the_manual_has_its_topic_pages():
    names = {p.stem for p in PAGES}
    topics = {"contract", "storage", "mail", "routing", "console", "volunteers", "deploy", "testing"}
    assert topics | {"privacy-and-abuse", "benchmarks", "mutation-report"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_readme_links_every_docs_page(page):
    targets = {(README.parent / t.split("#")[0]).resolve() for t in _links(README)}
    assert page.resolve() in targets, f"README.md does not link {page.relative_to(ROOT)}"


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_heading_that_exist(page):
    broken = []
    for target in _links(page):
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        heading_missing = fragment and file.suffix == ".md" and file.exists() and fragment not in _anchors(file)
        if not file.exists() or heading_missing:
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)}: {broken}"


def test_the_link_checker_sees_a_broken_link_and_a_wrong_heading(tmp_path):
    # The checks above must be able to fail: a missing file and a fragment naming no heading.
    (tmp_path / "a.md").write_text("# Une page\n\n[b](b.md) [ici](#une-page) [là](#nulle-part)\n", encoding="utf-8")
    assert _links(tmp_path / "a.md") == ["b.md", "#une-page", "#nulle-part"]
    assert not (tmp_path / "b.md").exists()
    assert _anchors(tmp_path / "a.md") == {"une-page"}
    assert _anchor("6. Routing (policy v1)") == "6-routing-policy-v1"
    assert _anchor("The association's answer ([contract §9](contract.md))") == "the-associations-answer-contract-9"


# A repo path written in code style (`chalicelib/services/queries.py`): what a reader opens
# next. Generated outputs (build/, .local/) are not repo paths, and `...` marks a pattern.
REPO_PATH = re.compile(r"`((?:chalicelib|tests|templates|docs|local|scripts|bench|infra|\.ci)/[\w./-]*)`")


def _named_paths(page: Path) -> list[str]:
    return [p for p in REPO_PATH.findall(page.read_text(encoding="utf-8")) if "..." not in p]


@pytest.mark.parametrize(
    "page", [README, *(p for p in PAGES if p.name != "mutation-report.md")], ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_repo_path_the_manual_names_exists(page):
    # A file moved or folded leaves its old name in the manual: the reader finds nothing.
    missing = sorted({p for p in _named_paths(page) if not (ROOT / p.rstrip("/")).exists()})
    assert missing == [], f"{page.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_a_moved_file_named_by_the_manual_is_caught(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("See `chalicelib/services/mentor_queries.py` and `chalicelib/services/queries.py`.\n")
    assert _named_paths(page) == ["chalicelib/services/mentor_queries.py", "chalicelib/services/queries.py"]
    assert not (ROOT / "chalicelib/services/mentor_queries.py").exists()
    assert (ROOT / "chalicelib/services/queries.py").exists()
