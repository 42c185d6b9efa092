"""What a French intake mail says about the youth: age, situation, place, need, publics.

Pure: text in, `Extraction` out. The only data read is the official territory file, through
`territory` (lazily, on the first place lookup). Each value found carries the words it came
from (`evidence`, as written in the mail) and a `confidence`: the caller routes only on
values at or above `ACCEPT`; anything below is kept as a hint for the operators who triage.
A wrong guess sends a child to the wrong association, so when the text is unclear a field
stays empty (or a low-confidence hint) rather than a likely-looking value.

How the text is read:
- every part is folded for matching (accents stripped, curly apostrophes and odd spaces made
  plain) with the SAME length as the original, so a match's span gives back the original
  words as evidence;
- `subject`, `own_text` and `forwarded_text` are what the mail says about the youth;
  `signature` is the sender's block: its postal code is the sender's address (used only when
  the mail names no other place, and below ACCEPT unless the sender is a local structure:
  a school or a town hall), its structure name hints a situation (a collège's CPE writes
  about a collégien) and a child-welfare service hints `ase`.
- the same code works on the whole text passed as `own_text` (no split available).

Unsure means below ACCEPT, with the value kept for the operators:
- two different values for one field (two ages: None; two situations, two places or two
  needs equally put forward: the first, capped at CONFLICT_CAP);
- a mail about several young people (`several_youths`): age, situation, postal code and city
  are capped at SEVERAL_CAP, so nothing single-youth routes it; need and publics are kept;
- a girl described as such ("une jeune fille") is a `femme` hint only: the corpus' careful
  reader (fr-02) does not tick the public for that; a request aimed at women does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from . import territory
from .text import EMAIL_IN_TEXT, PHONE_IN_TEXT

ACCEPT = 0.6  # below this confidence a value is stored as a hint but not used to route

SITUATIONS = (
    "primaire", "college", "lycee", "lycee_pro", "etudiant", "apprenti",
    "recherche_emploi", "emploi", "sans_activite",
)
NEEDS = ("scolaire", "orientation", "insertion_pro")
PUBLICS = ("qpv", "rural", "handicap", "refugie", "ase", "femme")

AGE_MIN, AGE_MAX = 5, 30
# Several young people in one mail: single-youth values are at most hints (operators triage).
SEVERAL_CAP = 0.5
# Conflicting values for one field: the first one is kept as a hint only.
CONFLICT_CAP = 0.45


@dataclass(frozen=True)
class Found:
    value: Any  # int for age, str for situation/need/postal_code/city, str for each public
    evidence: str  # the words it came from, as written in the mail (short excerpt)
    confidence: float  # 0..1

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "evidence": self.evidence, "confidence": round(self.confidence, 2)}


@dataclass(frozen=True)
class Extraction:
    age: Optional[Found]
    situation: Optional[Found]
    postal_code: Optional[Found]
    city: Optional[Found]
    need: Optional[Found]
    publics: tuple[Found, ...]
    several_youths: bool

    def as_dict(self) -> dict[str, Any]:
        def one(f: Optional[Found]) -> Optional[dict[str, Any]]:
            return f.as_dict() if f is not None else None

        return {
            "age": one(self.age),
            "situation": one(self.situation),
            "postal_code": one(self.postal_code),
            "city": one(self.city),
            "need": one(self.need),
            "publics": [p.as_dict() for p in self.publics],
            "several_youths": self.several_youths,
        }


# --- Folding -------------------------------------------------------------------------------

_SAME_LENGTH = {
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'", "\u2032": "'",
    "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\t": " ", "\r": " ",
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
    name: str  # "subject", "own", "forwarded", "signature"
    text: str  # original (NFC)
    folded: str


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


def _found(hit: _Hit, confidence: Optional[float] = None, value: Any = None) -> Found:
    return Found(
        hit.value if value is None else value,
        hit.evidence,
        round(hit.confidence if confidence is None else confidence, 2),
    )


_CLAUSE_STOPS = ".;!?\n,(:"
_SENTENCE_STOPS = ".;!?\n"


def _left(folded: str, start: int, limit: int = 60, stops: str = _CLAUSE_STOPS) -> str:
    """The text before `start`, back to the clause (or sentence) start, at most `limit` chars."""
    window = folded[max(0, start - limit):start]
    cut = max(window.rfind(c) for c in stops)
    return window[cut + 1:] if cut >= 0 else window


def _right(folded: str, end: int, limit: int = 40, stops: str = _CLAUSE_STOPS) -> str:
    window = folded[end:end + limit]
    cuts = [i for i in (window.find(c) for c in stops) if i >= 0]
    return window[:min(cuts)] if cuts else window


def _rx(pattern: str, case: bool = False) -> re.Pattern[str]:
    return re.compile(pattern, 0 if case else re.IGNORECASE)


# Negation just before a word: "pas de handicap", "n'est pas placé", "sans MDPH", "hors QPV".
_NEGATED_LEFT = _rx(r"(?:\b(?:pas|sans|aucun|aucune|ni|non|jamais|hors)|(?:\bne\s|\bn')\S*\s+plus)\b(?:\s*[\w']+){0,3}\s*$")
# For needs, only a negation right before the words: "pas de difficultés", "sans CV".
_NEED_NEGATED_LEFT = _rx(r"\b(?:pas\s+(?:de|d'|besoin\s+d[e']|besoin\s+d'une?)|sans|aucun|aucune|ni)\s*$")
_NEGATED_RIGHT = _rx(r"^\s*:\s*(?:non|aucun|aucune|neant|pas)\b")


def _negated(folded: str, start: int, end: int) -> bool:
    return bool(_NEGATED_LEFT.search(_left(folded, start, 45)) or _NEGATED_RIGHT.search(folded[end:end + 15]))


# --- Age ---------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
    "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "dix-sept": 17, "dix sept": 17,
    "dix-huit": 18, "dix huit": 18, "dix-neuf": 19, "dix neuf": 19, "vingt": 20,
    "vingt et un": 21, "vingt-et-un": 21, "vingt-deux": 22, "vingt-trois": 23,
    "vingt-quatre": 24, "vingt-cinq": 25, "vingt-six": 26, "vingt-sept": 27,
    "vingt-huit": 28, "vingt-neuf": 29, "trente": 30,
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
_AGE_OTHER_PERSON = _rx(
    r"\b(?:frere|soeur|sœur|mere|pere|parents?|maman|papa|cousin|cousine|oncle|tante|"
    r"grand-mere|grand-pere|bebe|neveu|niece|demi-frere|demi-soeur|mari|epoux|epouse|"
    r"conjoint|copain|copine|ami|amie|belle-mere|beau-pere)\b[^,]*$"
)
_AGE_SELF = _rx(r"\b(?:j'ai|je suis age|je suis agee|j'aurai)\s*(?:de\s*)?$")
_PARENT_WRITES = _rx(
    r"\b(?:mon|notre)\s+(?:fils|enfant|petit-fils|neveu|beau-fils)\b"
    r"|\b(?:ma|notre)\s+(?:fille|petite-fille|niece|belle-fille)\b"
)

_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_MONTH_ALT = "|".join(_MONTHS)
_BORN = r"(?:\bne(?:e|\(e\)|-e|\.e)?s?\s+(?:le\s+)?|date\s+de\s+naissance\s*:?\s*(?:le\s+)?|\bDDN\s*:?\s*|\bnaissance\s*:\s*)"
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
            if _AGE_NOT_RIGHT.search(f[m.end():m.end() + 30]):
                continue
            if _AGE_OTHER_PERSON.search(_left(f, m.start(), 40)):
                continue
            tag = "self" if _AGE_SELF.search(left) else "stated"
            # "à 16 ans, il a quitté l'école": an age at some moment, not surely now.
            before = part.text[max(0, m.start() - 4):m.start()]
            at_some_age = re.search(r"[àÀ]\s$|[àÀ]\sl['’]$", before)
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
            if m.group(1):
                mo = _MONTHS[m.group(1).lower()]
                value = today.year - y - (today.month < mo)
                confidence = 0.7 if today.month == mo else 0.85
            else:
                # The birthday may or may not be past: take the likelier side of the year.
                value = today.year - y - (today.month < 7)
                confidence = 0.65
            if AGE_MIN <= value <= AGE_MAX:
                hits.append(_Hit(value, confidence, part, m.start(), m.end(), "year"))
    return hits


def _pick_age(hits: list[_Hit], whole_folded: str) -> Optional[Found]:
    others = [h for h in hits if h.tag != "self"]
    if others or _PARENT_WRITES.search(whole_folded):
        hits = others  # "j'ai 42 ans, mon fils a 12 ans": the youth's age, not the writer's
    if not hits:
        return None
    strong = [h for h in hits if h.tag != "year" and h.confidence >= ACCEPT]
    weak = [h for h in hits if h not in strong]
    if strong:
        values = {h.value for h in strong}
        if len(values) > 1:
            return None  # several different ages: do not choose
        (value,) = values
        if any(h.tag == "year" and abs(h.value - value) > 1 for h in weak):
            return None  # a birth year that contradicts the stated age
        best = max(strong, key=lambda h: h.confidence)
        return _found(best)
    values = {h.value for h in weak}
    if len(values) > 1:
        return None
    return _found(max(weak, key=lambda h: h.confidence))


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
    (_rx(r"\b(?:en|au|de|classe\s+de|eleve\s+de)\s+(?:CP|cp)\b", case=True), "primaire", 0.9, ""),
    (_rx(r"\b(?:CE1|CE2|CM1|CM2)\b"), "primaire", 0.9, ""),
    (_rx(r"\becole\s+(?:primaire|elementaire)\b|\becolier(?:e)?s?\b"), "primaire", 0.75, ""),
    (_rx(r"\b(?:grande|moyenne|petite)\s+section\b|\bmaternelle\b"), "primaire", 0.6, ""),
    # Collège
    (_rx(_CLASS_PREFIX + r"[6543]\s?(?:e|eme|em|ieme)\b" + _NOT_A_CLASS_NEXT), "college", 0.9, ""),
    (_rx(_CLASS_PREFIX + r"(?:sixieme|cinquieme|quatrieme|troisieme)\b" + _NOT_A_CLASS_NEXT), "college", 0.9, ""),
    (_rx(r"\bcollegien(?:ne)?s?\b|\bSEGPA\b"), "college", 0.8, ""),
    (_rx(r"\bcollege\b"), "college", 0.6, "generic"),
    # Lycée (a level: general or vocational decided by what follows, see _situations)
    (_rx(r"\b(?:en|sa|classe\s+de|eleve\s+de|eleves\s+de|redouble)\s+(?:seconde|premiere|terminale)\b" + _NOT_A_CLASS_NEXT), "lycee", 0.85, "level"),
    (_rx(_CLASS_PREFIX + r"(?:2nde|2de|1re|1ere|1ère)\b" + _NOT_A_CLASS_NEXT), "lycee", 0.85, "level"),
    (_rx(r"\b(?:en|de)\s+Tle\b", case=True), "lycee", 0.85, "level"),
    (_rx(r"\b(?:seconde|premiere|terminale|2nde|1re|1ere)\s+(?:generale|technologique|STMG|STI2D|ST2S|STL|STHR|STD2A)\b"
         r"|\bbac(?:calaureat)?\s+(?:general|technologique|STMG|STI2D|ST2S)\b|\blycee\s+(?:general|d'enseignement\s+general)\b"), "lycee", 0.9, ""),
    (_rx(r"\blyceen(?:ne)?s?\b"), "lycee", 0.6, "generic"),
    (_rx(r"\blycee\b(?!\s+(?:pro|professionnel|des\s+metiers|agricole))"), "lycee", 0.5, "generic"),
    # Lycée professionnel
    (_rx(r"\bbac(?:calaureat)?\s+pro(?:fessionnel)?\b|\blycee\s+(?:pro|professionnel|des\s+metiers)\b|\bBEP\b"), "lycee_pro", 0.85, ""),
    (_rx(r"\b(?:seconde|premiere|terminale|2nde|2de|1re|1ere|Tle)\s+(?:pro|professionnelle)\b"), "lycee_pro", 0.9, ""),
    (_rx(r"\b(?:en|un|son|d'un|prepare)\s+CAP\b", case=True), "lycee_pro", 0.85, ""),
    (_rx(r"\bCAP\b", case=True), "lycee_pro", 0.7, ""),
    # Étudiant
    (_rx(r"\betudiant(?:e)?s?\b"), "etudiant", 0.85, ""),
    (_rx(r"\b(?:en|de|un|son|d'un|prepare)\s+(?:BTS|DUT|licence|master|L1|L2|L3|M1|M2|IUT|prepa|classe\s+preparatoire)\b"), "etudiant", 0.85, ""),
    (_rx(r"\b(?:en|un|son|d'un|prepare)\s+BUT\b", case=True), "etudiant", 0.85, ""),
    (_rx(r"\bBTS\b|\bDUT\b|\bIUT\b|\blicence\s+(?:pro|professionnelle)\b|\bclasse\s+preparatoire\b"), "etudiant", 0.6, ""),
    (_rx(r"\b(?:a\s+la|en)\s+fac\b|\b(?:a\s+l'|inscrit(?:e)?\s+a\s+l')universite\b|\becole\s+d'ingenieurs?\b"), "etudiant", 0.8, ""),
    # Apprenti
    (_rx(r"\bapprenti(?:e)?s?\b"), "apprenti", 0.85, ""),
    (_rx(r"\ben\s+(?:apprentissage|alternance)\b|\bcontrat\s+(?:d'apprentissage|de\s+professionnalisation)\b"), "apprenti", 0.85, ""),
    (_rx(r"\bCFA\b", case=True), "apprenti", 0.7, ""),
    # Recherche d'emploi
    (_rx(r"\b(?:en|a\s+la)\s+recherche\s+d'(?:un\s+)?(?:emploi|travail)\b|\bdemandeu(?:r|se)s?\s+d'emploi\b"), "recherche_emploi", 0.9, ""),
    (_rx(r"\b(?:cherche|recherche)\s+(?:un|une|du)\s+(?:emploi|travail|job|poste)\b"), "recherche_emploi", 0.8, ""),
    (_rx(r"\binscrit(?:e)?\s+(?:a|au|chez)\s+(?:France\s+Travail|Pole\s+emploi)\b|\bau\s+chomage\b"), "recherche_emploi", 0.85, ""),
    (_rx(r"\bsans\s+emploi\b(?!\s+ni)"), "recherche_emploi", 0.7, ""),
    # Sans activité
    (_rx(r"\bni\s+en\s+emploi,?\s+ni\s+en\s+formation\b|\bni\s+emploi,?\s+ni\s+formation\b|"
         r"\bsans\s+(?:emploi|activite)\s+ni\s+formation\b|\bdecrocheu(?:r|se)s?\b|\bdescolarise(?:e)?s?\b|"
         r"\bsans\s+activite\b|\bn'est\s+plus\s+scolarise(?:e)?\b|\bsorti(?:e)?\s+du\s+systeme\s+scolaire\b"), "sans_activite", 0.85, ""),
    (_rx(r"\bne\s+fait\s+(?:plus\s+)?rien\b|\bsans\s+solution\b|\baucune\s+activite\b|\binacti(?:f|ve)\b"), "sans_activite", 0.7, ""),
    (_rx(r"\bNEET\b", case=True), "sans_activite", 0.85, ""),
    (_rx(r"\ba\s+decroche\s+(?:du|de\s+la|de\s+l')\s*(?:lycee|college|ecole|systeme|scolarite|formation)\b"), "sans_activite", 0.75, ""),
    # Emploi
    (_rx(r"\ben\s+(?:emploi|CDD|CDI|interim)\b|\bsalarie(?:e)?\b"), "emploi", 0.8, ""),
    (_rx(r"\btravaille\s+(?:comme|chez|en\s+tant\s+que|dans\s+(?:un|une)|a\s+(?:temps|mi-temps))\b"), "emploi", 0.75, ""),
]
# In a signature, only the structure's kind says something (a CPE of a collège writes about
# a collégien); a lycée may be general or vocational.
_SIGNATURE_SITUATIONS: list[tuple[re.Pattern[str], str, float]] = [
    (_rx(r"\bcollege\b"), "college", 0.6),
    (_rx(r"\becole\s+(?:primaire|elementaire)\b|\bgroupe\s+scolaire\b"), "primaire", 0.6),
    (_rx(r"\blycee\s+(?:pro|professionnel|des\s+metiers)\b"), "lycee_pro", 0.6),
    (_rx(r"\blycee\b(?!\s+(?:pro|professionnel|des\s+metiers))"), "lycee", 0.45),
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
_NOT_NOW_LEFT = _rx(r"(?:\bne\s+|\bn')[\w']*\s+(?:pas|plus|jamais)\b(?:\s*[\w']+){0,2}\s*$|\b(?:pas|sans|plus|ni)\s+(?:en\s+|de\s+|d')?$")


def _situation_current(part: _Part, start: int, end: int, value: str) -> bool:
    f = part.folded
    left = _left(f, start, 60)
    if _NOT_NOW_LEFT.search(left):
        return False
    if value in ("sans_activite", "recherche_emploi"):
        return True  # these phrases already say "now" ("déscolarisé depuis", "au chômage")
    if _PAST_LEFT.search(left) or _PROJECT_LEFT.search(left):
        return False
    if re.match(r"^[^.;!\n]{0,12}\?", f[end:end + 14]):
        return False  # "(BTS ? apprentissage ?)": options, not the present
    if re.match(r"^\s*(?:\w+\s+){0,3}?(?:apres\s+(?:son|le|sa)\b|plus\s+tard|l'an(?:nee)?\s+prochaine?)", f[end:end + 40], re.I):
        return False  # "un BTS après son bac": what comes next
    return True


def _situations(parts: list[_Part], mentions_pupil: bool) -> list[_Hit]:
    hits: list[_Hit] = []
    for part in parts:
        f = part.folded
        if part.name == "signature":
            for rx, value, confidence in _SIGNATURE_SITUATIONS:
                for m in rx.finditer(f):
                    c = confidence if (mentions_pupil or value == "lycee") else confidence - 0.1
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
                        v, c, t, end = "lycee_pro", 0.9, "", m.end() + pro.end()
                    elif general := _GENERAL_AFTER.search(after):
                        c, t, end = 0.9, "", m.end() + general.end()
                if v in ("lycee_pro", "etudiant") and re.search(
                    r"\b(?:en|par)\s+(?:alternance|apprentissage)\b", _right(f, m.end(), 40)
                ):
                    v, c = "apprenti", 0.85  # "CAP en alternance", "BTS en apprentissage"
                hits.append(_Hit(v, c, part, m.start(), end, t))
    return hits


def _pick_situation(hits: list[_Hit]) -> Optional[Found]:
    if not hits:
        return None
    best: dict[str, _Hit] = {}
    for h in sorted(hits, key=lambda h: (-h.confidence, h.part.name == "signature", h.start)):
        best.setdefault(h.value, h)
    # A vocational or general marker settles what a bare class level ("seconde") leaves open.
    if "lycee" in best and best["lycee"].tag in ("level", "generic"):
        pro = best.get("lycee_pro")
        if pro is not None and pro.confidence >= 0.7:
            del best["lycee"]
    # A school merely named (the sender's collège) yields to the youth's own class.
    explicit = {v: h for v, h in best.items() if h.tag != "generic" and h.confidence >= ACCEPT}
    if explicit:
        best = explicit
    # Apprenticeship settles how a CAP or a BTS is prepared.
    if "apprenti" in best and best["apprenti"].confidence >= 0.7:
        best.pop("lycee_pro", None)
        best.pop("etudiant", None)
    ranked = sorted(best.values(), key=lambda h: (-h.confidence, h.start))
    top = ranked[0]
    if len(ranked) > 1 and top.confidence - ranked[1].confidence < 0.15:
        return _found(top, min(top.confidence, CONFLICT_CAP))
    return _found(top)


_AGE_OF_CLASS = {
    "cp": 6, "ce1": 7, "ce2": 8, "cm1": 9, "cm2": 10, "6": 11, "sixieme": 11, "5": 12,
    "cinquieme": 12, "4": 13, "quatrieme": 13, "3": 14, "troisieme": 14, "seconde": 15,
    "2nde": 15, "2de": 15, "premiere": 16, "1re": 16, "1ere": 16, "terminale": 17, "tle": 17,
}
_CLASS_WORD = _rx(r"\b(?:(cp|ce1|ce2|cm1|cm2|sixieme|cinquieme|quatrieme|troisieme|seconde|2nde|2de|premiere|1re|1ere|terminale|tle)\b|([6543])\s?(?:e|eme|em|ieme)\b)")


def _age_from_class(situation: Optional[Found]) -> Optional[Found]:
    """A hint only: the usual age of the class named ("élève de 4e" is about 13)."""
    if situation is None or situation.value not in ("primaire", "college", "lycee", "lycee_pro"):
        return None
    m = _CLASS_WORD.search(_fold(situation.evidence))
    if not m:
        return None
    return Found(_AGE_OF_CLASS[(m.group(1) or m.group(2)).lower()], situation.evidence, 0.35)


# --- Needs ---------------------------------------------------------------------------------

_SUBJECTS = r"(?:maths?|mathematiques|francais|lecture|ecriture|anglais|sciences|physique|histoire|orthographe|calcul|langue)"
_NEED_PATTERNS: list[tuple[re.Pattern[str], str, float]] = [
    (_rx(r"\b(?:soutien|accompagnement|suivi|aide)\s+scolaire\b"), "scolaire", 1.0),
    (_rx(r"\baide\s+(?:aux|pour\s+(?:ses|les)|a\s+faire\s+ses|dans\s+ses)\s+devoirs\b|\baide\s+aux\s+lecons\b"), "scolaire", 1.0),
    (_rx(r"\bdevoirs\b"), "scolaire", 0.7),
    (_rx(rf"\bdifficultes?\s+(?:scolaires?|d'apprentissage|de\s+lecture|a\s+l'ecole|en\s+classe|(?:en|dans)\s+(?:\w+\s+)?{_SUBJECTS})\b"), "scolaire", 1.0),
    (_rx(rf"\b(?:aide|soutien|accompagnement|progresser|lacunes)\s+(?:en|dans)\s+(?:\w+\s+)?{_SUBJECTS}\b"), "scolaire", 0.9),
    (_rx(rf"\bdecroche\w*\s+(?:en|dans)\s+(?:\w+\s+)?{_SUBJECTS}\b"), "scolaire", 0.9),
    (_rx(rf"\b(?:du|de|beaucoup\s+de)\s+mal\s+(?:en|a|avec|dans)\s+(?:les?\s+|la\s+|l')?(?:\w+\s+)?(?:{_SUBJECTS}|lire|ecrire|compter|l'ecole|suivre)\b"
         rf"|\b(?:faible|faibles|en\s+echec|echec\s+scolaire|retard)\s+(?:en|dans|scolaire)\b"), "scolaire", 0.9),
    (_rx(r"\bdecrochage\s+scolaire\b|\bremise\s+a\s+niveau\b|\bresultats\s+scolaires\b|\brattraper\s+(?:son|le|ses)\s+retard"), "scolaire", 1.0),
    (_rx(r"\b(?:risque\s+de\s+decrochage|risquent?\s+de\s+decrocher)\b|\blacunes\b|\bniveau\s+scolaire\b|\bcours\s+particuliers\b"), "scolaire", 0.7),
    (_rx(r"\b(?:preparer|reviser|reussir)\s+(?:le|son|l'examen\s+du)\s+(?:brevet|bac)\b|\breussite\s+scolaire\b"), "scolaire", 0.8),
    (_rx(r"\bmethodes?\s+de\s+travail\b|\bapprendre\s+le\s+francais\b|\bFLE\b"), "scolaire", 0.6),
    (_rx(r"\borientation\b(?!\s+(?:d'un|d'une|de\s+(?:ce|cette|la|l'|mon|ma)|vers)\b)"), "orientation", 1.0),
    (_rx(r"\bs'orienter\b|\bParcoursup\b|\bAffelnet\b|\bchoix\s+d'orientation\b"), "orientation", 1.0),
    (_rx(r"\bchoisir\s+(?:sa|son|une|un|ses)\s+(?:voie|filiere|formation|metier|orientation|etudes|specialites?)\b"), "orientation", 1.0),
    (_rx(r"\bquel(?:le)?s?\s+(?:voie|metier|filiere|formation|etudes)\b|\bprojet\s+(?:professionnel|d'avenir|d'etudes|d'orientation)\b"), "orientation", 0.9),
    (_rx(r"\bne\s+sait\s+pas\s+(?:quoi\s+faire|ce\s+qu'(?:il|elle)\s+(?:veut|va)\s+faire|vers\s+quoi)\b|\bdecouvrir\s+(?:des|les)\s+metiers\b"), "orientation", 0.9),
    (_rx(r"\bapres\s+(?:son|le|sa)\s+(?:bac|brevet|3e|troisieme|CAP)\b"), "orientation", 0.4),
    (_rx(r"\btrouver\s+(?:une|sa|la)\s+(?:formation|voie)\b|\breprendre\s+(?:une\s+formation|(?:ses|des)\s+etudes)\b"), "orientation", 0.8),
    (_rx(r"\b(?:recherches?|cherche|chercher|trouver|trouve)\s+(?:d'|du\s+|un\s+|une\s+|son\s+|sa\s+|des\s+)?(?:\w+\s+){0,2}?(?:emploi|travail|job|stage|alternance|apprentissage|contrat|patron|employeur|entreprise)\b(?!\s+(?:scolaire|personnel))"), "insertion_pro", 1.0),
    (_rx(r"\binsertion\b|\bCV\b|\blettres?\s+de\s+motivation\b|\bentretiens?\s+d'embauche\b|\b(?:preparation|preparer)\s+(?:aux|des|ses|les)\s+entretiens\b"), "insertion_pro", 1.0),
    (_rx(r"\bstage\b|\bemploi\b|\bvie\s+professionnelle\b|\bmonde\s+du\s+travail\b|\bpermis\s+de\s+conduire\b"), "insertion_pro", 0.5),
]


_SENDER_ROLE_LEFT = _rx(
    r"\b(?:conseill\w*|charge\w*|referent\w*|coordinat\w*|responsable|service|pole|cellule|"
    r"psychologue|professeur|professeure|mission\s+locale|centre|bureau|plateforme)\s+(?:en|d'|de\s+l'|de|a\s+l'|pour\s+l')?\s*$"
)


def _pick_need(parts: list[_Part]) -> Optional[Found]:
    score: dict[str, float] = {}
    first: dict[str, _Hit] = {}
    for part in parts:
        if part.name == "signature":
            continue
        taken: list[tuple[int, int]] = []
        matches = []
        for rx, value, weight in _NEED_PATTERNS:
            for m in rx.finditer(part.folded):
                matches.append((weight, m.start(), m.end(), value))
        for weight, start, end, value in sorted(matches, key=lambda x: (-x[0], x[1])):
            if any(start < e and s < end for s, e in taken):
                continue  # one phrase counts once, for its strongest reading
            if _NEED_NEGATED_LEFT.search(_left(part.folded, start, 30)):
                continue
            if _SENDER_ROLE_LEFT.search(part.folded[max(0, start - 40):start]):
                continue  # "conseiller en insertion", "service orientation": the sender's job
            taken.append((start, end))
            bonus = 0.5 if part.name == "subject" else 0.0
            score[value] = score.get(value, 0.0) + weight + bonus
            hit = _Hit(value, weight, part, start, end)
            order = ("subject", "own", "forwarded").index(part.name) if part.name != "signature" else 9
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


def _order(hit: _Hit) -> int:
    return {"subject": 0, "own": 1, "forwarded": 2}.get(hit.part.name, 9)


# --- Publics -------------------------------------------------------------------------------

_PUBLIC_PATTERNS: list[tuple[re.Pattern[str], str, float]] = [
    (_rx(r"\bquartiers?\s+prioritaires?\b|\bpolitique\s+de\s+la\s+ville\b"), "qpv", 0.9),
    (_rx(r"\bQPV\b"), "qpv", 0.9),
    (_rx(r"\bREP\s?\+|\bREP\b|\bREP\s+plus\b", case=True), "qpv", 0.75),
    (_rx(r"\b(?:reseau\s+d')?education\s+prioritaire\b"), "qpv", 0.75),
    (_rx(r"\b(?:zone|milieu|commune|secteur|territoire|monde)\s+rur(?:al|ale|aux|ales)\b|\bZRR\b|\brevitalisation\s+rurale\b"), "rural", 0.9),
    (_rx(r"\b(?:a\s+la|en)\s+campagne\b(?!\s+(?:de|d'))|\bvillage\b|\bhameau\b|\bisole(?:e)?\s+geographiquement\b"), "rural", 0.65),
    (_rx(r"\bhandicap(?:e|ee|es|ees)?\b|\bMDPH\b|\bRQTH\b|\bAAH\b"), "handicap", 0.9),
    (_rx(r"\b(?:AESH|AVS|ULIS|IME|ITEP|SESSAD|TSA|TDAH|TDA/H)\b", case=True), "handicap", 0.85),
    (_rx(r"\b(?:troubles?\s+)?dys\b|\bdys(?:lexi|praxi|calculi|orthographi|phasi|graphi)\w*|\bautis(?:me|te|tique)s?\b|"
         r"\btrouble\s+du\s+(?:spectre\s+autistique|deficit\s+de\s+l'attention)\b|\bhyperactivite\b"), "handicap", 0.85),
    (_rx(r"\brefugie(?:e)?s?\b|\bdemandeu(?:r|se)s?\s+d'asile\b|\bdroit\s+d'asile\b|\bprotection\s+(?:internationale|subsidiaire)\b|\bexile(?:e)?s?\b"), "refugie", 0.9),
    (_rx(r"\bmineur(?:e)?s?\s+non\s+accompagne(?:e)?s?\b|\bMNA\b"), "refugie", 0.9),
    (_rx(r"\bprimo-arrivant(?:e)?s?\b|\ballophone\b|\bUPE2A\b"), "refugie", 0.45),
    (_rx(r"\bASE\b|\baide\s+sociale\s+a\s+l'enfance\b|\bprotection\s+de\s+l'enfance\b|\bfamille\s+d'accueil\b|"
         r"\bassistant(?:e)?\s+familial(?:e)?\b|\bMECS\b|\bcontrat\s+jeune\s+majeur\b|\bordonnance\s+de\s+placement\b"), "ase", 0.9),
    (_rx(r"\bOPP\b|\bAEMO\b", case=True), "ase", 0.8),
    (_rx(r"\b(?:a\s+ete|ont\s+ete|est|sont|etait|avait\s+ete)\s+place(?:e)?s?\b(?!\s+(?:sous|en\s+garde|en\s+detention|en\s+stage|en\s+apprentissage|en\s+alternance|en\s+tete|sur\s+liste|en\s+classe|au\s+premier))"), "ase", 0.75),
    (_rx(r"\bplace(?:e)?s?\s+(?:en\s+foyer|en\s+famille|a\s+l'ASE|au\s+foyer|dans\s+un\s+foyer|en\s+MECS|par\s+le\s+juge)\b|"
         r"\bconfie(?:e)?s?\s+(?:a\s+l'ASE|aux\s+services|a\s+l'aide\s+sociale)\b|\bfoyer\s+(?:de\s+l'enfance|educatif|d'accueil)\b|"
         r"\b(?:vit|vivent|heberge(?:e)?s?|accueilli(?:e)?s?)\s+(?:en|dans\s+un)\s+foyer\b"), "ase", 0.85),
    # Being a girl is not the "young women" public (fr-02: "une jeune fille de 17 ans" → no
    # `femme`): only a request aimed at women is; the feminine word alone stays a hint.
    (_rx(r"\bmentore\b|\bmentor(?:at)?\s+(?:au\s+)?feminin\b|\b(?:accompagnee|suivie)\s+par\s+une\s+femme\b|\bpublic\s+feminin\b|"
         r"\b(?:programme|dispositif|action|association|reseau)s?\s+(?:pour|dedie(?:e)?s?\s+aux|reserve(?:e)?s?\s+aux)\s+(?:jeunes\s+)?(?:filles|femmes)\b|"
         r"\bfemmes?\s+dans\s+(?:la\s+tech|le\s+numerique|les\s+sciences|l'industrie)\b"), "femme", 0.8),
    (_rx(r"\bjeune\s+(?:fille|femme)\b|\b(?:lyceenne|collegienne|etudiante|apprentie|ecoliere|demandeuse)s?\b"), "femme", 0.4),
]
_SIGNATURE_PUBLICS: list[tuple[re.Pattern[str], str, float]] = [
    # The sender works for the child-welfare service: the youth it writes about is followed.
    (_rx(r"\bASE\b|\baide\s+sociale\s+a\s+l'enfance\b|\bprotection\s+de\s+l'enfance\b|\bMECS\b"), "ase", 0.7),
    (_rx(r"\bREP\s?\+|\bREP\b", case=True), "qpv", 0.6),
    (_rx(r"\beducation\s+prioritaire\b|\bQPV\b"), "qpv", 0.6),
]


def _pick_publics(parts: list[_Part]) -> tuple[Found, ...]:
    best: dict[str, _Hit] = {}
    for part in parts:
        table = _SIGNATURE_PUBLICS if part.name == "signature" else _PUBLIC_PATTERNS
        for rx, value, confidence in table:
            for m in rx.finditer(part.folded):
                if _negated(part.folded, m.start(), m.end()):
                    continue
                hit = _Hit(value, confidence, part, m.start(), m.end())
                old = best.get(value)
                if old is None or hit.confidence > old.confidence:
                    best[value] = hit
    return tuple(_found(best[p]) for p in PUBLICS if p in best)


# --- Place ---------------------------------------------------------------------------------

_CODE = re.compile(r"(?<![\d#])(?<!\d[ .-])(\d{5}|\d{2} \d{3}(?=\s+[A-Z]))(?![\d#])(?![ .,-]\d)")
_CODE_NOT_LEFT = _rx(
    r"\b(?:n°|no|num|numero|ref|reference|dossier|siret|siren|tel|telephone|fax|uai|rne|"
    r"matricule|id|identifiant|compte|facture|commande|ticket|badge|allocataire|caf|secu|"
    r"securite\s+sociale|bp|cs|iban|rib)\s*[:.#]?\s*$|n°\s*$"
)
_CODE_NOT_RIGHT = _rx(r"^\s*(?:€|euros?|eur|ans|km|m2|habitants|eleves|personnes)\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+")
_PHONE_INTL = re.compile(r"\+\d{2,3}\s?\(0\)\s?\d(?:[\s.-]?\d{2}){4}")
_RESIDENCE = _rx(
    r"\b(?:habite|habitent|habitant|habitante|vit|vivent|reside|resident|residant|residante|"
    r"domicilie|domiciliee|domicile|demeurant|demeure|adresse|loge|logee|heberge|hebergee|quartier|"
    r"installe|installee|demenage|demenagee)\b"
)
# "59100 Roubaix", "Roubaix, 59100", "Dijon (21000)": a commune name next to the code.
_NAME = r"[A-Z][\w'-]*(?:[ -](?:(?:sur|sous|en|de|du|des|la|le|les|lez|d'|l'|aux|au|et)[ -])*[A-Z][\w'-]*)*"
_RES_NAME = re.compile(
    r"\b(?i:habite|habitent|vit|vivent|reside|resident|residant|domicilie(?:e)?s?|demeurant|"
    r"loge(?:e)?|heberge(?:e)?|installe(?:e)?s?|demenage(?:e)?)\s+"
    r"(?i:actuellement\s+|maintenant\s+|aujourd'hui\s+|desormais\s+)?"
    r"(?i:(?:a|au|aux|sur|dans|vers|pres\s+de|a\s+cote\s+de|sur\s+la\s+commune\s+de|dans\s+la\s+commune\s+de|"
    r"dans\s+la\s+ville\s+de|la\s+commune\s+de|la\s+ville\s+de)\s+)?(" + _NAME + ")"
)
_COMMUNE_OF = re.compile(r"\b(?i:commune|ville)\s+(?i:de\s+|d')(" + _NAME + ")")
_STRUCTURE_OF = re.compile(
    r"\b(?i:CCAS|mairie|college|ecole|lycee|groupe\s+scolaire|centre\s+social|ville)\b"
    r"(?:\s+[A-Z][\w'-]*){0,4}?(?:\s+(?i:des\s+metiers|professionnel|polyvalent))?\s+(?i:de|d')\s*(" + _NAME + ")"
)
_BARE_A = re.compile(r"(?:^|(?<=[\s(]))(?i:a|au|aux)\s+(" + _NAME + ")")
_PLACE_CONTEXT = _rx(
    r"\b(?:scolarise(?:e)?s?|lycee|college|ecole|habite|vit|vivent|quartier|commune|ville|situe(?:e)?|"
    r"installe(?:e)?s?|domicilie(?:e)?|reside|heberge(?:e)?|foyer|arrive(?:e)?|famille|vient)\b"
)
# Capitalised words after "à" that are not communes even when a commune bears the name.
_NOT_PLACES = {
    "ecole", "college", "lycee", "mairie", "mission", "maison", "centre", "service", "association",
    "universite", "aide", "accueil", "foyer", "ville", "commune", "quartier", "rue", "avenue",
    "place", "france", "pole", "travail", "ase", "noel", "paques", "toussaint", "madame",
    "monsieur", "mme", "mr", "m", "marie", "pierre", "vous", "nous", "la", "le", "les", "l", "bac", "cap",
    "cpe", "mdph", "cfa", "iut", "fac", "bts", "rep", "qpv", "mna", "y", "eu",
    *_MONTHS, "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
}
# A structure whose address is its commune's: its postal code says where the youth lives.
_LOCAL_STRUCTURE = _rx(
    r"\b(?:college|ecole|lycee|groupe\s+scolaire|mairie|hotel\s+de\s+ville|ville\s+de|commune\s+de|"
    r"CCAS|centre\s+social|reussite\s+educative|(?-i:PRE)|service\s+(?:education|jeunesse|scolaire))\b"
)


@dataclass(frozen=True)
class _Place:
    hit: _Hit  # value: postal code (str) or None
    place: Optional[territory.Place]
    city: Optional[str]
    city_hit: Optional[_Hit]
    residence: bool

    @property
    def key(self) -> str:
        if self.place is not None and self.place.commune_code:
            return self.place.commune_code
        return self.hit.value or (self.city or "")


def _masked(folded: str) -> str:
    """Phone numbers, e-mail addresses, links and SIRET numbers blanked out (same length)."""
    out = folded
    for rx in (EMAIL_IN_TEXT, _URL, _PHONE_INTL, PHONE_IN_TEXT):
        out = rx.sub(lambda m: "#" * len(m.group(0)), out)
    out = re.sub(
        r"(?i)\b(?:siret|siren|n°\s*siret)\s*:?\s*[\d ]{9,20}", lambda m: "#" * len(m.group(0)), out
    )
    return out


def _name_words(text: str, from_start: bool) -> list[str]:
    """Candidate commune names next to a code: up to 5 words, nearest first."""
    words = re.findall(r"[\w'-]+", text)
    if from_start:
        words = words[:5]
        return [" ".join(words[:k]) for k in range(len(words), 0, -1)]
    words = words[-5:]
    return [" ".join(words[-k:]) for k in range(len(words), 0, -1)]


def _city_next_to(part: _Part, start: int, end: int, code: str) -> tuple[Optional[str], Optional[_Hit]]:
    """The commune a name written next to the code picks (needed when a code covers several)."""
    f = part.folded
    right = re.match(r"[\s,-]*(" + _NAME + ")", f[end:end + 60])
    left_text = re.sub(r"[\s,(\-]+$", "", _left(f, start, 60, "\n.;:!?"))
    left = re.search(r"(" + _NAME + r")$", left_text)
    candidates: list[tuple[str, int, int]] = []
    if right:
        for n in _name_words(right.group(1), True):
            candidates.append((n, end + right.start(1), end + right.start(1) + len(n)))
    if left:
        base = start - (len(_left(f, start, 60, "\n.;:!?")) - left.start(1))
        for n in _name_words(left.group(1), False):
            s = base + left.group(1).rfind(n)
            candidates.append((n, s, s + len(n)))
    for name, s, e in candidates:
        if territory.normalise_name(name) in _NOT_PLACES:
            continue
        place = territory.resolve_place(code, name)
        if place is None or not place.commune_name:
            continue
        wanted = territory.normalise_name(name)
        official = territory.normalise_name(place.commune_name)
        if wanted == official or official.endswith(" " + wanted) or wanted == official.split(" ", 1)[-1]:
            return place.commune_name, _Hit(place.commune_name, 0, part, min(s, start), max(e, end))
    return None, None


def _codes(part: _Part, signature_local: bool) -> list[_Place]:
    out: list[_Place] = []
    masked = _masked(part.folded)
    for m in _CODE.finditer(masked):
        code = m.group(1).replace(" ", "")
        if not territory.is_known_postal_code(code):
            continue
        if _CODE_NOT_LEFT.search(masked[max(0, m.start() - 25):m.start()]) or _CODE_NOT_RIGHT.search(masked[m.end():m.end() + 15]):
            continue
        if part.name == "signature":
            confidence, residence = (0.6 if signature_local else 0.45), False
        elif part.name == "subject":
            confidence, residence = 0.8, False
        else:
            residence = bool(_RESIDENCE.search(_left(part.folded, m.start(), 120, _SENTENCE_STOPS)))
            confidence = 0.9 if residence else 0.85
        place = territory.resolve_place(code)
        city, city_hit = _city_next_to(part, m.start(), m.end(), code)
        if city is None and place is not None and place.commune_name:
            city = place.commune_name
        elif city is not None:
            place = territory.resolve_place(code, city)
        start, end = (city_hit.start, city_hit.end) if city_hit is not None else (m.start(), m.end())
        if part.text[end:end + 1] == ")" and "(" in part.text[start:end]:
            end += 1  # "Dijon (21000)"
        hit = _Hit(code, confidence, part, start, end)
        out.append(_Place(hit, place, city, hit if city else None, residence))
    return out


_ARRONDISSEMENT = re.compile(r"\s*(\d{1,2})\s?(?:e|eme|er|ieme)\b", re.I)
_ARRONDISSEMENT_PREFIX = {"75056": "750", "69123": "6900", "13055": "130"}


def _named_communes(part: _Part) -> list[_Place]:
    """Communes named without a postal code: "habite à Roubaix", "commune de Grenoble"."""
    out: list[_Place] = []
    f = part.folded
    seen: set[int] = set()
    for rx, kind in ((_RES_NAME, "residence"), (_COMMUNE_OF, "commune"), (_STRUCTURE_OF, "structure"), (_BARE_A, "bare")):
        for m in rx.finditer(f):
            if m.start(1) in seen:
                continue
            if kind == "bare" and not (
                part.text[m.start():m.start() + 1] in "àÀ" or f[m.start():m.start() + 2].lower() == "au"
            ):
                continue  # "a" is "has" unless written "à"
            words = m.group(1)
            for name in _name_words(words, True):
                if territory.normalise_name(name.split(" ")[0]) in _NOT_PLACES:
                    break
                places = territory.communes_named(name)
                if not places:
                    continue
                seen.add(m.start(1))
                residence = kind == "residence"
                if kind in ("residence", "commune"):
                    base = 0.7
                elif kind == "structure":
                    base = 0.6  # the school's (town hall's) commune: usually the youth's
                else:
                    ctx = _left(f, m.start(), 80, _SENTENCE_STOPS) + _right(f, m.end(), 40, _SENTENCE_STOPS)
                    base = 0.6 if _PLACE_CONTEXT.search(ctx) else 0.5
                    if _RESIDENCE.search(_left(f, m.start(), 120, _SENTENCE_STOPS)):
                        base, residence = 0.7, True  # "il vit avec sa mère ... à Mantes-la-Jolie"
                span = (m.start(1), m.start(1) + len(name))
                if len(places) == 1:
                    place, confidence = places[0], base
                    arr = _ARRONDISSEMENT.match(f[span[1]:span[1] + 8])
                    prefix = _ARRONDISSEMENT_PREFIX.get(place.commune_code or "")
                    code = prefix + arr.group(1).zfill(5 - len(prefix)) if arr and prefix else ""
                    if code and territory.is_known_postal_code(code):
                        place = territory.resolve_place(code) or place  # "Paris 19e" is 75019
                        span = (span[0], span[1] + arr.end())
                else:
                    big = [p for p in places if p.postal_code.endswith(("000", "001"))]
                    if len(big) == 1:
                        place, confidence = big[0], min(base, 0.5)  # Valence means Valence (26)?
                    else:
                        # Homonyms (4 Saint-Denis): the name is a hint, no postal code.
                        name_hit = _Hit(places[0].commune_name, 0.4, part, *span)
                        out.append(_Place(_Hit(None, 0.4, part, *span), None, places[0].commune_name, name_hit, False))
                        break
                hit = _Hit(place.postal_code, confidence, part, *span)
                out.append(_Place(hit, place, place.commune_name, hit, residence))
                break
    return out


def _pick_place(parts: list[_Part]) -> tuple[Optional[Found], Optional[Found]]:
    signature_local = any(p.name == "signature" and _LOCAL_STRUCTURE.search(p.folded) for p in parts)
    text_places: list[_Place] = []
    sig_places: list[_Place] = []
    for part in parts:
        if part.name == "signature":
            sig_places += _codes(part, signature_local)
        else:
            text_places += _codes(part, False) + _named_communes(part)
    usable = [p for p in text_places if p.hit.value and p.hit.confidence >= ACCEPT]
    tiers = [
        [p for p in usable if p.residence],
        usable,
        [p for p in sig_places if p.hit.confidence >= ACCEPT],
    ]
    for tier in tiers:
        if not tier:
            continue
        keys = {p.key for p in tier}
        top = max(tier, key=lambda p: (p.hit.confidence, -_order(p.hit), -p.hit.start))
        if len(keys) > 1:
            first = min(tier, key=lambda p: (_order(p.hit), p.hit.start))
            return _place_found(first, CONFLICT_CAP)
        return _place_found(top, None)
    hints = [p for p in text_places + sig_places]
    if not hints:
        return None, None
    top = max(hints, key=lambda p: (p.hit.value is not None, p.hit.confidence))
    if len({p.key for p in hints}) > 1:
        return _place_found(top, min(top.hit.confidence, CONFLICT_CAP))
    return _place_found(top, None)


def _place_found(p: _Place, cap: Optional[float]) -> tuple[Optional[Found], Optional[Found]]:
    confidence = p.hit.confidence if cap is None else min(cap, p.hit.confidence)
    code = _found(p.hit, confidence) if p.hit.value else None
    city = None
    if p.city:
        source = p.city_hit or p.hit
        city = Found(p.city, source.evidence, round(confidence, 2))
    return code, city


# --- Several young people -----------------------------------------------------------------

_YOUTHS = (
    r"(?:jeunes|eleves|enfants|adolescent(?:e)?s|ados|collegien(?:ne)?s|lyceen(?:ne)?s|"
    r"etudiant(?:e)?s|mineur(?:e)?s|apprenti(?:e)?s|filles|garcons|jeunes\s+filles|jeunes\s+gens)"
)
_COUNT = r"(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|[2-9]|[1-9]\d)"
_SEVERAL = [
    _rx(rf"\b(?:plusieurs|quelques|certain(?:e)?s|nombreux|nombreuses|beaucoup)\s+(?:de\s+|d')?(?:(?:nos|mes|ces|leurs|vos)\s+)?{_YOUTHS}\b"),
    _rx(rf"(?<!\bses\s)(?<!\bsa\s)(?<!\bleurs\s)(?<!\bavec\s)(?<!\ba\s)(?<!\bont\s)\b{_COUNT}\s+(?:(?:de|d'entre)\s+(?:nos|mes|ces|leurs|eux|elles)\s+)?(?:\w+\s+)?{_YOUTHS}\b(?!\s+(?:freres|soeurs|sœurs))"),
    _rx(rf"\b(?:ces|des)\s+{_YOUTHS}\s+(?:de|en)\s+(?:CP|CE1|CE2|CM1|CM2|[6543]\s?(?:e|eme)|seconde|2nde|premiere|1re|terminale)\b"),
    _rx(rf"\bces\s+{_YOUTHS}\b|\bun\s+groupe\s+d[e']\s*|\bune\s+(?:dizaine|quinzaine|vingtaine|trentaine)\b|\bune\s+classe\s+entiere\b|\btoute\s+(?:la|une)\s+classe\b|\bfratrie\b|"
        r"\b(?:tous|toutes)\s+(?:les\s+)?(?:deux|trois|quatre)\b|\bl'un\s+et\s+l'autre\b|\bchacun\s+d'(?:eux|elles)\b|"
        r"\bles\s+(?:deux|trois)\s+(?:jeunes|eleves|enfants|freres|soeurs|adolescents)\b"),
    _rx(r"(?<!\bun\sde\s)(?<!\bune\sde\s)(?<!\bl'un\sde\s)(?<!\bl'une\sde\s)\b(?:mes|nos)\s+(?:deux\s+|trois\s+|quatre\s+|2\s+|3\s+)?(?:enfants|fils|filles)\b"),
    _rx(r"\bmon\s+fils\s+et\s+ma\s+fille\b|\bma\s+fille\s+et\s+mon\s+fils\b|\bmes\s+deux\b|\bun\s+frere\s+et\s+une\s+soeur\b"),
    re.compile(r"\b(?i:pour|concerne|concernant|accompagner|accompagnons|suivons)\s+[A-Z][a-z]+(?:\s*,\s*[A-Z][a-z]+)*\s+(?i:et)\s+[A-Z][a-z]+\b(?=\s*(?:,|\(|qui\b|sont\b|ont\b|\.|(?i:ages|agees)\b))"),
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


# --- Entry point ---------------------------------------------------------------------------

_MENTIONS_PUPIL = _rx(r"\beleve\b|\bcollegien|\blyceen|\becolier")


def extract_request(
    subject: str,
    own_text: str,
    forwarded_text: str = "",
    signature: str = "",
    today: Optional[date] = None,
) -> Extraction:
    """What the mail says about the one youth it is about. See the module docstring."""
    today = today or date.today()
    parts = [
        _Part(name, t, _fold(t))
        for name, raw in (("subject", subject), ("own", own_text), ("forwarded", forwarded_text), ("signature", signature))
        if (t := unicodedata.normalize("NFC", raw or "")).strip()
    ]
    text_parts = [p for p in parts if p.name != "signature"]
    whole = "\n".join(p.folded for p in text_parts)

    several = _several(parts)
    age_hits = _ages(parts, today)
    age = _pick_age(age_hits, whole)
    situation = _pick_situation(_situations(parts, bool(_MENTIONS_PUPIL.search(whole))))
    if age is None and not age_hits:
        age = _age_from_class(situation)
    postal_code, city = _pick_place(parts)
    need = _pick_need(parts)
    publics = _pick_publics(parts)

    if several:
        # One request cannot stand for several youths: what is said of them stays a hint.
        age, situation, postal_code, city = (_capped(f) for f in (age, situation, postal_code, city))
    return Extraction(age, situation, postal_code, city, need, publics, several)


def _capped(found: Optional[Found]) -> Optional[Found]:
    if found is None:
        return None
    return Found(found.value, found.evidence, min(found.confidence, SEVERAL_CAP))


__all__ = ["ACCEPT", "Extraction", "Found", "extract_request"]
