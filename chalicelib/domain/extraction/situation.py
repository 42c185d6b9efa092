"""The youth's situation: class, school, training, work."""

from __future__ import annotations

import re

from ..vocabulary import Situation as S
from .age import _AGE_OTHER_PERSON
from .model import ACCEPT, CONFLICT_CAP, Found
from .reading import _fold, _found, _Hit, _left, _Part, _right, _rx

# --- Situation ---------------------------------------------------------------------------

_NOT_A_CLASS_NEXT = (
    r"(?!\s*(?:annee|annees|fois|trimestre|semestre|etage|arrondissement|rang|heure|place|"
    r"position|semaine|mois|jour|periode|enfant|edition|republique|ligne|partie|page|"
    r"intention|urgence|lieu|temps|necessite|main|chance|zone|degre|categorie|vague|"
    r"rencontre|demande|session|circonscription|generation|classe\s+de\s+(?:BTS|CAP|prepa)|"
    r"age|plan|etape|seance)\b)"
)
_CLASS_PREFIX = r"\b(?:en|de|sa|une|la|niveau|classe\s+de|eleve\s+de|eleves\s+de|redouble(?:\s+sa)?)\s+"

# (pattern, situation, confidence, tag) — tags: "level" (a lycée class that does not say
# général or pro), "generic" (a school named, not the youth's class), "" (explicit).
_SITUATION_PATTERNS: list[tuple[re.Pattern[str], str, float, str]] = [
    # Primaire
    (_rx(r"\b(?i:en|au|de|classe\s+de|eleve\s+de)\s+(?:CP|cp)\b", case=True), S.PRIMAIRE, 0.9, ""),
    (_rx(r"\b(?:CE1|CE2|CM1|CM2)\b"), S.PRIMAIRE, 0.9, ""),
    (_rx(r"\becole\s+(?:primaire|elementaire)\b|\becolier(?:e)?s?\b"), S.PRIMAIRE, 0.75, ""),
    (_rx(r"\b(?:grande|moyenne|petite)\s+section\b|\bmaternelle\b"), S.PRIMAIRE, 0.6, ""),
    # Collège
    (_rx(_CLASS_PREFIX + r"[6543]\s?(?:e|eme|em|ieme)\b" + _NOT_A_CLASS_NEXT), S.COLLEGE, 0.9, ""),
    (_rx(_CLASS_PREFIX + r"(?:sixieme|cinquieme|quatrieme|troisieme)\b" + _NOT_A_CLASS_NEXT), S.COLLEGE, 0.9, ""),
    (_rx(r"\bcollegien(?:ne)?s?\b|\bSEGPA\b"), S.COLLEGE, 0.8, ""),
    (_rx(r"\bcollege\b"), S.COLLEGE, 0.6, "generic"),
    # Lycée (a level: general or vocational decided by what follows, see _situations)
    (
        _rx(
            r"\b(?:en|sa|classe\s+de|eleve\s+de|eleves\s+de|redouble)\s+(?:seconde|premiere|terminale)\b"
            + _NOT_A_CLASS_NEXT
        ),
        S.LYCEE,
        0.85,
        "level",
    ),
    (_rx(_CLASS_PREFIX + r"(?:2nde|2de|1re|1ere|1ère)\b" + _NOT_A_CLASS_NEXT), S.LYCEE, 0.85, "level"),
    (_rx(r"\b(?i:en|de)\s+Tle\b", case=True), S.LYCEE, 0.85, "level"),
    (
        _rx(
            r"\b(?:seconde|premiere|terminale|2nde|1re|1ere)\s+(?:generale|technologique|STMG|STI2D|ST2S|STL|STHR|STD2A)\b"
            r"|\bbac(?:calaureat)?\s+(?:general|technologique|STMG|STI2D|ST2S)\b|\blycee\s+(?:general|d'enseignement\s+general)\b"
        ),
        S.LYCEE,
        0.9,
        "",
    ),
    (_rx(r"\blyceen(?:ne)?s?\b"), S.LYCEE, 0.6, "generic"),
    (_rx(r"\blycee\b(?!\s+(?:pro|professionnel|des\s+metiers|agricole))"), S.LYCEE, 0.5, "generic"),
    # Lycée professionnel
    (
        _rx(r"\bbac(?:calaureat)?\s+pro(?:fessionnel)?\b|\blycee\s+(?:pro|professionnel|des\s+metiers)\b|\bBEP\b"),
        S.LYCEE_PRO,
        0.85,
        "",
    ),
    (_rx(r"\b(?:seconde|premiere|terminale|2nde|2de|1re|1ere|Tle)\s+(?:pro|professionnelle)\b"), S.LYCEE_PRO, 0.9, ""),
    (_rx(r"\b(?i:en|un|son|d'un|prepare)\s+CAP\b", case=True), S.LYCEE_PRO, 0.85, ""),
    (_rx(r"\bCAP\b", case=True), S.LYCEE_PRO, 0.7, ""),
    # Étudiant
    (_rx(r"\betudiant(?:e)?s?\b"), S.ETUDIANT, 0.85, ""),
    (
        _rx(
            r"\b(?:en|de|un|son|d'un|prepare)\s+(?:BTS|DUT|licence|master|L1|L2|L3|M1|M2|IUT|prepa|classe\s+preparatoire)\b"
        ),
        S.ETUDIANT,
        0.85,
        "",
    ),
    (_rx(r"\b(?i:en|un|son|d'un|prepare)\s+BUT\b", case=True), S.ETUDIANT, 0.85, ""),
    (
        _rx(r"\bBTS\b|\bDUT\b|\bIUT\b|\blicence\s+(?:pro|professionnelle)\b|\bclasse\s+preparatoire\b"),
        S.ETUDIANT,
        0.6,
        "",
    ),
    (
        _rx(r"\b(?:a\s+la|en)\s+fac\b|\b(?:a\s+l'|inscrit(?:e)?\s+a\s+l')universite\b|\becole\s+d'ingenieurs?\b"),
        S.ETUDIANT,
        0.8,
        "",
    ),
    # Apprenti
    (_rx(r"\bapprenti(?:e)?s?\b"), S.APPRENTI, 0.85, ""),
    (
        _rx(r"\ben\s+(?:apprentissage|alternance)\b|\bcontrat\s+(?:d'apprentissage|de\s+professionnalisation)\b"),
        S.APPRENTI,
        0.85,
        "",
    ),
    (_rx(r"\bCFA\b", case=True), S.APPRENTI, 0.7, ""),
    # Recherche d'emploi
    (
        _rx(r"\b(?:en|a\s+la)\s+recherche\s+d'(?:un\s+)?(?:emploi|travail)\b|\bdemandeu(?:r|se)s?\s+d'emploi\b"),
        S.RECHERCHE_EMPLOI,
        0.9,
        "",
    ),
    (_rx(r"\b(?:cherche|recherche)\s+(?:un|une|du)\s+(?:emploi|travail|job|poste)\b"), S.RECHERCHE_EMPLOI, 0.8, ""),
    (
        _rx(r"\binscrit(?:e)?\s+(?:a|au|chez)\s+(?:France\s+Travail|Pole\s+emploi)\b|\bau\s+chomage\b"),
        S.RECHERCHE_EMPLOI,
        0.85,
        "",
    ),
    (_rx(r"\bsans\s+emploi\b(?!\s+ni)"), S.RECHERCHE_EMPLOI, 0.7, ""),
    # Sans activité
    (
        _rx(
            r"\bni\s+en\s+emploi,?\s+ni\s+en\s+formation\b|\bni\s+emploi,?\s+ni\s+formation\b|"
            r"\bsans\s+(?:emploi|activite)\s+ni\s+formation\b|\bdecrocheu(?:r|se)s?\b|\bdescolarise(?:e)?s?\b|"
            r"\bsans\s+activite\b|\bn'est\s+plus\s+scolarise(?:e)?\b|\bsorti(?:e)?\s+du\s+systeme\s+scolaire\b"
        ),
        S.SANS_ACTIVITE,
        0.85,
        "",
    ),
    (
        _rx(r"\bne\s+fait\s+(?:plus\s+)?rien\b|\bsans\s+solution\b|\baucune\s+activite\b|\binacti(?:f|ve)\b"),
        S.SANS_ACTIVITE,
        0.7,
        "",
    ),
    (_rx(r"\bNEET\b", case=True), S.SANS_ACTIVITE, 0.85, ""),
    (
        _rx(r"\ba\s+decroche\s+(?:du|de\s+la|de\s+l')\s*(?:lycee|college|ecole|systeme|scolarite|formation)\b"),
        S.SANS_ACTIVITE,
        0.75,
        "",
    ),
    # Emploi
    (_rx(r"\ben\s+(?:emploi|CDD|CDI|interim)\b|\bsalarie(?:e)?\b"), S.EMPLOI, 0.8, ""),
    (
        _rx(r"\btravaille\s+(?:comme|chez|en\s+tant\s+que|dans\s+(?:un|une)|a\s+(?:temps|mi-temps))\b"),
        S.EMPLOI,
        0.75,
        "",
    ),
]
# In a signature, only the structure's kind says something (a CPE of a collège writes about
# a collégien); a lycée may be general or vocational.
_SIGNATURE_SITUATIONS: list[tuple[re.Pattern[str], str, float]] = [
    (_rx(r"\bcollege\b"), S.COLLEGE, 0.6),
    (_rx(r"\becole\s+(?:primaire|elementaire)\b|\bgroupe\s+scolaire\b"), S.PRIMAIRE, 0.6),
    (_rx(r"\blycee\s+(?:pro|professionnel|des\s+metiers)\b"), S.LYCEE_PRO, 0.6),
    (_rx(r"\blycee\b(?!\s+(?:pro|professionnel|des\s+metiers))"), S.LYCEE, 0.45),
]
_PRO_AFTER = _rx(r"^[\s,]*(?:\w+\s+){0,2}?(?:bac\s+pro|pro|professionnel(?:le)?|CAP|des\s+metiers)\b")
_GENERAL_AFTER = _rx(r"^[\s,]*(?:generale|technologique|STMG|STI2D|ST2S|STL|STHR|STD2A)\b")
# Not the present situation: a diploma held, a past school, a project, a question.
_PAST_LEFT = _rx(
    r"\b(?:titulaire|diplome|diplomee|obtenu|ancien|ancienne|a\s+fait|a\s+quitte|a\s+arrete|"
    r"a\s+abandonne|abandon|sorti|sortie|(?:apres|depuis|avant)\s+(?:la|le|sa|son|un|une|l')|"
    r"l'an\s+dernier|l'annee\s+derniere|"
    r"a\s+echoue|a\s+rate|avait)\b|\b(?:apres|depuis|avant)\s*$"
)
_PROJECT_LEFT = _rx(
    r"\b(?:orientation|orienter|envisage|envisager|souhaite|souhaiterait|aimerait|voudrait|veut|"
    r"vouloir|projet|vers|integrer|poursuivre|s'inscrire|candidat|candidate|postuler|reprendre|"
    r"entrer|rentrer|passer|prochaine|rentree\s+prochaine|futur|future|choisir|hesite|"
    r"cherche|chercher|recherche|trouver|trouve|obtenir|decrocher|inscrire|admis|admise|"
    r"reve|revait|pense|penser|idee|comme|vise|viser|visant|objectif|ambition|souhait)\b"
)
_NOT_NOW_LEFT = _rx(
    r"(?:\bne\s+|\bn')[\w']*\s+(?:pas|plus|jamais)\b(?:\s*[\w']+){0,2}\s*$|\b(?:pas|sans|plus|ni)\s+(?:en\s+|de\s+|d')?$"
)


