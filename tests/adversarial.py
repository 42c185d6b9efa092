"""Inputs made to be slow, and how time grows with them: shared by the linear-time tests
(tests/unit/test_linear_time.py) and `make bench` (bench/run.py).

A backtracking regular expression, or a loop that rebuilds a string, is fast on the texts
people write and quadratic (or worse) on a few shapes a stranger can send: a long run of
the characters a pattern repeats with nothing after it that completes a match (letters
with no "@"), the character that starts a match repeated ("@@@@", "a@a@"), long digit
runs with separators. Each family below is one such shape, repeated to the length asked
and closed by characters that complete nothing (a pattern ending in `$` or `[^,]*$`
fails there, after reading the whole run, from every place it starts).

Growth is measured, never a duration: the same work on an input and on one ten times as
long, in the same process, as CPU time of the thread (which other processes on a busy
machine do not add to). Linear work grows about 10x; quadratic work about 100x.
"""

from __future__ import annotations

import ast
import gc
import importlib
import inspect
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

# name -> the unit repeated. The shapes of the issue ("no @", "@ repeated", "a@ repeated",
# digits and separators), the characters mail headers, HTML and quotes are made of,
# letter-spaced text, words and names, the lines of a mail's body, dense finds.
FAMILIES: dict[str, str] = {
    "letters, no @": "a",
    "accented letters": "é",
    "capitals": "A",
    "@ repeated": "@",
    "a@ repeated": "a@",
    "@a repeated": "@a",
    ".a repeated": ".a",
    "a. repeated": "a.",
    "a- repeated": "a-",
    "A- repeated": "A-",
    "a_ repeated": "a_",
    "a+ repeated": "a+",
    "digits": "1",
    "zeros": "0",
    "1 repeated": "1 ",
    "1. repeated": "1.",
    "1- repeated": "1-",
    "1/ repeated": "1/",
    "1_ repeated": "1_",
    "0 6 repeated": "0 6 ",
    "12 repeated": "12 ",
    "+33 repeated": "+33 ",
    "(0 repeated": "(0",
    "digits and letters": "1a",
    "spaces": " ",
    "newlines": "\n",
    "blank lines with spaces": " \n",
    "tabs": "\t",
    "letter-spaced": "a ",
    "letter-spaced capitals": "A ",
    "letter-spaced lines": "a\n",
    "< repeated": "<",
    "<a repeated": "<a",
    "<a  repeated": "<a ",
    "</ repeated": "</",
    "=? repeated": "=?",
    "=?a?b? repeated": "=?a?b?",
    "?= repeated": "?=",
    "quotes": '"',
    "backslashes": "\\",
    "; repeated": ";",
    ": repeated": ":",
    ", repeated": ",",
    "a: repeated": "a:",
    "a= repeated": "a=",
    "> repeated": ">",
    "> a lines": "> a\n",
    "-- repeated": "-",
    "= repeated": "=",
    "* repeated": "*",
    "( repeated": "(",
    "[ repeated": "[",
    "a( repeated": "a(",
    "at repeated": "a at ",
    "dot repeated": "a dot ",
    "spaced dots": "a . ",
    "names and commas": "Aa, ",
    "names with et": "Aa et ",
    "apostrophes": "l'a ",
    "a sentence with contacts": "Yanis, 15 ans, 06 12 34 56 78, lea@example.fr, 59100 Roubaix. ",
    # The lines a mail's body is cut at (quotes, forwards, signatures), one after another.
    "signature delimiters": "--\n",
    "sign-offs": "Cordialement\n",
    "greetings and sign-offs": "Bonjour\nCordialement\n",
    "header blocks": "De : a\nEnvoyé : b\nÀ : c\nObjet : d\n",
    "attributions": "Le 1 mai, a a écrit :\n> a\n",
    "forward separators": "-------- Message transféré --------\n",
    # What extraction and masking find, as close together as can be: one find per unit.
    "ages": "15 ans ",
    "addresses": "a@b.fr ",
    "phone numbers": "0612345678 ",
    "postal codes": "59100 ",
    "needs": "soutien scolaire ",
}
# Every family ends on these: nothing a pattern repeats runs through both, so a pattern
# anchored at the end fails there.
CLOSING = "\x00,"

SMALL = 2_000
LARGE = 20_000  # ten times SMALL
MAX_GROWTH = 15.0  # linear work grows ~10x; quadratic work ~100x


