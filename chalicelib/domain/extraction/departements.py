"""A place said only by its département: "en Seine-Saint-Denis", "dans le 93", "(93)", "2A".

Names come from the official territory data (`territory.departements()`), folded like the
text. Many are ordinary words or communes too ("Nord", "Var", "Vienne", "Paris"), so a
name counts only after a preposition that introduces a département ("en", "dans le/la/les/l'",
"département de...") and written with its capital; a number only in the forms people use
for a département ("dans le 93", "du 93", "département 93", "(93)" after a name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .. import territory
from .reading import _SENTENCE_STOPS, _fold, _Hit, _left, _Part, _rx

# Overseas départements are named after "à" or "à la" as well ("à Mayotte", "à la Réunion").
_OVERSEAS = {"971", "972", "973", "974", "976"}
_DEP_WORD = r"(?:departement|dept|dpt)\.?"
_NUMBER_BEFORE = r"(?:\bdans\s+le\s+|\bdu\s+|\b" + _DEP_WORD + r"\s+(?:du\s+|n°\s*|no\s*)?|\b" + _DEP_WORD + r"\s*:\s*)"
_NUMBER = _rx(_NUMBER_BEFORE + r"(\d{2}|2[AB]|97[1-46])\b")
_PAREN_NUMBER = re.compile(r"(?<=[A-Za-z'\-])\s*\(\s*(\d{2}|2[AB]|97[1-46])\s*\)")
# What follows a number that is not a département: a date, an age, an amount, a time.
_NOT_A_NUMBER_AFTER = _rx(
    r"^\s*(?:(?:au|a|er|ans|an|euros?|h|heures?|km|mois|jours?|semaines?|rue|avenue|bd|"
    r"janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)(?!\w)"
    r"|%|€|/|-|\.\d|,\d|et\s+\d)"
)
_RESIDENCE = _rx(
    r"\b(?:habite|habitent|vit|vivent|reside|residant|domicilie(?:e)?s?|demeurant|loge(?:e)?|heberge(?:e)?s?|"
    r"installe(?:e)?s?|place(?:e)?s?|accueilli(?:e)?s?|adresse|domicile|famille)\b"
)
# After a commune's name: "Saint-Denis (93)", "Saint-Denis 974", "Valence (Drôme)". A run of
# spaces is read from its first only, and once: `\s*[(,-]?\s*` read it from each of its
# spaces, in every way of sharing it between the two (cubic).
_DEPARTEMENT_NUMBER_AFTER = re.compile(r"(?<!\s)\s*+[(,-]?\s*+(\d{2}|2[AB]|97[1-46])\b(?![ .]?\d)", re.I)
_DEPARTEMENT_NAME_AFTER = re.compile(r"(?<!\s)\s*+[(,-]\s*+([A-Z][\w' -]{1,30}?)\s*\)")
NAMED_CONFIDENCE = 0.75
NUMBER_CONFIDENCE = 0.75
RESIDENCE_BONUS = 0.1


@dataclass(frozen=True)
class DepartementHit:
    hit: _Hit  # value: the département code
    residence: bool


@lru_cache(maxsize=1)
def _named() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every département name after its prepositions; folded name -> code."""
    by_folded: dict[str, str] = {}
    alternatives = []
    for code, name in territory.departements().items():
        folded = _fold(name)
        key = territory.normalise_name(folded)
        by_folded[key] = code
        by_folded[key.removeprefix("la ").removeprefix("le ")] = code  # "à la Réunion", "en Réunion"
        words = re.split(r"[-' ]+", folded.removeprefix("La ").removeprefix("Le "))
        alternatives.append(r"[-' ]?".join(re.escape(w) for w in words if w))
    alternatives.sort(key=len, reverse=True)  # "Charente-Maritime" before "Charente"
    names = "|".join(alternatives)
    pattern = re.compile(
        r"(?:\b(?i:en|dans\s+(?:le|la|les|l')|de\s+la|de\s+l'|du|des|(?:du\s+)?"
        + _DEP_WORD
        + r"\s+(?:du|de\s+la|des|de\s+l'|de|d'))"
        r"\s*(?:(?i:la)\s+)?"
        r"|(?<=\()\s*"
        r"|\b(?i:a|à)\s+(?:(?i:la)\s+)?(?=(?:Reunion|Mayotte|Guadeloupe|Martinique|Guyane)\b))"
        r"(" + names + r")(?![\w-])"
    )
    return pattern, by_folded


def departement_mentions(part: _Part) -> list[DepartementHit]:
    """Every département the text names, with how sure each reading is."""
    if part.name == "signature":
        return []  # the structure's place, not the youth's: never a département of its own
    out: list[DepartementHit] = []
    f = part.folded
    pattern, by_folded = _named()
    for m in pattern.finditer(f):
        code = by_folded.get(territory.normalise_name(m.group(1)))
        if code is None:
            continue
        via_a = re.search(r"(?i)\ba\s+(?:la\s+)?$", f[m.start() : m.start(1)])
        if via_a and code not in _OVERSEAS:
            continue
        if f[m.start() : m.start(1)].lower().strip() in ("du", "des", "de la", "de l'") and not _residence(
            f, m.start()
        ):
            # "le lycée du Nord", "la mission locale de la Manche": the structure's, say less
            out.append(_hit(part, code, m.start(1), m.end(1), NAMED_CONFIDENCE - 0.2, False))
            continue
        out.append(_hit(part, code, m.start(1), m.end(1), NAMED_CONFIDENCE, _residence(f, m.start())))
    for rx in (_NUMBER, _PAREN_NUMBER):
        for m in rx.finditer(f):
            if _NOT_A_NUMBER_AFTER.search(f[m.end() : m.end() + 12]):
                continue
            raw = m.group(1).upper()
            place = territory.departement_place(raw)
            if place is None or place.departement is None:
                continue
            start = m.start(1) - (1 if rx is _PAREN_NUMBER else 0)
            end = m.end(1) + (1 if rx is _PAREN_NUMBER and f[m.end(1) : m.end(1) + 1] == ")" else 0)
            out.append(_hit(part, place.departement, max(0, start), end, NUMBER_CONFIDENCE, _residence(f, m.start())))
    return out


def _residence(folded: str, start: int) -> bool:
    return bool(_RESIDENCE.search(_left(folded, start, 100, _SENTENCE_STOPS)))


def _hit(part: _Part, code: str, start: int, end: int, confidence: float, residence: bool) -> DepartementHit:
    if residence:
        confidence += RESIDENCE_BONUS
    return DepartementHit(_Hit(code, round(confidence, 2), part, start, end), residence)


def departement_after(part: _Part, end: int) -> str | None:
    """The département written right after a commune's name: "Saint-Denis (93)", "Saint-Denis 974",
    "Valence (Drôme)"; None when there is none."""
    window = part.folded[end : end + 40]
    number = _DEPARTEMENT_NUMBER_AFTER.match(window)
    if number:
        place = territory.departement_place(number.group(1).upper())
        return place.departement if place else None
    named = _DEPARTEMENT_NAME_AFTER.match(window)
    if named:
        _, by_folded = _named()
        return by_folded.get(territory.normalise_name(named.group(1)))
    return None
