"""Contact details kept out of mail: finding and masking them in free text.

Masking (`redact_contacts`) is what stands between a youth's message and an association
that has not accepted yet: the youth often repeats a phone number or an address in the
message, in any spelling. Detection therefore runs on a normalised *view* of the text
(NFKC, format characters dropped, separators unified, letter-spaced runs closed up),
and what it finds is masked in the original text through a map from the view back to
it, so that the rest of the message reads exactly as it was written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator


class LocalPartFirst:
    """A pattern that opens with an address's local part (a run of letters, digits and
    "._+-"), with `re.finditer`'s matches, found in time linear in the text.

    Tried at every position, the local part reads the rest of the run from each of its
    characters before failing for want of an "@": quadratic on a long word, a long number,
    any text without "@" (a 190,000-letter mail took minutes). Tried only where a run
    starts, each run is read once, and the matches are the same: what follows the local
    part never starts with a run character, so a match starting inside a run would reach
    the same end as one from the run's first character, and `finditer` takes the leftmost.
    Except where the previous match ended inside a run ("a@b.fr+c@d.fr"): `finditer` tries
    that very position, and so does this. (google-re2 would be linear too, but its letters and
    word boundaries are ASCII only and it has no lookarounds, which French text and these
    patterns need.)
    """

    _RUN = r"[\w.+-]"

    def __init__(self, rest: str, flags: int = 0, local_may_be_empty: bool = False):
        # Possessive: no giving back, since `rest` never starts with a run character.
        local = self._RUN + ("*+" if local_may_be_empty else "++")
        self.pattern = local + rest
        self._here = re.compile(self.pattern, flags)
        self._at_run_start = re.compile(rf"(?<!{self._RUN})" + self.pattern, flags)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pos = 0
        while True:
            found = self._here.match(text, pos) if pos else None
            found = found or self._at_run_start.search(text, pos)
            if found is None:
                return
            yield found
            pos = found.end()  # never an empty match: "@" is always part of `rest`

    def sub(self, repl: Callable[[re.Match[str]], str], text: str) -> str:
        out: list[str] = []
        pos = 0
        for m in self.finditer(text):
            out += (text[pos : m.start()], repl(m))
            pos = m.end()
        out.append(text[pos:])
        return "".join(out)


# Plain spellings, also used by mail extraction to blank contact details out of its view.
EMAIL_IN_TEXT = LocalPartFirst(r"@[\w-]+(?:\.[\w-]+)+")
# French phone numbers as people write them: 06 12 34 56 78, 06.12.34.56.78, +33 6 12...
PHONE_IN_TEXT = re.compile(r"(?:\+33\s?|0033\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")

EMAIL_MASK = "[adresse masquée]"
PHONE_MASK = "[numéro masqué]"

# -- email spellings, matched on the normalised view (case-insensitive) --------------
_AT = (
    r"(?:\s*@\s*"  # lea@x, lea @ x (full-width ＠ and small ﹫ are @ after NFKC)
    r"|\s*[(\[{<]\s*(?:at|arobase|arobas|@)\s*[)\]}>]\s*"  # lea(at)x, lea [at] x, lea (arobase) x
    r"|\s+(?:at|arobase|arobas)\s+)"  # lea at x, lea arobase x
)
_DOT_LOOSE = r"(?:\s*\.\s*|\s*[(\[{<]\s*(?:dot|point|\.)\s*[)\]}>]\s*|\s+(?:dot|point)\s+)"
# With spaces or words for the dots, the last label must be a real top-level domain, so
# that "...@example.net. Merci" does not swallow the next sentence.
_TLDS = (
    r"(?:fr|com|net|org|eu|be|ch|lu|mc|ca|de|es|it|pt|uk|info|io|me|biz|edu|gouv|asso"
    r"|re|gp|mq|gf|yt|pm|nc|pf|wf|bl|mf|tf)"
)
_EMAIL_SPELLINGS = [
    # any at-spelling, then a domain with plain dots
    LocalPartFirst(rf"{_AT}[\w-]+(?:\.[\w-]+)+", re.IGNORECASE),
    # any at-spelling, then a domain whose dots are spaced or spelled, ending on a TLD
    LocalPartFirst(rf"{_AT}[\w-]+(?:{_DOT_LOOSE}[\w-]+)*?{_DOT_LOOSE}{_TLDS}\b", re.IGNORECASE),
    # a bracketed at is never ordinary prose: whatever word follows it is the domain
    LocalPartFirst(r"\s*[(\[{<]\s*(?:at|arobase|arobas|@)\s*[)\]}>]\s*[\w-]+(?:\.[\w-]+)*", re.IGNORECASE),
    # a literal @ between words is an address or a handle, even without a domain
    LocalPartFirst(r"@[\w-]+(?:\.[\w-]+)*", local_may_be_empty=True),
]

# -- phone spellings --------------------------------------------------------------------
# A run of digits with up to three separator characters between them; "+" or "(" may
# open it (+33 (0)6 ...). Dates and ages also make runs: what a run holds is checked below.
_DIGIT_RUN = re.compile(r"(?:\+\s?|\(\+?)?\d(?:[\s.\-/_·()]{0,3}\d)*")
_DIGIT_GROUP = re.compile(r"\d+")
_FRENCH_NUMBER = re.compile(r"(?:\+33|0033|33)0?[1-9]\d{8}|0[1-9]\d{8}")
# A number may start a run, follow another number, or follow a clear break (" - ", " / ")
# but not a lone "/" or "." inside what is more likely a date: 12/03/2026 - 15/04/2026.
_CLEAR_BREAK = re.compile(r"\s[^\d\s]*\s|[^\d\s]\s|\s[^\d\s]")
# Letter-spaced text, "l e a @ e x a m p l e . f r" or "0 6 1 2 ...": five or more
# one-character tokens in a row are closed up in the view.
_SPACED_OUT = re.compile(r"(?<!\S)(?:\S[ \t]+){4,}\S(?=[.,;:!?)\]]*(?:\s|$))")
# A digit and the digits, underscores and spaces after it: "06_12_34" in one is "06 12 34".
# Each run is read once (`\d[\d_ ]*_[\d_ ]*\d` read a digit run from each of its digits).
_DIGITS_AND_GAPS = re.compile(r"\d[\d_ ]*+")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")


def redact_contacts(text: str | None) -> str | None:
    """Mask email addresses and phone numbers in free text, however they are spelled.

    The association's mails and its answer page before acceptance must not carry the
    youth's contact details (they are shown once it accepts), and a youth often writes
    them in the message anyway.
    """
    if not text:
        return text
    spans: list[tuple[int, int, str]] = []
    for view, origin in _views(text):
        for start, end, mask in _found(view):
            spans.append((origin[start], origin[end - 1] + 1, mask))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end, mask in _merged(spans):
        out.append(text[pos:start])
        out.append(mask)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _views(text: str) -> Iterable[tuple[str, list[int]]]:
    """The normalised view of `text`, then the same with letter-spaced runs closed up.

    Each view comes with, for each of its characters, the index in `text` it came from.
    """
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cf" or (category == "Cc" and ch not in "\t\n\r"):
            continue  # zero-width spaces, joiners, BOM, bidi marks, NUL...: invisible, dropped
        for n in unicodedata.normalize("NFKC", ch).translate(_DASHES):
            if n.isspace():
                n = " " if n not in "\n\r" else "\n"
            chars.append(n)
            origin.append(i)
    # 06_12_34 is 06 12 34 (same length: the map to `text` holds); lea_m@x.fr stays whole.
    view = _DIGITS_AND_GAPS.sub(_underscores_between_digits_as_spaces, "".join(chars))
    yield view, origin

    drop: set[int] = set()
    for run in _SPACED_OUT.finditer(view):
        drop.update(i for i in range(run.start(), run.end()) if view[i] in " \t")
    if drop:
        kept = [i for i in range(len(view)) if i not in drop]
        yield "".join(view[i] for i in kept), [origin[i] for i in kept]


def _underscores_between_digits_as_spaces(run: re.Match[str]) -> str:
    """The underscores between the run's first digit and its last become spaces."""
    text = run.group()
    digits = text.rstrip("_ ")
    return digits.replace("_", " ") + text[len(digits) :]


