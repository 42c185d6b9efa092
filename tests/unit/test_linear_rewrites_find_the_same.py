"""The patterns rewritten to take linear time (tests/unit/test_linear_time.py) find exactly
what the plain ones found: same matches, same spans, on texts drawn from the characters
and words they read. The plain patterns are kept here as the oracle; they are quadratic
(or exponential) only on long texts, and these are short."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.domain import text
from chalicelib.domain.extraction import age, departements, place
from chalicelib.domain.extraction.reading import _left

PLAIN_EMAIL_IN_TEXT = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
PLAIN_SPELLINGS = [
    rf"[\w.+-]+{text._AT}[\w-]+(?:\.[\w-]+)+",
    rf"[\w.+-]+{text._AT}[\w-]+(?:{text._DOT_LOOSE}[\w-]+)*?{text._DOT_LOOSE}{text._TLDS}\b",
    r"[\w.+-]+\s*[(\[{<]\s*(?:at|arobase|arobas|@)\s*[)\]}>]\s*[\w-]+(?:\.[\w-]+)*",
    r"[\w.+-]*@[\w-]+(?:\.[\w-]+)*",
]
PLAIN_UNDERSCORES_IN_DIGITS = re.compile(r"\d[\d_ ]*_[\d_ ]*\d")
PLAIN_NAME = r"[A-Z][\w'-]*(?:[ -](?:(?:sur|sous|en|de|du|des|la|le|les|lez|d'|l'|aux|au|et)[ -])*[A-Z][\w'-]*)*"
PLAIN_ARRONDISSEMENT = re.compile(r"\s*(\d{1,2})\s?(?:e|eme|er|ieme)\b", re.I)
PLAIN_TRAILING_GAP = re.compile(r"[\s,(\-]+$")
PLAIN_DEPARTEMENT_NUMBER_AFTER = re.compile(r"\s*[(,-]?\s*(\d{2}|2[AB]|97[1-46])\b(?![ .]?\d)", re.I)
PLAIN_DEPARTEMENT_NAME_AFTER = re.compile(r"\s*[(,-]\s*([A-Z][\w' -]{1,30}?)\s*\)")
PLAIN_AGE_OTHER_PERSON = re.compile(age._AGE_OTHER_PERSON.pattern + r"[^,]*$", re.I)

ADDRESS_PIECES = [
    "a",
    "Lé",
    "x9",
    "1",
    ".",
    "..",
    "+",
    "-",
    "_",
    "@",
    "＠",
    " ",
    "  ",
    "\n",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "{",
    "}",
    "at",
    "AT",
    "arobase",
    "dot",
    "point",
    "fr",
    "net",
    "com",
    "example",
    "lea.martin",
    "é",
]
addresses = st.lists(st.sampled_from(ADDRESS_PIECES), max_size=14).map("".join)


def spans(found) -> list[tuple[int, int]]:
    return [m.span() for m in found]


@settings(max_examples=3000, deadline=None)
@given(addresses)
@example("a@b.fr+c@d.fr")  # the next match starts inside the run the previous one ended in
@example("a@b.fr.@d.fr")
@example("lea.martin at example dot fr")
def test_the_address_patterns_find_what_the_plain_ones_found(sample):
    assert spans(text.EMAIL_IN_TEXT.finditer(sample)) == spans(re.finditer(PLAIN_EMAIL_IN_TEXT, sample))
    for rewritten, plain in zip(text._EMAIL_SPELLINGS, PLAIN_SPELLINGS, strict=True):
        assert spans(rewritten.finditer(sample)) == spans(re.finditer(plain, sample, re.IGNORECASE)), plain


@settings(max_examples=300, deadline=None)
@given(addresses)
def test_blanking_addresses_blanks_what_the_plain_pattern_blanked(sample):
    def blank(m):
        return "#" * len(m.group())

    assert text.EMAIL_IN_TEXT.sub(blank, sample) == re.sub(PLAIN_EMAIL_IN_TEXT, blank, sample)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["0", "6", "12", "_", "__", " ", "a", "٣", "-", "\n"]), max_size=14).map("".join))
@example("lea_m 06_12_34_ _x")
def test_underscores_between_digits_become_spaces_as_before(sample):
    before = PLAIN_UNDERSCORES_IN_DIGITS.sub(lambda m: m.group().replace("_", " "), sample)
    assert text._DIGITS_AND_GAPS.sub(text._underscores_between_digits_as_spaces, sample) == before


NAME_PIECES = [
    "A",
    "Ab",
    "Roubaix",
    "a",
    "-",
    " ",
    "'",
    "sur",
    "de",
    "d'",
    "l'",
    "la",
    "x",
    ")",
    ",",
    "É",
    "é",
    "B-",
    "lez",
    "\n",
]
names = st.lists(st.sampled_from(NAME_PIECES), max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(names)
@example("A-A-A-A-A-A-A-A)")
def test_commune_names_are_read_as_before(sample):
    for plain, rewritten in [
        (re.compile("(" + PLAIN_NAME + ")$").search, place._NAME_BEFORE_CODE.search),
        (re.compile(r"[\s,-]*(" + PLAIN_NAME + ")").match, place._NAME_AFTER_CODE.match),
    ]:
        a, b = plain(sample), rewritten(sample)
        assert (a and a.span(1)) == (b and b.span(1))
    assert place._TRAILING_GAP.sub("", sample) == PLAIN_TRAILING_GAP.sub("", sample)
    for rx in (place._RES_NAME, place._COMMUNE_OF, place._STRUCTURE_OF, place._BARE_A):
        plain = re.compile(rx.pattern.replace(place._NAME, PLAIN_NAME))
        for prefix in ("habite a ", "commune de ", "college Jean de ", "a "):
            assert spans(rx.finditer(prefix + sample)) == spans(plain.finditer(prefix + sample))


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from([" ", "  ", "\n", "(", ",", "-", "93", "2A", "974", "9", "Drome", "A", "'", ")", ".", "x"]),
        max_size=10,
    ).map("".join)
)
def test_departements_after_a_commune_are_read_as_before(sample):
    for plain, rewritten in [
        (PLAIN_DEPARTEMENT_NUMBER_AFTER, departements._DEPARTEMENT_NUMBER_AFTER),
        (PLAIN_DEPARTEMENT_NAME_AFTER, departements._DEPARTEMENT_NAME_AFTER),
    ]:
        a, b = plain.match(sample), rewritten.match(sample)
        assert (a and a.span(1)) == (b and b.span(1))


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from(["sa ", "mere", "frere", " ", ",", ".", "a", "15 ans", "\n", "amie", "(", "x"]), max_size=12
    ).map("".join),
    st.integers(0, 40),
)
def test_another_person_before_an_age_is_seen_as_before(sample, at):
    # As it is used: in the clause before a position (reading._left).
    window = _left(sample, min(at, len(sample)), 40)
    assert bool(age._AGE_OTHER_PERSON.search(window)) == bool(PLAIN_AGE_OTHER_PERSON.search(window))


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from([" ", "  ", "1", "19", "e", "eme", "er", "x", "\n"]), max_size=8).map("".join))
def test_arrondissements_are_read_as_before(sample):
    a, b = PLAIN_ARRONDISSEMENT.match(sample), place._ARRONDISSEMENT.match(sample)
    assert (a and a.group(1)) == (b and b.group(1)) and (a and a.end()) == (b and b.end())
