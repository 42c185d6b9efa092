"""`make mutation`: mutmut over chalicelib/domain, chalicelib/services and chalicelib/web.

mutmut (3.x) changes the code one small edit at a time (a `<` made `<=`, a constant
changed, a call dropped...) and runs the tests that reach the changed function; a mutant
the tests still pass on ("survived") is behaviour no test pins down.

It runs on a copy of the last commit (or, with --worktree, of the working tree) under
build/mutation/ (mutmut writes its `mutants/` folder and a `setup.cfg` beside the code: nothing
of that belongs in the checkout), with the fast tests only (tests/unit: pure domain, web
helpers and the use cases on the in-memory stores), each mutant under a timeout (`timeout_multiplier` x its tests' clean
time + `timeout_constant` seconds). Lines that call the logger are not mutated (see
prepare()).

Then it prints one line per package (`domain: 92.4 % killed`) and writes every survivor,
with its diff, to build/mutation-report.md. Mutants listed in tests/mutation_equivalents.txt
(`<mutant name>  <why it cannot change behaviour>`) are reviewed equivalents: they count
neither as killed nor as survived, and the report lists them with their reason.

With --sample N it draws N mutants per package at random (seeded: --seed) and runs only
those: all of them is about 19,300 mutants, hours on two cores. The line then gives the
sample's 95 % interval for the package's whole kill rate. Tests written against one draw's
survivors make that draw read high: measure with another seed.

    .venv/bin/python scripts/mutation.py [--packages domain services web] [--max-children 2]
        [--tests tests/unit] [--only chalicelib/domain/text.py ...] [--worktree] [--report-only]
        [--sample N [--seed S]]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
REPORT = ROOT / "build" / "mutation-report.md"
SAMPLE = WORK / "sample.json"  # the mutants a --sample run drew ([] for a full run)
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.txt"
PACKAGES = ("domain", "services", "web")
GOALS = {"domain": 90.0, "services": 85.0, "web": 85.0}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}  # the tests noticed

# What the tests need beside chalicelib/ and tests/ (mutmut copies tests/ itself).
ALSO_COPY = ("app.py", "local", "templates", "vendor", "pytest.ini")

# Read inside the work dir, where mutmut's own config reads setup.cfg: names, status, diffs.
RESULTS_SNIPPET = r"""
import json, sys
from mutmut.mutation.data import SourceFileMutationData
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files
from mutmut.mutation.diff_apply import get_diff_for_mutant
out = {}
for path in walk_mutatable_files():
    m = SourceFileMutationData(path=path)
    m.load()
    for name, code in m.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = None
        if status not in NO_DIFF:  # KILLED and "not checked": prepended by read_results()
            try:
                diff = get_diff_for_mutant(name, path=m.path)
            except Exception as exc:  # a diff is a help for the reader, not the figure
                diff = f"(no diff: {type(exc).__name__})"
        out[name] = {"status": status, "path": str(path), "diff": diff}
json.dump(out, sys.stdout)
"""

# Generate every mutant (what the first step of `mutmut run` does) and print their names, so
# that a seeded sample of them can be run.
GENERATE_SNIPPET = r"""
import json, os, sys
from pathlib import Path
from mutmut.__main__ import create_mutants, store_lines_covered_by_tests
from mutmut.mutation.data import SourceFileMutationData
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths, walk_mutatable_files
os.makedirs("mutants", exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); store_lines_covered_by_tests()
create_mutants(int(sys.argv[1]))
names = []
for path in walk_mutatable_files():
    m = SourceFileMutationData(path=path)
    m.load()
    names += list(m.exit_code_by_key)