def _found(view: str) -> Iterable[tuple[int, int, str]]:
    for pattern in _EMAIL_SPELLINGS:
        for m in pattern.finditer(view):
            yield m.start(), m.end(), EMAIL_MASK
    yield from ((s, e, PHONE_MASK) for s, e in _phone_spans(view))


def _phone_spans(view: str) -> Iterable[tuple[int, int]]:
    import phonenumbers  # imported on first use: cold start of the form Lambdas

    # libphonenumber knows how numbers are written (country codes, "(0)", groupings)...
    for match in phonenumbers.PhoneNumberMatcher(view, "FR", leniency=phonenumbers.Leniency.POSSIBLE):
        yield match.start, match.end
    # ...but not every separator people use (06/12/34/56/78, "0 6 - 1 2 ..."): a run of
    # digits that spells a French number, whatever stands between its digits, is one.
    for run in _DIGIT_RUN.finditer(view):
        yield from _numbers_in_run(view, run.start(), run.group())


def _numbers_in_run(view: str, offset: int, run: str) -> Iterable[tuple[int, int]]:
    groups = list(_DIGIT_GROUP.finditer(run))
    k, after_number = 0, True
    while k < len(groups):
        before = run[groups[k - 1].end() : groups[k].start()] if k else ""
        starts_here = (
            after_number
            or _CLEAR_BREAK.fullmatch(before) is not None
            # "j'ai 15 06 12 ...", but not "12/03/2026": a "/" or "." binds a date together
            or (before.isspace() and groups[k].group().startswith("0"))
        )
        found = None
        if starts_here:
            plus = "+" if k == 0 and "+" in run[: groups[0].start()] else ""
            digits = plus
            for j in range(k, len(groups)):
                digits += groups[j].group()
                if len(digits) > 13:
                    break
                if _FRENCH_NUMBER.fullmatch(digits):
                    found = j
                    break
        if found is None:
            k, after_number = k + 1, False
            continue
        start = 0 if plus else groups[k].start()
        yield offset + start, offset + groups[found].end()
        k, after_number = found + 1, True


def _merged(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Overlapping finds become one mask (an address's digits may also look like a phone)."""
    merged: list[tuple[int, int, str]] = []
    for start, end, mask in sorted(spans):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, mask))
    return merged
