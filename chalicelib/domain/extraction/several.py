"""Several young people in one mail."""

from __future__ import annotations

import re

from .. import territory
from .reading import _negated, _Part, _rx

# --- Several young people -----------------------------------------------------------------

_YOUTHS = (
    r"(?:jeunes|eleves|enfants|adolescent(?:e)?s|ados|collegien(?:ne)?s|lyceen(?:ne)?s|"
    r"etudiant(?:e)?s|mineur(?:e)?s|apprenti(?:e)?s|filles|garcons|jeunes\s+filles|jeunes\s+gens)"
)
_COUNT = r"(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|[2-9]|[1-9]\d)"
_SEVERAL = [
    _rx(
        rf"\b(?:plusieurs|quelques|certain(?:e)?s|nombreux|nombreuses|beaucoup)\s+(?:de\s+|d')?(?:(?:nos|mes|ces|leurs|vos)\s+)?{_YOUTHS}\b"
    ),
    _rx(
        rf"(?<!\bses\s)(?<!\bsa\s)(?<!\bleurs\s)(?<!\bavec\s)(?<!\ba\s)(?<!\bont\s)\b{_COUNT}\s+(?:(?:de|d'entre)\s+(?:nos|mes|ces|leurs|eux|elles)\s+)?(?:\w+\s+)?{_YOUTHS}\b(?!\s+(?:freres|soeurs|sœurs))"
    ),
    _rx(
        rf"\b(?:ces|des)\s+{_YOUTHS}\s+(?:de|en)\s+(?:CP|CE1|CE2|CM1|CM2|[6543]\s?(?:e|eme)|seconde|2nde|premiere|1re|terminale)\b"
    ),
    _rx(
        rf"\bces\s+{_YOUTHS}\b|\bun\s+groupe\s+d[e']\s*|\bune\s+(?:dizaine|quinzaine|vingtaine|trentaine)\b|\bune\s+classe\s+entiere\b|\btoute\s+(?:la|une)\s+classe\b|\bfratrie\b|"
        r"\b(?:tous|toutes)\s+(?:les\s+)?(?:deux|trois|quatre)\b|\bl'un\s+et\s+l'autre\b|\bchacun\s+d'(?:eux|elles)\b|"
        r"\bles\s+(?:deux|trois)\s+(?:jeunes|eleves|enfants|freres|soeurs|adolescents)\b"
    ),
    # "deux frères de 12 et 14 ans", "des jumelles", "frère et sœur": siblings asked for together
    _rx(
        r"(?<!\bses\s)(?<!\bsa\s)(?<!\bleurs\s)(?<!\bavec\s)(?<!\ba\s)(?<!\bont\s)\b(?:deux|trois|quatre|[2-4])\s+(?:freres|soeurs|sœurs|cousins|cousines|jumeaux|jumelles)\b(?!\s+(?:aines?|plus|qui\s+ne))"
        r"|\bdes\s+(?:jumeaux|jumelles)\b|\bfrere\s+et\s+(?:sa\s+)?s(?:oe|œ)ur\b(?=\s*(?:,|\(|de\s+\d|ages|agees|scolarises|en\b|ont\b|sont\b))"
    ),
    # "de 12 et 14 ans", "âgés de 9, 11 et 15 ans": several ages for the people asked about
    _rx(r"\b(?:de|ages\s+de|agees\s+de|ont)\s+\d{1,2}(?:\s*,\s*\d{1,2})*\s+et\s+\d{1,2}\s+ans\b"),
    _rx(
        r"(?<!\bun\sde\s)(?<!\bune\sde\s)(?<!\bl'un\sde\s)(?<!\bl'une\sde\s)\b(?:mes|nos)\s+(?:deux\s+|trois\s+|quatre\s+|2\s+|3\s+)?(?:enfants|fils|filles)\b"
    ),
    _rx(
        r"\bmon\s+fils\s+et\s+ma\s+fille\b|\bma\s+fille\s+et\s+mon\s+fils\b|\bmes\s+deux\b|\bun\s+frere\s+et\s+une\s+s(?:oe|œ)ur\b"
    ),
    re.compile(
        r"\b(?i:pour|concerne|concernant|accompagner|accompagnons|suivons)\s+[A-Z][a-z]+(?:\s*,\s*[A-Z][a-z]+)*\s+(?i:et)\s+[A-Z][a-z]+\b(?=\s*(?:,|\(|qui\b|sont\b|ont\b|\.|(?i:ages|agees)\b))"
    ),
]
_NOT_NAMES = {"roubaix", "paris", "monsieur", "madame"}


def _several(parts: list[_Part]) -> bool:
    for part in parts:
        if part.name == "signature":
            continue
        for rx in _SEVERAL:
            for m in rx.finditer(part.folded):
                if rx is _SEVERAL[-1]:
                    names = re.findall(r"[A-Z][a-z]+", m.group(0))
                    if any(territory.communes_named(n) or n.lower() in _NOT_NAMES for n in names):
                        continue
                if _negated(part.folded, m.start(), m.end()):
                    continue
                return True
    return False
