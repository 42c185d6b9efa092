"""Postal code (and optional city name) -> commune, département and région.

The data is chalicelib/data/territory.json, built by scripts/build_territory.py from the
official open data (INSEE Code officiel géographique + La Poste postal codes, packaged by
Etalab as @etalab/decoupage-administratif, Licence Ouverte). See that script for the shape.

The file is about 1.4 MB, so it is read on the first lookup and not at import time: a cold
Lambda that never resolves a place (a GET of the form, say) pays nothing for it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from .digits import ascii_digits

# Relative to this file, so it works the same from the repo and from a Lambda package.
DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "territory.json"


@dataclass(frozen=True)
class Place:
    postal_code: str | None  # None for a place known only to its département
    commune_code: str | None  # INSEE code, e.g. "59512"; None when the city did not settle it
    commune_name: str | None
    departement: str | None  # e.g. "59", "2A", "976"; None when the postal code straddles two
    region: str | None  # e.g. "32"; overseas collectivités carry their own code ("987")

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Place:
        """A place as a record stores it. Any field may be missing: an erased request keeps
        only its département and région (domain/request.py, Request.erase), and a record
        written by another version may hold keys this one does not know (left out)."""
        return cls(**{f.name: stored.get(f.name) for f in fields(cls)})


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    with DATA_FILE.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


# --- Names -------------------------------------------------------------------------------

# Ligatures that Unicode decomposition leaves alone ("Œuilly", "Cœuvres").
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})
# People write "St-Étienne" or "Ste Foy" for "Saint-Étienne", "Sainte-Foy".
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
# A leading article people may drop or add: "Mureaux" for "Les Mureaux", "L'Isle" for "Isle".
_ARTICLES = {"le", "la", "les", "l"}
# Accents once decomposed (NFKD turns "é" into "e" + U+0301).
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f]+")
# Everything else that is not a letter or digit separates words: hyphens, apostrophes
# (straight or curly), dashes, brackets, non-breaking spaces.
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def normalise_name(s: str) -> str:
    """Fold a commune name for comparison: "Saint-Étienne" and "st  etienne" both give
    "saint etienne" (case, accents, hyphens, apostrophes, brackets and spacing ignored)."""
    s = unicodedata.normalize("NFKD", s.translate(_LIGATURES).lower())
    words = _SEPARATORS.sub(" ", _COMBINING_MARKS.sub("", s)).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def _without_article(normalised: str) -> str:
    first, _, rest = normalised.partition(" ")
    return rest if first in _ARTICLES and rest else normalised


def _pick_by_name(insee_codes: list[str], name: str | None) -> str | None:
    """The one commune among `insee_codes` called `name`: exact normalised name first, then
    ignoring a leading article. None when nothing, or more than one, matches."""
    if not name or not (wanted := normalise_name(name)):
        return None
    communes = _data()["communes"]
    names = {code: normalise_name(communes[code][0]) for code in insee_codes}
    for fold in (lambda n: n, _without_article):
        matches = [code for code, n in names.items() if fold(n) == fold(wanted)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None  # same name twice under one postal code: do not guess
    return None


# --- Lookups -----------------------------------------------------------------------------


def _clean_postal_code(postal_code: object) -> str | None:
    # "59 100" is a common way of writing 59100; anything but five ASCII digits is not a code.
    if not isinstance(postal_code, str):
        return None
    code = "".join(postal_code.split())
    return code if len(code) == 5 and ascii_digits(code) else None


def _place(postal_code: str, insee: str) -> Place:
    name, departement = _data()["communes"][insee]
    return Place(postal_code, insee, name, departement, _data()["departements"][departement][1])


def known_postal_codes() -> frozenset[str]:
    """Every postal code of the official data (the OpenAPI document lists them)."""
    return frozenset(_data()["postal_codes"])


def is_known_postal_code(postal_code: str) -> bool:
    code = _clean_postal_code(postal_code)
    return code is not None and code in _data()["postal_codes"]


def resolve_place(postal_code: str, city: str | None = None) -> Place | None:
    """The place a postal code (and city) designates, or None for an unknown code.

    One commune under the code: that commune, whatever `city` says (75011 is Paris even if
    the city field reads "Paris 11e"). Several: the one `city` names; failing that, no
    commune, but the département and région when all those communes share them."""
    code = _clean_postal_code(postal_code)
    insee_codes = _data()["postal_codes"].get(code) if code else None
    if not code or not insee_codes:
        return None
    if len(insee_codes) == 1:
        return _place(code, insee_codes[0])
    if chosen := _pick_by_name(insee_codes, city):
        return _place(code, chosen)

    departements = {_data()["communes"][insee][1] for insee in insee_codes}
    regions = {_data()["departements"][d][1] for d in departements}
    # A few codes straddle two départements (01200: Ain and Haute-Savoie), even two
    # régions (37160): then we do not know, rather than guess.
    return Place(
        code,
        None,
        None,
        departements.pop() if len(departements) == 1 else None,
        regions.pop() if len(regions) == 1 else None,
    )


@lru_cache(maxsize=1)
def _name_index() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, str]]:
    """Built on the first communes_named() call only: the exact-name index, the
    article-free index, and each commune's first (lowest) postal code."""
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for insee, (name, _) in sorted(_data()["communes"].items()):
        key = normalise_name(name)
        exact.setdefault(key, []).append(insee)
        loose.setdefault(_without_article(key), []).append(insee)
    first_postal_code: dict[str, str] = {}
    for postal_code, insee_codes in sorted(_data()["postal_codes"].items()):
        for insee in insee_codes:
            first_postal_code.setdefault(insee, postal_code)
    return exact, loose, first_postal_code


def communes_named(name: str) -> list[Place]:
    """Every commune called `name` (there are 12 Sainte-Colombe), by INSEE code, each with its
    first postal code. Falls back to ignoring a leading article when nothing matches exactly."""
    key = normalise_name(name or "")
    if not key:
        return []
    exact, loose, first_postal_code = _name_index()
    insee_codes = exact.get(key) or loose.get(_without_article(key), [])
    return [_place(first_postal_code[insee], insee) for insee in insee_codes]


# Départements proper: metropolitan, Corsica (2A, 2B) and the five overseas départements.
# Overseas collectivités (975, 977, 978...) are left out: their names are communes' too.
_DEPARTEMENT_CODE = re.compile(r"(?:[0-9]{2}|2[AB]|97[1-46])")


def departements() -> dict[str, str]:
    """Every département's code and official name ("93": "Seine-Saint-Denis")."""
    return {code: entry[0] for code, entry in _data()["departements"].items() if _DEPARTEMENT_CODE.fullmatch(code)}


def departement_place(code: str) -> Place | None:
    """A place known only to its département (a mail saying "dans le 93"): no commune."""
    code = (code or "").strip().upper()
    code = code.zfill(2) if ascii_digits(code) else code
    entry = _data()["departements"].get(code)
    if entry is None or not _DEPARTEMENT_CODE.fullmatch(code):
        return None
    return Place(None, None, None, code, entry[1])


def departement_name(code: str) -> str | None:
    entry = _data()["departements"].get(code)
    return entry[0] if entry else None


def region_name(code: str) -> str | None:
    name: str | None = _data()["regions"].get(code)
    return name