def _situation_current(part: _Part, start: int, end: int, value: str) -> bool:
    f = part.folded
    left = _left(f, start, 60)
    if _NOT_NOW_LEFT.search(left):
        return False
    if value in ("sans_activite", "recherche_emploi"):
        return True  # these phrases already say "now" ("déscolarisé depuis", "au chômage")
    if _PAST_LEFT.search(left) or _PROJECT_LEFT.search(left):
        return False
    if re.match(r"^[^.;!\n]{0,12}\?", f[end : end + 14]):
        return False  # "(BTS ? apprentissage ?)": options, not the present
    if re.match(
        r"^\s*(?:\w+\s+){0,3}?(?:apres\s+(?:son|le|sa)\b|plus\s+tard|l'an(?:nee)?\s+prochaine?)",
        f[end : end + 40],
        re.I,
    ):
        return False  # "un BTS après son bac": what comes next
    return True


def _situations(parts: list[_Part], mentions_pupil: bool) -> list[_Hit]:
    hits: list[_Hit] = []
    for part in parts:
        f = part.folded
        if part.name == "signature":
            for rx, value, confidence in _SIGNATURE_SITUATIONS:
                for m in rx.finditer(f):
                    c = confidence if (mentions_pupil or value == S.LYCEE) else confidence - 0.1
                    hits.append(_Hit(value, c, part, m.start(), m.end(), "generic"))
            continue
        for rx, value, confidence, tag in _SITUATION_PATTERNS:
            for m in rx.finditer(f):
                if not _situation_current(part, m.start(), m.end(), value):
                    continue
                if _AGE_OTHER_PERSON.search(_left(f, m.start(), 40)):
                    continue  # "sa mère est salariée": not the youth
                v, c, t, end = value, confidence, tag, m.end()
                if tag == "level":
                    after = _right(f, m.end(), 30)
                    if pro := _PRO_AFTER.search(after):
                        v, c, t, end = S.LYCEE_PRO, 0.9, "", m.end() + pro.end()
                    elif general := _GENERAL_AFTER.search(after):
                        c, t, end = 0.9, "", m.end() + general.end()
                if v in (S.LYCEE_PRO, S.ETUDIANT) and re.search(
                    r"\b(?:en|par)\s+(?:alternance|apprentissage)\b", _right(f, m.end(), 40)
                ):
                    v, c = S.APPRENTI, 0.85  # "CAP en alternance", "BTS en apprentissage"
                hits.append(_Hit(v, c, part, m.start(), end, t))
    return hits