Path("mutant-names.json").write_text(json.dumps(names))  # stdout carries mutmut's own chatter
"""


def tree_files(worktree: bool) -> list[tuple[str, bytes]]:
    """(path, content) of chalicelib/, tests/ and ALSO_COPY: the last commit by default (a
    known state, nobody's unfinished files); with `worktree`, the files as they are now,
    untracked ones included (ignored ones left out)."""
    wanted = ("chalicelib", "tests", *ALSO_COPY)
    if worktree:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *wanted],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        paths = [p for p in out.decode().split("\0") if p and (ROOT / p).is_file()]
        return [(p, (ROOT / p).read_bytes()) for p in paths]
    names = (
        subprocess.run(
            ["git", "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", *wanted],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    return [
        (n, subprocess.run(["git", "show", f"HEAD:{n}"], cwd=ROOT, check=True, capture_output=True).stdout)
        for n in names
        if n
    ]


def prepare(only: list[str], tests: list[str], packages: list[str], worktree: bool) -> None:
    """Copy the tree into WORK and write its config.

    mutmut's cache (WORK/mutants: which tests reach which function, and each mutant's
    result) is kept only for the same config on the same commit. mutmut re-collects "which tests
    reach which function" for NEW tests only: after the files to mutate (or the code)
    change, the old tests' calls into newly mutated functions were never recorded, so their
    mutants read "no tests" and others run too few tests and "survive". A run found 4,247
    of domain's 9,147 mutants "untested" that way. So anything else starts afresh."""
    for folder in ("chalicelib", "tests", *ALSO_COPY):
        target = WORK / folder
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for rel, content in tree_files(worktree):
        dest = WORK / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(content)
    # tests/conftest.py reads the shared contract corpus at <root>/../shared; mutmut runs
    # the tests from WORK/mutants, so WORK/shared must lead there.
    shared = WORK / "shared"
    if not shared.exists() and (ROOT.parent / "shared").exists():
        shared.symlink_to(ROOT.parent / "shared")
    patterns = only or [f"chalicelib/{p}/*" for p in packages]
    lines = [
        "[mutmut]",
        "source_paths = chalicelib",
        "only_mutate =",
        *(f"    {p}" for p in patterns),
        "also_copy =",
        *(f"    {a}" for a in ALSO_COPY),
        "pytest_add_cli_args_test_selection =",
        *(f"    {t}" for t in tests),
        # -p no:randomly etc. are not installed; keep pytest quiet and stop at the first failure.
        "pytest_add_cli_args =",
        "    -x",
        "    -q",
        # A logger call's words are read by the team, not by the people the service is for;
        # what docs/privacy-and-abuse.md promises of the logs (the correlation id, the operator's keyed hash,
        # no personal data) is pinned by tests/unit/web/test_log_claims.py instead. mutmut
        # leaves out the whole statement that starts on a matching line.
        "do_not_mutate_patterns =",
        r"    ^\s*log\.(debug|info|warning|error|exception|critical)\(",
        "timeout_multiplier = 5.0",
        "timeout_constant = 5.0",
        "use_git_change_detection = false",
        "",
    ]
    config = "\n".join(lines)
    (WORK / "setup.cfg").write_text(config)
    # The cache is valid for one config on one commit; the working tree is never trusted.
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    key = config + "\n" + (f"commit {head}" if not worktree else f"worktree {os.getpid()}")
    stamp = WORK / "cache-key"
    if not stamp.exists() or stamp.read_text() != key:
        shutil.rmtree(WORK / "mutants", ignore_errors=True)
    stamp.write_text(key)


def sample_names(per_package: int, seed: int, packages: list[str], max_children: int) -> list[str]:
    """A seeded random sample of `per_package` mutants in each package (all of a package's
    mutants when it has fewer). Mutant sampling estimates the kill rate without running
    every mutant: the same seed on the same commit draws the same mutants. A draw whose
    survivors tests were written against reads high afterwards: measure with another seed."""
    subprocess.run(
        [sys.executable, "-c", GENERATE_SNIPPET, str(max_children)],
        cwd=WORK,
        check=True,
        capture_output=True,
        text=True,
    )
    by_package: dict[str, list[str]] = defaultdict(list)
    for name in json.loads((WORK / "mutant-names.json").read_text()):
        by_package[package_of(name)].append(name)
    chosen: list[str] = []
    for pkg in packages:
        names = sorted(by_package[pkg])
        chosen += random.Random(f"{seed}-{pkg}").sample(names, min(per_package, len(names)))
        print(f"{pkg}: {min(per_package, len(names))} of {len(names)} mutants drawn", flush=True)
    return chosen


def run_mutmut(max_children: int, names: list[str] | None = None) -> int:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    mutmut = Path(sys.executable).parent / "mutmut"
    log = WORK / "mutmut.log"  # its spinner redraws a line per mutant: kept out of the terminal
    print(f"mutmut running on {max_children} process(es); progress in {log.relative_to(ROOT)}", flush=True)
    with open(log, "w") as out:
        command = ["nice", "-n", "10", str(mutmut), "run", "--max-children", str(max_children), *(names or [])]
        return subprocess.run(command, cwd=WORK, env=env, stdout=out, stderr=subprocess.STDOUT).returncode


