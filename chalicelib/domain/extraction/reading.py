"""How text is read: folded for matching with the same length, parts, hits, context."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .model import Found

# --- Folding -------------------------------------------------------------------------------

_SAME_LENGTH = {
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "\u00b4": "'",
    "`": "'",
    "\u2032": "'",
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\t": " ",
    "\r": " ",
    "\u1d49": "e",  # "4ᵉ"
}
_fold_cache: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    out = _fold_cache.get(ch)
    if out is None:
        if ch in _SAME_LENGTH:
            out = _SAME_LENGTH[ch]
        else:
            d = unicodedata.normalize("NFD", ch)
            out = d[0] if len(d) > 1 and all(unicodedata.combining(c) for c in d[1:]) else ch
        _fold_cache[ch] = out
    return out


def _fold(s: str) -> str:
    """Accents stripped, apostrophes/dashes/spaces made plain, case kept, length kept."""
    return "".join(_fold_char(c) for c in s)


@dataclass(frozen=True)
class _Part:
    name: str  # "subject", "own", "forwarded", "attachment", "signature"
    text: str  # original (NFC)
    folded: str
    file_name: str = ""  # for an attachment: its file name, as sent

    @property
    def source(self) -> str:
        """Where a value was read, as operators see it."""
        if self.name == "attachment":
            return f"attachment:{self.file_name or '?'}"
        return "body" if self.name == "own" else self.name


@dataclass(frozen=True)
class _Hit:
    value: Any
    confidence: float
    part: _Part
    start: int
    end: int
    tag: str = ""

    @property
    def evidence(self) -> str:
        return _excerpt(self.part.text, self.start, self.end)


def _excerpt(text: str, start: int, end: int) -> str:
    words = " ".join(text[start:end].split())
    return words if len(words) <= 80 else words[:77] + "..."


def _found(hit: _Hit, confidence: float | None = None, value: Any = None) -> Found:
    value = hit.value if value is None else value
    return Found(
        value.value if isinstance(value, Enum) else value,  # vocabulary members are stored as their code
        hit.evidence,
        round(hit.confidence if confidence is None else confidence, 2),
        hit.part.source,
    )


# Reading order of the parts, for "first said" ties: the subject, the sender's own words,
# what they forwarded, the attachments; the signature last.
_PART_ORDER = {"subject": 0, "own": 1, "forwarded": 2, "attachment": 3}


def _order(hit: _Hit) -> int:
    return _PART_ORDER.get(hit.part.name, 9)


_CLAUSE_STOPS = ".;!?\n,(:"
_SENTENCE_STOPS = ".;!?\n"


def _left(folded: str, start: int, limit: int = 60, stops: str = _CLAUSE_STOPS) -> str:
    """The text before `start`, back to the clause (or sentence) start, at most `limit` chars."""
    window = folded[max(0, start - limit) : start]
    cut = max(map(window.rfind, stops))
    return window[cut + 1 :] if cut >= 0 else window


def _right(folded: str, end: int, limit: int = 40, stops: str = _CLAUSE_STOPS) -> str:
    window = folded[end : end + limit]
    cuts = [i for i in (window.find(c) for c in stops) if i >= 0]
    return window[: min(cuts)] if cuts else window


def _rx(pattern: str, case: bool = False) -> re.Pattern[str]:
    return re.compile(pattern, 0 if case else re.IGNORECASE)


# Negation just before a word: "pas de handicap", "n'est pas placé", "sans MDPH", "hors QPV".
_NEGATED_LEFT = _rx(
    r"(?:\b(?:pas|sans|aucun|aucune|ni|non|jamais|hors)|(?:\bne\s|\bn')\S*\s+plus)\b(?:\s*[\w']+){0,3}\s*$"
)
# For needs, only a negation right before the words: "pas de difficultés", "sans CV".
_NEED_NEGATED_LEFT = _rx(r"\b(?:pas\s+(?:de|d'|besoin\s+d[e']|besoin\s+d'une?)|sans|aucun|aucune|ni)\s*$")
_NEGATED_RIGHT = _rx(r"^\s*:\s*(?:non|aucun|aucune|neant|pas)\b")


def _negated(folded: str, start: int, end: int) -> bool:
    return bool(_NEGATED_LEFT.search(_left(folded, start, 45)) or _NEGATED_RIGHT.search(folded[end : end + 15]))