def _pick_situation(hits: list[_Hit]) -> Found | None:
    if not hits:
        return None
    best: dict[str, _Hit] = {}
    for h in sorted(hits, key=lambda h: (-h.confidence, h.part.name == "signature", h.start)):
        best.setdefault(h.value, h)
    # A vocational or general marker settles what a bare class level ("seconde") leaves open.
    if S.LYCEE in best and best[S.LYCEE].tag in ("level", "generic"):
        pro = best.get(S.LYCEE_PRO)
        if pro is not None and pro.confidence >= 0.7:
            del best[S.LYCEE]
    # A school merely named (the sender's collège) yields to the youth's own class.
    explicit = {v: h for v, h in best.items() if h.tag != "generic" and h.confidence >= ACCEPT}
    if explicit:
        best = explicit
    # Apprenticeship settles how a CAP or a BTS is prepared.
    if S.APPRENTI in best and best[S.APPRENTI].confidence >= 0.7:
        best.pop(S.LYCEE_PRO, None)
        best.pop(S.ETUDIANT, None)
    ranked = sorted(best.values(), key=lambda h: (-h.confidence, h.start))
    top = ranked[0]
    if len(ranked) > 1 and top.confidence - ranked[1].confidence < 0.15:
        return _found(top, min(top.confidence, CONFLICT_CAP))
    return _found(top)