def read_results() -> dict[str, dict]:
    snippet = f"NO_DIFF = {sorted(KILLED | {'not checked'})!r}\n" + RESULTS_SNIPPET
    out = subprocess.run([sys.executable, "-c", snippet], cwd=WORK, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def read_equivalents() -> dict[str, str]:
    found: dict[str, str] = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, why = line.partition(" ")
            found[name] = why.strip() or "(no reason given)"
    return found


def package_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "chalicelib" else "other"


def wilson_interval(killed: int, judged: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of the kill rate, in percent: where the rate over all
    of a package's mutants lies, given the drawn ones."""
    if not judged:
        return 0.0, 0.0
    p = killed / judged
    centre = (p + z * z / (2 * judged)) / (1 + z * z / judged)
    half = z * ((p * (1 - p) / judged + z * z / (4 * judged * judged)) ** 0.5) / (1 + z * z / judged)
    return 100 * (centre - half), 100 * (centre + half)


def summarise(
    results: dict[str, dict], equivalents: dict[str, str], packages: list[str], sampled: bool = False
) -> tuple[list[str], str]:
    by_package: dict[str, Counter] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    listed_equivalents: dict[str, list[str]] = defaultdict(list)
    for name, r in sorted(results.items()):
        pkg = package_of(name)
        if name in equivalents:
            by_package[pkg]["equivalent"] += 1
            listed_equivalents[pkg].append(name)
        elif r["status"] in KILLED:
            by_package[pkg]["killed"] += 1
        elif r["status"] == "not checked":
            by_package[pkg]["not checked"] += 1
        else:
            by_package[pkg]["survived"] += 1
            survivors[pkg].append(name)
    lines, report = [], ["# Mutation report", ""]
    for pkg in packages:
        c = by_package[pkg]
        judged = c["killed"] + c["survived"]
        score = 100.0 * c["killed"] / judged if judged else 0.0
        low, high = wilson_interval(c["killed"], judged)
        interval = f"sample's 95 % interval {low:.1f}-{high:.1f} %; " if sampled else ""
        line = (
            f"{pkg}: {score:.1f} % killed ({c['killed']} of {judged}; {interval}{c['equivalent']} equivalent"
            + (f", {c['not checked']} not checked" if c["not checked"] else "")
            + f"; goal {GOALS[pkg]:.0f} %)"
        )
        lines.append(line)
        report.append(f"- {line}")
    stale = sorted(set(equivalents) - set(results))
    for pkg in packages:
        report += ["", f"## {pkg}: survivors ({len(survivors[pkg])})", ""]
        for name in survivors[pkg]:
            r = results[name]
            report += [f"### `{name}` ({r['status']})", "", "```diff", (r["diff"] or "").strip(), "```", ""]
        report += [f"## {pkg}: equivalent mutants ({len(listed_equivalents[pkg])})", ""]
        report += [f"- `{name}`: {equivalents[name]}" for name in listed_equivalents[pkg]]
    if stale:
        report += ["", "## Listed as equivalent but no longer generated (remove them)", ""]
        report += [f"- `{name}`" for name in stale]
    return lines, "\n".join(report) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", nargs="+", default=list(PACKAGES), choices=PACKAGES)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--tests", nargs="+", default=["tests/unit"])
    parser.add_argument("--only", nargs="*", default=[], help="mutate only these files (globs)")
    parser.add_argument("--report-only", action="store_true", help="summarise the last run without running")
    parser.add_argument("--worktree", action="store_true", help="the working tree as it is, not the last commit")
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        metavar="N",
        help="run a seeded random sample of N mutants per package instead of all of them",
    )
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        prepare(args.only, args.tests, args.packages, args.worktree)
        drawn = sample_names(args.sample, args.seed, args.packages, args.max_children) if args.sample else []
        SAMPLE.write_text(json.dumps(drawn))
        code = run_mutmut(args.max_children, drawn)
        if code not in (0, 1):  # mutmut exits 1 when mutants survive... and on its own errors
            print(f"mutmut exited {code}", file=sys.stderr)
            return code
    results = read_results()
    drawn = json.loads(SAMPLE.read_text()) if SAMPLE.exists() else []
    if drawn:  # a sampled run: the figure is over the drawn mutants only
        wanted = set(drawn)
        results = {name: r for name, r in results.items() if name in wanted}
    lines, report = summarise(results, read_equivalents(), args.packages, sampled=bool(drawn))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report)
    for line in lines:
        print(line)
    print(f"survivors and equivalents: {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
