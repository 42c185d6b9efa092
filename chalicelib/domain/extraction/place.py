"""The youth's place: postal code, commune, département; the sender's address last."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import territory
from ..text import EMAIL_IN_TEXT, PHONE_IN_TEXT
from .age import _MONTHS
from .departements import DepartementHit, departement_after, departement_mentions
from .model import ACCEPT, CONFLICT_CAP, Found
from .reading import _SENTENCE_STOPS, _found, _Hit, _left, _order, _Part, _right, _rx

_CODE = re.compile(r"(?<![\d#])(?<!\d[ .-])(\d{5}|\d{2} \d{3}(?=\s+[A-Z]))(?![\d#])(?![ .,-]\d)")
_CODE_NOT_LEFT = _rx(
    r"\b(?:n°|no|num|numero|ref|reference|dossier|siret|siren|tel|telephone|fax|uai|rne|"
    r"matricule|id|identifiant|compte|facture|commande|ticket|badge|allocataire|caf|secu|"
    r"securite\s+sociale|bp|cs|iban|rib)\s*[:.#]?\s*$|n°\s*$"
)
_CODE_NOT_RIGHT = _rx(r"^\s*(?:€|(?:euros?|eur|ans|km|m2|habitants|eleves|personnes)\b)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+")
_PHONE_INTL = re.compile(r"\+\d{2,3}\s?\(0\)\s?\d(?:[\s.-]?\d{2}){4}")
_RESIDENCE = _rx(
    r"\b(?:habite|habitent|habitant|habitante|vit|vivent|reside|resident|residant|residante|"
    r"domicilie|domiciliee|domicile|demeurant|demeure|adresse|loge|logee|heberge|hebergee|quartier|"
    r"installe|installee|demenage|demenagee)\b"
)
# "59100 Roubaix", "Roubaix, 59100", "Dijon (21000)": a commune name next to the code.
# Each word is read whole (possessive): "-" is both in words and between them, and giving
# back made "A-A-A-...-A)" try every way of cutting it into words before failing at ")"
# (exponential: minutes for 60 characters before a postal code).
_NAME = r"[A-Z][\w'-]*+(?:[ -](?:(?:sur|sous|en|de|du|des|la|le|les|lez|d'|l'|aux|au|et)[ -])*[A-Z][\w'-]*+)*"
_RES_NAME = re.compile(
    r"\b(?i:habite|habitent|vit|vivent|reside|resident|residant|domicilie(?:e)?s?|demeurant|"
    r"loge(?:e)?|heberge(?:e)?|installe(?:e)?s?|demenage(?:e)?)\s+"
    r"(?i:actuellement\s+|maintenant\s+|aujourd'hui\s+|desormais\s+)?"
    r"(?i:(?:a|au|aux|sur|dans|vers|pres\s+de|a\s+cote\s+de|sur\s+la\s+commune\s+de|dans\s+la\s+commune\s+de|"
    r"dans\s+la\s+ville\s+de|la\s+commune\s+de|la\s+ville\s+de)\s+)?(" + _NAME + ")"
)
# Around a postal code. Runs of gaps are read from their first character only (from each
# of them, they were quadratic).
_NAME_AFTER_CODE = re.compile(r"(?<![\s,-])[\s,-]*+(" + _NAME + ")")
_TRAILING_GAP = re.compile(r"(?<![\s,(\-])[\s,(\-]++$")
_NAME_BEFORE_CODE = re.compile(r"(" + _NAME + r")$")  # only ever in the 60 characters before a code
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
    "ecole",
    "college",
    "lycee",
    "mairie",
    "mission",
    "maison",
    "centre",
    "service",
    "association",
    "universite",
    "aide",
    "accueil",
    "foyer",
    "ville",
    "commune",
    "quartier",
    "rue",
    "avenue",
    "place",
    "france",
    "pole",
    "travail",
    "ase",
    "noel",
    "paques",
    "toussaint",
    "madame",
    "monsieur",
    "mme",
    "mr",
    "m",
    "marie",
    "pierre",
    "vous",
    "nous",
    "la",
    "le",
    "les",
    "l",
    "bac",
    "cap",
    "cpe",
    "mdph",
    "cfa",
    "iut",
    "fac",
    "bts",
    "rep",
    "qpv",
    "mna",
    "y",
    "eu",
    *_MONTHS,
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
}
# A structure whose address is its commune's: its postal code says where the youth lives.
_LOCAL_STRUCTURE = _rx(
    r"\b(?:college|ecole|lycee|groupe\s+scolaire|mairie|hotel\s+de\s+ville|ville\s+de|commune\s+de|"
    r"CCAS|centre\s+social|reussite\s+educative|(?-i:PRE)|service\s+(?:education|jeunesse|scolaire))\b"
)


@dataclass(frozen=True)
class _Place:
    hit: _Hit  # value: postal code (str) or None
    place: territory.Place | None
    city: str | None
    city_hit: _Hit | None
    residence: bool
    options: tuple[territory.Place, ...] = ()  # homonym communes, when the name did not settle one

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
    out = re.sub(r"(?i)\b(?:siret|siren|n°\s*siret)\s*:?\s*[\d ]{9,20}", lambda m: "#" * len(m.group(0)), out)
    return out


def _name_words(text: str, from_start: bool) -> list[str]:
    """Candidate commune names next to a code: up to 5 words, nearest first."""
    words = re.findall(r"[\w'-]+", text)
    if from_start:
        words = words[:5]
        return [" ".join(words[:k]) for k in range(len(words), 0, -1)]
    words = words[-5:]
    return [" ".join(words[-k:]) for k in range(len(words), 0, -1)]


def _city_next_to(part: _Part, start: int, end: int, code: str) -> tuple[str | None, _Hit | None]:
    """The commune a name written next to the code picks (needed when a code covers several)."""
    f = part.folded
    right = _NAME_AFTER_CODE.match(f[end : end + 60])
    left_text = _TRAILING_GAP.sub("", _left(f, start, 60, "\n.;:!?"))
    left = _NAME_BEFORE_CODE.search(left_text)
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
        if _CODE_NOT_LEFT.search(masked[max(0, m.start() - 25) : m.start()]) or _CODE_NOT_RIGHT.search(
            masked[m.end() : m.end() + 15]
        ):
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
        if part.text[end : end + 1] == ")" and "(" in part.text[start:end]:
            end += 1  # "Dijon (21000)"
        hit = _Hit(code, confidence, part, start, end)
        out.append(_Place(hit, place, city, hit if city else None, residence))
    return out


# A run of spaces is read from its first only (from each of its spaces, it was quadratic).
_ARRONDISSEMENT = re.compile(r"(?<!\s)\s*+(\d{1,2})\s?(?:e|eme|er|ieme)\b", re.I)
_ARRONDISSEMENT_PREFIX = {"75056": "750", "69123": "6900", "13055": "130"}


def _named_communes(part: _Part) -> list[_Place]:
    """Communes named without a postal code: "habite à Roubaix", "commune de Grenoble"."""
    out: list[_Place] = []
    f = part.folded
    seen: set[int] = set()
    for rx, kind in (
        (_RES_NAME, "residence"),
        (_COMMUNE_OF, "commune"),
        (_STRUCTURE_OF, "structure"),
        (_BARE_A, "bare"),
    ):
        for m in rx.finditer(f):
            if m.start(1) in seen:
                continue
            if kind == "bare" and not (
                part.text[m.start() : m.start() + 1] in "àÀ" or f[m.start() : m.start() + 2].lower() == "au"
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
                    arr = _ARRONDISSEMENT.match(f[span[1] : span[1] + 8])
                    prefix = _ARRONDISSEMENT_PREFIX.get(place.commune_code or "")
                    code = prefix + arr.group(1).zfill(5 - len(prefix)) if arr and prefix else ""
                    if arr and code and territory.is_known_postal_code(code):
                        place = territory.resolve_place(code) or place  # "Paris 19e" is 75019
                        span = (span[0], span[1] + arr.end())
                else:
                    # "Saint-Denis (93)", "Valence (Drôme)": the département written next to it settles it.
                    said = departement_after(part, span[1])
                    in_said = [p for p in places if said and p.departement == said]
                    big = [p for p in places if (p.postal_code or "").endswith(("000", "001"))]
                    if len(in_said) == 1:
                        place, confidence = in_said[0], base
                    elif len(big) == 1:
                        place, confidence = big[0], min(base, 0.5)  # Valence means Valence (26)?
                    else:
                        # Homonyms (4 Saint-Denis): the name is a hint, no postal code.
                        name_hit = _Hit(places[0].commune_name, 0.4, part, *span)
                        out.append(
                            _Place(
                                _Hit(None, 0.4, part, *span),
                                None,
                                places[0].commune_name,
                                name_hit,
                                residence,
                                tuple(places),
                            )
                        )
                        break
                hit = _Hit(place.postal_code, confidence, part, *span)
                out.append(_Place(hit, place, place.commune_name, hit, residence))
                break
    return out


Picked = tuple[Found | None, Found | None, Found | None]  # postal code, city, département


def _pick_place(parts: list[_Part]) -> Picked:
    """The youth's place, in this order of trust: where the text says the youth lives (a
    commune, then a département), any other commune or département the text names, and
    last the sender's own address block. Two different places at one level: a hint only."""
    signature_local = any(p.name == "signature" and _LOCAL_STRUCTURE.search(p.folded) for p in parts)
    text_places: list[_Place] = []
    sig_places: list[_Place] = []
    deps: list[DepartementHit] = []
    for part in parts:
        if part.name == "signature":
            sig_places += _codes(part, signature_local)
        else:
            text_places += _codes(part, False) + _named_communes(part)
            deps += departement_mentions(part)
    sure_deps = [d for d in deps if d.hit.confidence >= ACCEPT]
    text_places = [_settled_by(p, sure_deps) for p in text_places]
    usable = [p for p in text_places if p.hit.value and p.hit.confidence >= ACCEPT]
    tiers: list[tuple[list[_Place], list[DepartementHit]]] = [
        ([p for p in usable if p.residence], [d for d in sure_deps if d.residence]),
        (usable, sure_deps),
    ]
    for places, said in tiers:
        if places:
            keys = {p.key for p in places}
            top = max(places, key=lambda p: (p.hit.confidence, -_order(p.hit), -p.hit.start))
            # A département said elsewhere that is not this commune's: which one is the youth's?
            other = {d.hit.value for d in said} - {p.place.departement for p in places if p.place}
            if len(keys) > 1 or other:
                first = min(places, key=lambda p: (_order(p.hit), p.hit.start))
                return _place_found(first, CONFLICT_CAP)
            return _place_found(top, None)
        if said:
            # "habite dans le 93 ... collège de Bobigny": the commune named in that département.
            within = [p for p in usable if p.place and p.place.departement in {d.hit.value for d in said}]
            if len({d.hit.value for d in said}) == 1 and len({p.key for p in within}) == 1:
                return _place_found(within[0], None)
            return _departement_found(said)
    signed = [p for p in sig_places if p.hit.confidence >= ACCEPT]
    if signed:
        top = max(signed, key=lambda p: (p.hit.confidence, -p.hit.start))
        return _place_found(top, CONFLICT_CAP if len({p.key for p in signed}) > 1 else None)
    hints = [p for p in text_places + sig_places]
    if not hints:
        return (None, None, _departement_found(deps)[2]) if deps else (None, None, None)
    top = max(hints, key=lambda p: (p.hit.value is not None, p.hit.confidence))
    if len({p.key for p in hints}) > 1:
        return _place_found(top, min(top.hit.confidence, CONFLICT_CAP))
    return _place_found(top, None)


def _settled_by(p: _Place, deps: list[DepartementHit]) -> _Place:
    """A homonym commune ("Saint-Denis") settled by the one département the text names."""
    codes = {d.hit.value for d in deps}
    if not p.options or len(codes) != 1:
        return p
    matching = [o for o in p.options if o.departement in codes]
    if len(matching) != 1:
        return p
    place = matching[0]
    hit = _Hit(place.postal_code, 0.7, p.hit.part, p.hit.start, p.hit.end)
    return _Place(hit, place, place.commune_name, hit, p.residence)


def _departement_found(said: list[DepartementHit]) -> Picked:
    top = max(said, key=lambda d: (d.hit.confidence, -_order(d.hit), -d.hit.start))
    cap = CONFLICT_CAP if len({d.hit.value for d in said}) > 1 else None
    return None, None, _found(top.hit, None if cap is None else min(cap, top.hit.confidence))


def _place_found(p: _Place, cap: float | None) -> Picked:
    confidence = p.hit.confidence if cap is None else min(cap, p.hit.confidence)
    code = _found(p.hit, confidence) if p.hit.value else None
    city = None
    if p.city:
        source = p.city_hit or p.hit
        city = Found(p.city, source.evidence, round(confidence, 2), source.part.source)
    return code, city, None