_AGE_OF_CLASS = {
    "cp": 6,
    "ce1": 7,
    "ce2": 8,
    "cm1": 9,
    "cm2": 10,
    "6": 11,
    "sixieme": 11,
    "5": 12,
    "cinquieme": 12,
    "4": 13,
    "quatrieme": 13,
    "3": 14,
    "troisieme": 14,
    "seconde": 15,
    "2nde": 15,
    "2de": 15,
    "premiere": 16,
    "1re": 16,
    "1ere": 16,
    "terminale": 17,
    "tle": 17,
}
_CLASS_WORD = _rx(
    r"\b(?:(cp|ce1|ce2|cm1|cm2|sixieme|cinquieme|quatrieme|troisieme|seconde|2nde|2de|premiere|1re|1ere|terminale|tle)\b|([6543])\s?(?:e|eme|em|ieme)\b)"
)


def _age_from_class(situation: Found | None) -> Found | None:
    """A hint only: the usual age of the class named ("élève de 4e" is about 13)."""
    if situation is None or situation.value not in (S.PRIMAIRE, S.COLLEGE, S.LYCEE, S.LYCEE_PRO):
        return None
    m = _CLASS_WORD.search(_fold(situation.evidence))
    if not m:
        return None
    return Found(_AGE_OF_CLASS[(m.group(1) or m.group(2)).lower()], situation.evidence, 0.35)
