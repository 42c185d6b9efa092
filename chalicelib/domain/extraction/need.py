"""The need: school support, orientation, finding work."""

from __future__ import annotations

import re
from bisect import bisect_left

from ..vocabulary import Need as N
from .model import CONFLICT_CAP, Found
from .reading import _NEED_NEGATED_LEFT, _PART_ORDER, _found, _Hit, _left, _order, _Part, _rx

_SUBJECTS = (
    r"(?:maths?|mathematiques|francais|lecture|ecriture|anglais|sciences|physique|histoire|orthographe|calcul|langue)"
)
_NEED_PATTERNS: list[tuple[re.Pattern[str], str, float]] = [
    (_rx(r"\b(?:soutien|accompagnement|suivi|aide)\s+scolaire\b"), N.SCOLAIRE, 1.0),
    (
        _rx(r"\baide\s+(?:aux|pour\s+(?:ses|les)|a\s+faire\s+ses|dans\s+ses)\s+devoirs\b|\baide\s+aux\s+lecons\b"),
        N.SCOLAIRE,
        1.0,
    ),
    (_rx(r"\bdevoirs\b"), N.SCOLAIRE, 0.7),
    (
        _rx(
            rf"\bdifficultes?\s+(?:scolaires?|d'apprentissage|de\s+lecture|a\s+l'ecole|en\s+classe|(?:en|dans)\s+(?:\w+\s+)?{_SUBJECTS})\b"
        ),
        N.SCOLAIRE,
        1.0,
    ),
    (
        _rx(rf"\b(?:aide|soutien|accompagnement|progresser|lacunes)\s+(?:en|dans)\s+(?:\w+\s+)?{_SUBJECTS}\b"),
        N.SCOLAIRE,
        0.9,
    ),
    (_rx(rf"\bdecroche\w*\s+(?:en|dans)\s+(?:\w+\s+)?{_SUBJECTS}\b"), N.SCOLAIRE, 0.9),
    (
        _rx(
            rf"\b(?:du|de|beaucoup\s+de)\s+mal\s+(?:en|a|avec|dans)\s+(?:les?\s+|la\s+|l')?(?:\w+\s+)?(?:{_SUBJECTS}|lire|ecrire|compter|l'ecole|suivre)\b"
            rf"|\b(?:faible|faibles|en\s+echec|echec\s+scolaire|retard)\s+(?:en|dans|scolaire)\b"
        ),
        N.SCOLAIRE,
        0.9,
    ),
    (
        _rx(
            r"\bdecrochage\s+scolaire\b|\bremise\s+a\s+niveau\b|\bresultats\s+scolaires\b|\brattraper\s+(?:son|le|ses)\s+retard"
        ),
        N.SCOLAIRE,
        1.0,
    ),
    (
        _rx(
            r"\b(?:risque\s+de\s+decrochage|risque(?:nt)?\s+de\s+decrocher)\b|\blacunes\b|\bniveau\s+scolaire\b|\bcours\s+particuliers\b"
        ),
        N.SCOLAIRE,
        0.7,
    ),
    (
        _rx(r"\b(?:preparer|reviser|reussir)\s+(?:le|son|l'examen\s+du)\s+(?:brevet|bac)\b|\breussite\s+scolaire\b"),
        N.SCOLAIRE,
        0.8,
    ),
    (_rx(r"\bmethodes?\s+de\s+travail\b|\bapprendre\s+le\s+francais\b|\bFLE\b"), N.SCOLAIRE, 0.6),
    (_rx(r"\borientation\b(?!\s+(?:d'un|d'une|de\s+(?:ce|cette|la|l'|mon|ma)|vers)\b)"), N.ORIENTATION, 1.0),
    (_rx(r"\bs'orienter\b|\bParcoursup\b|\bAffelnet\b|\bchoix\s+d'orientation\b"), N.ORIENTATION, 1.0),
    (
        _rx(r"\bchoisir\s+(?:sa|son|une|un|ses)\s+(?:voie|filiere|formation|metier|orientation|etudes|specialites?)\b"),
        N.ORIENTATION,
        1.0,
    ),
    (
        _rx(
            r"\bquel(?:le)?s?\s+(?:voie|metier|filiere|formation|etudes)\b|\bprojet\s+(?:professionnel|d'avenir|d'etudes|d'orientation)\b"
        ),
        N.ORIENTATION,
        0.9,
    ),
    (
        _rx(
            r"\bne\s+sait\s+pas\s+(?:quoi\s+faire|ce\s+qu'(?:il|elle)\s+(?:veut|va)\s+faire|vers\s+quoi)\b|\bdecouvrir\s+(?:des|les)\s+metiers\b"
        ),
        N.ORIENTATION,
        0.9,
    ),
    (_rx(r"\bapres\s+(?:son|le|sa)\s+(?:bac|brevet|3e|troisieme|CAP)\b"), N.ORIENTATION, 0.4),
    (
        _rx(
            r"\btrouver\s+(?:une|sa|la)\s+(?:formation|voie)\b|\breprendre\s+(?:une\s+formation|(?:ses|des)\s+etudes)\b"
        ),
        N.ORIENTATION,
        0.8,
    ),
    (
        _rx(
            r"\b(?:recherches?|cherche|chercher|trouver|trouve)\s+(?:d'|du\s+|un\s+|une\s+|son\s+|sa\s+|des\s+)?(?:\w+\s+){0,2}?(?:emploi|travail|job|stage|alternance|apprentissage|contrat|patron|employeur|entreprise)\b(?!\s+(?:scolaire|personnel))"
        ),
        N.INSERTION_PRO,
        1.0,
    ),
    (
        _rx(
            r"\binsertion\b|\bCV\b|\blettres?\s+de\s+motivation\b|\bentretiens?\s+d'embauche\b|\b(?:preparation|preparer)\s+(?:aux|des|ses|les)\s+entretiens\b"
        ),
        N.INSERTION_PRO,
        1.0,
    ),
    (
        _rx(r"\bstage\b|\bemploi\b|\bvie\s+professionnelle\b|\bmonde\s+du\s+travail\b|\bpermis\s+de\s+conduire\b"),
        N.INSERTION_PRO,
        0.5,
    ),
]


