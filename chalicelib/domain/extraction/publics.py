"""The publics: the wordings professionals use."""

from __future__ import annotations

import re

from ..vocabulary import Public as P
from .model import PUBLICS, Found
from .reading import _found, _Hit, _negated, _Part, _rx

# --- Publics -------------------------------------------------------------------------------

_PUBLIC_PATTERNS: list[tuple[re.Pattern[str], str, float]] = [
    (_rx(r"\bquartiers?\s+prioritaires?\b|\bpolitique\s+de\s+la\s+ville\b"), P.QPV, 0.9),
    (_rx(r"\bQPV\b"), P.QPV, 0.9),
    (_rx(r"\bREP\s?\+|\bREP\b|\bREP\s+plus\b", case=True), P.QPV, 0.75),
    (_rx(r"\b(?:reseau\s+d')?education\s+prioritaire\b"), P.QPV, 0.75),
    (
        _rx(
            r"\b(?:zone|milieu|commune|secteur|territoire|monde)\s+rur(?:al|ale|aux|ales)\b|\bZRR\b|\brevitalisation\s+rurale\b"
        ),
        P.RURAL,
        0.9,
    ),
    (
        _rx(r"\b(?:a\s+la|en)\s+campagne\b(?!\s+(?:de|d'))|\bvillage\b|\bhameau\b|\bisole(?:e)?\s+geographiquement\b"),
        P.RURAL,
        0.65,
    ),
    (_rx(r"\bhandicap(?:e|ee|es|ees)?\b|\bMDPH\b|\bRQTH\b|\bAAH\b"), P.HANDICAP, 0.9),
    (_rx(r"\b(?:AESH|AVS|ULIS|IME|ITEP|SESSAD|TSA|TDAH|TDA/H)\b", case=True), P.HANDICAP, 0.85),
    (
        _rx(
            r"\b(?:troubles?\s+)?dys\b|\bdys(?:lexi|praxi|calculi|orthographi|phasi|graphi)\w*|\bautis(?:me|te|tique)s?\b|"
            r"\btrouble\s+du\s+(?:spectre\s+autistique|deficit\s+de\s+l'attention)\b|\bhyperactivite\b"
        ),
        P.HANDICAP,
        0.85,
    ),
    (
        _rx(
            r"\brefugie(?:e)?s?\b|\bdemandeu(?:r|se)s?\s+d'asile\b|\bdroit\s+d'asile\b|\bprotection\s+(?:internationale|subsidiaire)\b|\bexile(?:e)?s?\b"
        ),
        P.REFUGIE,
        0.9,
    ),
    (_rx(r"\bmineur(?:e)?s?\s+non\s+accompagne(?:e)?s?\b|\bMNA\b"), P.REFUGIE, 0.9),
    (_rx(r"\bprimo-arrivant(?:e)?s?\b|\ballophone\b|\bUPE2A\b"), P.REFUGIE, 0.45),
    (
        _rx(
            r"\bASE\b|\baide\s+sociale\s+a\s+l'enfance\b|\bprotection\s+de\s+l'enfance\b|\bfamille\s+d'accueil\b|"
            r"\bassistant(?:e)?\s+familial(?:e)?\b|\bMECS\b|\bcontrat\s+jeune\s+majeur\b|\bordonnance\s+de\s+placement\b"
        ),
        P.ASE,
        0.9,
    ),
    (_rx(r"\bOPP\b|\bAEMO\b", case=True), P.ASE, 0.8),
    (
        _rx(
            r"\b(?:a\s+ete|ont\s+ete|est|sont|etait|avait\s+ete)\s+place(?:e)?s?\b(?!\s+(?:sous|en\s+garde|en\s+detention|en\s+stage|en\s+apprentissage|en\s+alternance|en\s+tete|sur\s+liste|en\s+classe|au\s+premier))"
        ),
        P.ASE,
        0.75,
    ),
    (
        _rx(
            r"\bplace(?:e)?s?\s+(?:en\s+foyer|en\s+famille|a\s+l'ASE|au\s+foyer|dans\s+un\s+foyer|en\s+MECS|par\s+le\s+juge)\b|"
            r"\bconfie(?:e)?s?\s+(?:a\s+l'ASE|aux\s+services|a\s+l'aide\s+sociale)\b|\bfoyer\s+(?:de\s+l'enfance|educatif|d'accueil)\b|"
            r"\b(?:vit|vivent|heberge(?:e)?s?|accueilli(?:e)?s?)\s+(?:en|dans\s+un)\s+foyer\b"
        ),
        P.ASE,
        0.85,
    ),
    # Being a girl is not the "young women" public (fr-02: "une jeune fille de 17 ans" → no
    # `femme`): only a request aimed at women is; the feminine word alone stays a hint.
    (
        _rx(
            r"\bmentore\b|\bmentor(?:at)?\s+(?:au\s+)?feminin\b|\b(?:accompagnee|suivie)\s+par\s+une\s+femme\b|\bpublic\s+feminin\b|"
            r"\b(?:programme|dispositif|action|association|reseau)s?\s+(?:pour|dedie(?:e)?s?\s+aux|reserve(?:e)?s?\s+aux)\s+(?:jeunes\s+)?(?:filles|femmes)\b|"
            r"\bfemmes?\s+dans\s+(?:la\s+tech|le\s+numerique|les\s+sciences|l'industrie)\b"
        ),
        P.FEMME,
        0.8,
    ),
    # A young woman, named as such by a professional, is the public (docs/mail.md); a girl
    # ("jeune fille", "collégienne", "lycéenne") is not, and stays a hint.
    (_rx(r"\bjeunes?\s+femmes?\b"), P.FEMME, 0.75),
    (_rx(r"\bjeune\s+fille\b|\b(?:lyceenne|collegienne|etudiante|apprentie|ecoliere|demandeuse)s?\b"), P.FEMME, 0.4),
]
_SIGNATURE_PUBLICS: list[tuple[re.Pattern[str], str, float]] = [
    # The sender works for the child-welfare service: the youth it writes about is followed.
    (_rx(r"\bASE\b|\baide\s+sociale\s+a\s+l'enfance\b|\bprotection\s+de\s+l'enfance\b|\bMECS\b"), P.ASE, 0.7),
    (_rx(r"\bREP\s?\+|\bREP\b", case=True), P.QPV, 0.6),
    (_rx(r"\beducation\s+prioritaire\b|\bQPV\b"), P.QPV, 0.6),
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
