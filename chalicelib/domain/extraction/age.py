"""The youth's age: digits, words, a full birth date."""

from __future__ import annotations

import re
from datetime import date

from .model import ACCEPT, AGE_MAX, AGE_MIN, Found
from .reading import _found, _Hit, _left, _Part, _rx

# --- Age ---------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "dix-sept": 17,
    "dix sept": 17,
    "dix-huit": 18,
    "dix huit": 18,
    "dix-neuf": 19,
    "dix neuf": 19,
    "vingt": 20,
    "vingt et un": 21,
    "vingt-et-un": 21,
    "vingt-deux": 22,
    "vingt-trois": 23,
    "vingt-quatre": 24,
    "vingt-cinq": 25,
    "vingt-six": 26,
    "vingt-sept": 27,
    "vingt-huit": 28,
    "vingt-neuf": 29,
    "trente": 30,
}
_NUMBER_ALT = "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True))
_AGE = _rx(
    rf"(?<![\d.,/-])(?:(?:age|agee|ages|agees)\s+(?:de\s+)?)?"
    rf"\b(\d{{1,2}}|{_NUMBER_ALT})\s*ans\b(\s+et\s+demi)?"
)
_AGE_NOT_LEFT = _rx(
    r"(?:\b(?:depuis|pendant|durant|dans|sous|apres|avant|des|il y a|ca fait|cela fait|voila|"
    r"plus de|moins de|pres de|jusqu'a|jusqu'au|a partir de|au-dela de|entre|ses|leurs|les|aux|"
    r"ces|aura|auront|va avoir|vont avoir|fetera|atteindra|avait|bientot|presque|en|tous les|"
    r"toutes les|chaque|d'ici|derniers|prochains|d'environ)\s*$)"
    r"|(?:(?<![A-Za-z])\d{1,2}\s*(?:-|a|et|ou|/)\s*$)"
)
_AGE_NOT_RIGHT = _rx(
    r"^(?:\s*(?:-|a|ou|/)\s*\d{1,2}\s*ans)"
    r"|^\s*(?:de|d')\s*(?:experience|retard|scolarite|formation|etudes|service|suivi|"
    r"accompagnement|prise en charge|placement|travail|carriere|chomage|presence|mariage|"
    r"prison|anciennete|pratique|activite|benevolat|absence|errance|exil|vie|metier|contrat)"
    r"|^\s*(?:plus tot|plus tard|auparavant|de suite|d'affilee|qu|que)\b"
)
# Searched in the clause before an age (`_left`, which ends at the last comma): someone else
# is named in it. (Ending on `[^,]*$` said the same, reading the rest of the text from
# every name: quadratic on a long one.)
_AGE_OTHER_PERSON = _rx(
    r"\b(?:frere|soeur|sœur|mere|pere|parents?|maman|papa|cousin|cousine|oncle|tante|"
    r"grand-mere|grand-pere|bebe|neveu|niece|demi-frere|demi-soeur|mari|epoux|epouse|"
    r"conjoint|copain|copine|ami|amie|belle-mere|beau-pere)\b"
)
_AGE_SELF = _rx(r"\b(?:j'ai|je suis age|je suis agee|j'aurai)\s*(?:de\s*)?$")
# "à 16 ans", "à l'âge de": read in the original text (the accent tells "à" from "a").
_AT_SOME_AGE = re.compile(r"[àÀ]\s$|[àÀ]\sl['’]$")
_PARENT_WRITES = _rx(
    r"\b(?:mon|notre)\s+(?:fils|enfant|petit-fils|neveu|beau-fils)\b"
    r"|\b(?:ma|notre)\s+(?:fille|petite-fille|niece|belle-fille)\b"
)

_MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
_MONTH_ALT = "|".join(_MONTHS)
_BORN = (
    r"(?:\bne(?:e|\(e\)|-e|\.e)?s?\s+(?:le\s+)?|date\s+de\s+naissance\s*:?\s*(?:le\s+)?"
    r"|\bDDN\s*:?\s*|\bnaissance\s*:\s*)"
)
_BIRTH_FULL = _rx(
    rf"{_BORN}(?:(\d{{1,2}})(?:er)?\s+({_MONTH_ALT})\s+(\d{{4}})"
    rf"|(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}|\d{{2}})\b)"
)
_BIRTH_YEAR = _rx(rf"\bne(?:e|\(e\)|-e|\.e)?s?\s+en\s+(?:({_MONTH_ALT})\s+)?(\d{{4}})\b")


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _ages(parts: list[_Part], today: date) -> list[_Hit]:
    hits: list[_Hit] = []
    for part in parts:
        if part.name == "signature":
            continue
        f = part.folded
        for m in _AGE.finditer(f):
            raw = m.group(1).lower()
            value = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw.replace("  ", " "))
            if value is None or not AGE_MIN <= value <= AGE_MAX:
                continue
            left = _left(f, m.start(), 40)
            if not m.group(0).lower().startswith("age") and _AGE_NOT_LEFT.search(left):
                continue  # "depuis 2 ans", "de 16 à 25 ans", "à ses 18 ans": not an age now
            if _AGE_NOT_RIGHT.search(f[m.end() : m.end() + 30]):
                continue
            if _AGE_OTHER_PERSON.search(left):
                continue
            tag = "self" if _AGE_SELF.search(left) else "stated"
            # "à 16 ans, il a quitté l'école": an age at some moment, not surely now.
            before = part.text[max(0, m.start() - 4) : m.start()]
            at_some_age = _AT_SOME_AGE.search(before)
            confidence = 0.5 if at_some_age else 0.9
            hits.append(_Hit(value, confidence, part, m.start(), m.end(), tag))
        for m in _BIRTH_FULL.finditer(f):
            if m.group(1):
                d, mo, y = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
            else:
                d, mo, y = int(m.group(4)), int(m.group(5)), int(m.group(6))
                if y < 100:
                    y += 2000 if y <= today.year % 100 else 1900
            try:
                born = date(y, mo, d)
            except ValueError:
                continue
            value = _age_on(born, today)
            if AGE_MIN <= value <= AGE_MAX:
                hits.append(_Hit(value, 0.95, part, m.start(), m.end(), "date"))
        for m in _BIRTH_YEAR.finditer(f):
            y = int(m.group(2))
            month = _MONTHS[m.group(1).lower()] if m.group(1) else None
            if month is not None and month != today.month:
                value = today.year - y - (today.month < month)
                if AGE_MIN <= value <= AGE_MAX:
                    hits.append(_Hit(value, 0.85, part, m.start(), m.end(), "month"))
                continue
            # A birth year alone (or the birthday's month being this one) leaves two possible
            # ages: never turned into one by guessing the date, only checked against a stated age.
            value = today.year - y
            if AGE_MIN <= value <= AGE_MAX + 1:
                hits.append(_Hit(value, 0.0, part, m.start(), m.end(), "year"))
    return hits


def _pick_age(hits: list[_Hit], whole_folded: str) -> Found | None:
    others = [h for h in hits if h.tag != "self"]
    if others or _PARENT_WRITES.search(whole_folded):
        hits = others  # "j'ai 42 ans, mon fils a 12 ans": the youth's age, not the writer's
    if not hits:
        return None
    strong = [h for h in hits if h.tag != "year" and h.confidence >= ACCEPT]
    weak = [
        h for h in hits if h.tag != "year" and h.confidence < ACCEPT
    ]  # by its own fields: `not in strong` was quadratic
    years = [h for h in hits if h.tag == "year"]
    if strong:
        values = {h.value for h in strong}
        if len(values) > 1:
            return None  # several different ages: do not choose
        (value,) = values
        if any(h.value - value not in (0, 1) for h in years):
            return None  # a birth year that contradicts the stated age
        best = max(strong, key=lambda h: h.confidence)
        return _found(best)
    values = {h.value for h in weak}
    if len(values) != 1:
        return None
    return _found(max(weak, key=lambda h: h.confidence))