_SENDER_ROLE_LEFT = _rx(
    r"\b(?:conseill\w*|charge\w*|referent\w*|coordinat\w*|responsable|service|pole|cellule|"
    r"psychologue|professeur|professeure|mission\s+locale|centre|bureau|plateforme)\s+(?:en|d'|de\s+l'|de|a\s+l'|pour\s+l')?\s*$"
)


def _pick_need(parts: list[_Part]) -> Found | None:
    score: dict[str, float] = {}
    first: dict[str, _Hit] = {}
    for part in parts:
        if part.name == "signature":
            continue
        # The spans counted so far: apart from one another, in order (so that a new one
        # is checked against its one neighbour on the left, not against them all).
        taken_starts: list[int] = []
        taken_ends: list[int] = []
        matches = []
        for rx, value, weight in _NEED_PATTERNS:
            for m in rx.finditer(part.folded):
                matches.append((weight, m.start(), m.end(), value))
        for weight, start, end, value in sorted(matches, key=lambda x: (-x[0], x[1])):
            left = bisect_left(taken_starts, end)  # the spans that start before this one ends
            if left and taken_ends[left - 1] > start:
                continue  # one phrase counts once, for its strongest reading
            if _NEED_NEGATED_LEFT.search(_left(part.folded, start, 30)):
                continue
            if _SENDER_ROLE_LEFT.search(part.folded[max(0, start - 40) : start]):
                continue  # "conseiller en insertion", "service orientation": the sender's job
            taken_starts.insert(left, start)
            taken_ends.insert(left, end)
            bonus = 0.5 if part.name == "subject" else 0.0
            score[value] = score.get(value, 0.0) + weight + bonus
            hit = _Hit(value, weight, part, start, end)
            order = _PART_ORDER.get(part.name, 9)
            old = first.get(value)
            if old is None or (old.confidence, -_order(old)) < (weight, -order):
                first[value] = hit
    if not score:
        return None
    ranked = sorted(score, key=lambda v: (-score[v], _order(first[v]), first[v].start))
    top = ranked[0]
    s1 = score[top]
    s2 = score[ranked[1]] if len(ranked) > 1 else 0.0
    if s1 < 0.6:
        confidence = 0.45  # one weak word ("stage", "emploi"): a hint
    elif s2 == 0:
        confidence = 0.9 if s1 >= 1.0 else 0.65
    elif s1 >= 2 * s2:
        confidence = 0.85
    elif s1 >= 1.5 * s2:
        confidence = 0.7
    else:
        confidence = CONFLICT_CAP  # as much about one need as another: operators decide
    return _found(first[top], confidence)