def adversarial(unit: str, n: int) -> str:
    """`unit` repeated, closed by CLOSING: exactly `n` characters."""
    body = n - len(CLOSING)
    return (unit * (body // len(unit) + 1))[:body] + CLOSING


def mail(body: str, content_type: str = "text/plain", subject: str = "Demande de mentorat") -> bytes:
    """A referent's mail with this body, as SES stores it."""
    return (
        f"From: Sophie Lemaire <sophie@ac-lille.fr>\r\nTo: urgence@lementorat.fr\r\nSubject: {subject}\r\n"
        f"Message-ID: <m1@ac-lille.fr>\r\nContent-Type: {content_type}; charset=utf-8\r\n\r\n"
    ).encode() + body.encode("utf-8", "surrogateescape")


def parse(raw: bytes):
    """The parsed mail, or None when it is refused as unparseable (a header of 10,000 lines)."""
    from chalicelib.domain.inbound_mail import UnparseableMail, parse_inbound

    try:
        return parse_inbound(raw, "sophie@ac-lille.fr")
    except UnparseableMail:
        return None


def intake(raw: bytes) -> None:
    """A mail as intake reads it (services/mail_intake.py, storage aside): parsed, then what
    it says extracted."""
    from chalicelib.domain.extraction import extract_request

    parsed = parse(raw)
    if parsed is not None:
        extract_request(parsed.subject, parsed.own_text, parsed.forwarded_text, parsed.signature)


def corpus_text() -> str:
    """The texts of the fr corpus' mails (tests/corpus/fr), one after another: what intake
    reads, as many times over as a length asks."""
    from chalicelib.domain.inbound_mail import parse_inbound

    folder = Path(__file__).resolve().parent / "corpus" / "fr"
    return "\n\n".join(parse_inbound(p.read_bytes(), None).text for p in sorted(folder.glob("*.eml")))


def source_of(pattern: object) -> str:
    source = getattr(pattern, "pattern", "")
    return source.decode("latin-1") if isinstance(source, bytes) else str(source)


def words_of(pattern: object) -> str:
    """The literal words a pattern looks for, each once, as a unit to repeat: a text full
    of the words that start its matches ("pour concerne accompagner ...")."""
    words = dict.fromkeys(re.findall(r"[A-Za-z]{2,}", re.sub(r"\\[a-zA-Z]", " ", source_of(pattern))))
    return " ".join(words) + " " if words else ""


def families_for(pattern: object) -> dict[str, str]:
    """FAMILIES, plus the pattern's own words: alone, with capitals, between commas."""
    units = dict(FAMILIES)
    words = words_of(pattern)
    if words:
        units["its words"] = words
        units["its words, capitalised"] = words.title()
        units["its words between commas"] = words.replace(" ", ", ")
    return units


def best_time(run: Callable[[], object], repeats: int) -> float:
    """CPU time of this thread, the garbage collector off (as `timeit` does): the best of
    `repeats` runs."""
    best = float("inf")
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.thread_time()
            run()
            best = min(best, time.thread_time() - start)
    finally:
        if collecting:
            gc.enable()
    return best


def growth(work: Callable[[object], object], small: object, large: object, limit: float = MAX_GROWTH) -> float:
    """Time of `work(large)` over time of `work(small)`, each ratio from runs taken right
    after one another (the best of three of the small, one of the large), so that what
    slows the machine for a while (another process on the same core, a lower clock) slows
    both alike. While the ratio is over `limit`, another pair is taken after a pause, four
    more times at most, the large then also the best of three (a linear pattern's large run
    of a fraction of a millisecond read x15 once in a loaded `make test`), and the lowest
    ratio kept: a busy spell only ever slows a run."""
    lowest = float("inf")
    for attempt in range(5):
        t_small = best_time(lambda: work(small), 3)
        t_large = best_time(lambda: work(large), 1 if attempt == 0 else 3)
        lowest = min(lowest, t_large / max(t_small, 1e-9))
        if lowest <= limit:
            break
        time.sleep(0.05 * 2**attempt)
    return lowest


def finds_all(pattern: re.Pattern[str]) -> Callable[[str], int]:
    """The costliest way a pattern is used: every match, from every position."""
    return lambda text: sum(1 for _ in pattern.finditer(text))


def texts(pattern: object, unit: str, sizes: tuple[int, ...]) -> list:
    out = [adversarial(unit, n) for n in sizes]
    return [t.encode("utf-8") for t in out] if isinstance(getattr(pattern, "pattern", ""), bytes) else out


# A pattern's sizes, ten times apart. The verdict is the last step; a shorter step whose
# time grows more than RUNAWAY times (cubic or worse) stops the climb there, since the
# longer texts would then take hours. Below the last step, a pattern with a bounded
# repetition (`[^>]{0,300}`) may still grow faster than its text: only a runaway counts
# there. (Quadratic time shows as plainly from 1,000 to 10,000 characters as from 2,000 to
# 20,000, in half the time; whole functions, slower, are measured at SMALL and LARGE.)
LADDER = (10, 100, 1_000, 10_000)
RUNAWAY = 150.0


def climb(work: Callable[[object], object], inputs: list) -> tuple[int, float]:
    """(index of the larger input, ratio) of the step where the climb up `inputs` (one per
    LADDER size) stopped: the first runaway step, else the last one."""
    last = len(inputs) - 1
    for k in range(1, last + 1):
        ratio = growth(work, inputs[k - 1], inputs[k], MAX_GROWTH if k == last else RUNAWAY)
        if ratio > RUNAWAY or k == last:
            return k, ratio
    raise ValueError("a climb needs two inputs at least")


# -- every pattern of a package ------------------------------------------------------------


def modules(package: str = "chalicelib") -> Iterator[ModuleType]:
    root = importlib.import_module(package)
    yield root
    for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        yield importlib.import_module(info.name)


def _is_pattern(value: object) -> bool:
    """A compiled pattern, or an object used as one (text.LocalPartFirst): a `finditer`
    and the `pattern` it reads."""
    if isinstance(value, re.Pattern):
        return True
    return not isinstance(value, type) and callable(getattr(value, "finditer", None)) and hasattr(value, "pattern")


def _held(value: object, name: str, depth: int = 0) -> Iterator[tuple[str, object]]:
    if _is_pattern(value):
        yield name, value
    elif depth < 3 and isinstance(value, (list, tuple, set, frozenset)):
        for i, item in enumerate(value):
            yield from _held(item, f"{name}[{i}]", depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for key, item in value.items():
            yield from _held(item, f"{name}[{key!r}]", depth + 1)


def module_patterns(package: str = "chalicelib") -> dict[str, object]:
    """Every pattern held at module level in `package`: in a name, or in a list, tuple,
    set or dict held in one (three levels deep). Each once, under its name in the module
    that assigns it (a module that imports a pattern holds it too)."""
    names: dict[int, list[tuple[bool, str]]] = {}
    objects: dict[int, object] = {}
    for module in modules(package):
        assigned = _assigned_names(module)
        for attr, value in vars(module).items():
            for name, pattern in _held(value, f"{module.__name__}.{attr}"):
                objects[id(pattern)] = pattern
                names.setdefault(id(pattern), []).append((attr in assigned, name))
    return {max(names[key], key=lambda entry: entry[0])[1]: pattern for key, pattern in objects.items()}


def _assigned_names(module: ModuleType) -> set[str]:
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return set()
    out: set[str] = set()
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        out.update(t.id for t in targets if isinstance(t, ast.Name))
    return out


# -- the patterns written inside functions -------------------------------------------------

_RE_API = {
    "compile": 1,
    "search": 2,
    "match": 2,
    "fullmatch": 2,
    "finditer": 2,
    "findall": 2,
    "split": 3,
    "sub": 4,
    "subn": 4,
}
# Functions of chalicelib that compile what they are given (their calls are patterns too).
FACTORIES = {"_rx"}


@dataclass(frozen=True)
class Inline:
    """A pattern written in a function's body: `re.search(r"...", text)`, `_rx(...)`."""

    module: str
    function: str
    line: int
    source: str  # the call as written
    pattern: object | None  # compiled, when its text depends on module-level names only

    @property
    def name(self) -> str:
        return f"{self.module}.{self.function} (line {self.line})"


def inline_patterns(package: str = "chalicelib") -> list[Inline]:
    """Every call of `re.<function>` or of a FACTORIES function inside a function body of
    `package`, its pattern compiled from the module's names when it can be."""
    out: list[Inline] = []
    for module in modules(package):
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            continue
        for function, call in _calls_in_functions(ast.parse(source)):
            out.append(
                Inline(
                    module.__name__,
                    function,
                    call.lineno,
                    ast.get_source_segment(source, call) or "",
                    _compiled(call, vars(module)),
                )
            )
    return out


def _calls_in_functions(tree: ast.AST) -> Iterator[tuple[str, ast.Call]]:
    def visit(node: ast.AST, function: str | None) -> Iterator[tuple[str, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and "__mutmut_" in child.name:
                continue  # `make mutation`'s copies of a function (scripts/mutation.py): the function is there too
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = child.name if function is None else f"{function}.{child.name}"
                yield from visit(child, inner)
                continue
            if isinstance(child, ast.ClassDef):
                yield from visit(child, child.name if function is None else f"{function}.{child.name}")
                continue
            if function is not None and isinstance(child, ast.Call) and _is_pattern_call(child):
                yield function, child
            yield from visit(child, function)

    yield from visit(tree, None)


def _is_pattern_call(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "re":
        return f.attr in _RE_API
    return isinstance(f, ast.Name) and f.id in FACTORIES


def _compiled(call: ast.Call, namespace: dict) -> object | None:
    def value(node: ast.expr) -> Any:
        return eval(compile(ast.Expression(node), "<pattern>", "eval"), dict(namespace))

    try:
        if not isinstance(call.func, ast.Attribute):
            return value(call)  # a FACTORIES function: compiles what it is given
        position = _RE_API[call.func.attr]
        flags = [k.value for k in call.keywords if k.arg == "flags"] or call.args[position : position + 1]
        return re.compile(value(call.args[0]), value(flags[0]) if flags else 0)
    except NameError:
        return None  # built from a function's own variables: listed by hand
