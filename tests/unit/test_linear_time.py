"""Every regular expression of chalicelib, and every function that reads what a stranger
sends (a form's message, a mail's headers, body, HTML, quotes, a request's body and
cookie), takes time linear in the length of the text: on each adversarial family of
tests/adversarial.py, ten times the text costs at most MAX_GROWTH times the time (a ratio
measured in this run, in CPU time, best of a few runs; never a duration). Quadratic work
costs about 100 times: one quadratic pattern made a 190,000-letter mail take minutes, past
the Lambda's time limit, and SQS retried it with the urgent mails behind it.

The patterns are not listed by hand, so that none can be forgotten: every pattern held at
module level in chalicelib (`module_patterns`) and every one written in a function's body
(`inline_patterns`, read from the source) is tried on every family, in the costliest way a
pattern is used (all its matches, from every position). One is left out only with its
reason, below; `make bench` prints the times for whole mails.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chalicelib.domain import text
from chalicelib.domain.extraction import age, departements, extract_request, place
from chalicelib.domain.extraction.departements import _named
from chalicelib.domain.extraction.reading import _left
from chalicelib.domain.inbound_mail import html_to_text
from chalicelib.domain.text import redact_contacts
from chalicelib.web.console import COOKIE, read_cookie
from chalicelib.web.parsing import MAX_DIRECTORY_BYTES, BodyRefused, parse_form, parse_json
from tests.adversarial import (
    FAMILIES,
    LADDER,
    LARGE,
    MAX_GROWTH,
    SMALL,
    adversarial,
    climb,
    corpus_text,
    families_for,
    finds_all,
    growth,
    inline_patterns,
    intake,
    mail,
    module_patterns,
    parse,
    texts,
)

PATTERNS = module_patterns()
INLINE = inline_patterns()

# Patterns that only ever read a window of at most that many characters, whatever the
# text's length: tried on every family at that length and at half of it, so that work
# growing with the window's square passes and backtracking that tries every way to cut a
# run (exponential) fails.
WINDOWED: dict[str, tuple[int, str]] = {
    "chalicelib.domain.extraction.place._NAME_BEFORE_CODE": (
        60,
        "a commune's name ending the 60 characters before a postal code (place._city_next_to): from "
        "every capital of a run of names it reads to the end of the window, so its time grows with the "
        "window's square, never with the text's",
    ),
}

# Patterns written in a function from its own variables, which the test cannot compile.
BUILT_IN_A_FUNCTION: dict[str, str] = {
    "chalicelib.domain.extraction.reading._rx": "compiles the extraction patterns held at module level, "
    "each tried there",
    "chalicelib.domain.text.LocalPartFirst.__init__": "the two patterns of each LocalPartFirst, tried as the "
    "LocalPartFirst objects text.py holds",
    "chalicelib.domain.extraction.departements._named": "the département names of the territory file: "
    "tried below (test_the_departement_names_pattern...)",
    "chalicelib.domain.inbound_mail.parser._Parser._precheck": "counts the delimiter lines of the boundaries a "
    "message declares: literal alternatives, then "
    "[ \\t]* and a lookahead; run by the multipart "
    "mail below",
}


def _too_slow(pattern: object) -> list[str]:
    out = []
    for family, unit in families_for(pattern).items():
        step, ratio = climb(finds_all(pattern), texts(pattern, unit, LADDER))
        if ratio > MAX_GROWTH:
            out.append(f"{family}: x{ratio:.0f} from {LADDER[step - 1]:,} to {LADDER[step]:,} characters")
    return out


# -- patterns ---------------------------------------------------------------------------------


def test_every_kind_of_pattern_is_found():
    """The discovery sees patterns held in names, lists of tuples, dicts, and objects used
    as patterns, and those written inside functions."""
    for name in (
        "chalicelib.domain.text.EMAIL_IN_TEXT",
        "chalicelib.domain.text._EMAIL_SPELLINGS[3]",
        "chalicelib.domain.extraction.need._NEED_PATTERNS[0][0]",
        "chalicelib.domain.inbound_mail.headers._PARAM['filename']",
        "chalicelib.domain.inbound_mail.parser._BOUNDARY_DECL",
    ):
        assert name in PATTERNS
    assert {
        "chalicelib.domain.extraction.place._name_words",
        "chalicelib.domain.inbound_mail.html_text.html_to_text",
        "chalicelib.domain.phone.phone_value",
    } <= {f"{i.module}.{i.function}" for i in INLINE}


def test_every_pattern_left_out_is_still_there():
    assert set(WINDOWED) <= set(PATTERNS)
    built = {f"{i.module}.{i.function}" for i in INLINE if i.pattern is None}
    assert built == set(BUILT_IN_A_FUNCTION), "a pattern built in a function needs its reason here"


@pytest.mark.parametrize("name", sorted(set(PATTERNS) - set(WINDOWED)))
def test_each_pattern_takes_linear_time(name):
    slow = _too_slow(PATTERNS[name])
    assert not slow, f"{PATTERNS[name].pattern!r} grows faster than the text on: {slow}"


@pytest.mark.parametrize("inline", [i for i in INLINE if i.pattern is not None], ids=lambda i: i.name)
def test_each_pattern_written_in_a_function_takes_linear_time(inline):
    slow = _too_slow(inline.pattern)
    assert not slow, f"{inline.source!r} grows faster than the text on: {slow}"


def test_the_departement_names_pattern_takes_linear_time():
    pattern, _ = _named()
    slow = _too_slow(pattern)
    assert not slow, slow


@pytest.mark.parametrize("name", sorted(WINDOWED))
def test_a_pattern_that_reads_a_window_takes_no_runaway_time_in_it(name):
    pattern, (window, _) = PATTERNS[name], WINDOWED[name]
    slow = []
    for family, unit in families_for(pattern).items():
        small, large = texts(pattern, unit, (window // 2, window))
        ratio = growth(finds_all(pattern), small, large)
        if ratio > MAX_GROWTH:
            slow.append(f"{family}: x{ratio:.0f}")
    assert not slow, slow


# -- whole functions --------------------------------------------------------------------------

# The texts of the fr corpus' mails, one after another: what intake reads, many times over.
CORPUS = corpus_text()
# Whole functions take 10 to 20 times longer than one pattern: the shapes of the issue,
# digit runs, and the structures their own loops walk over (a mail's lines, quotes, tags,
# encoded words, words, letter-spaced text, backslashes and quotes, dense finds), each
# pattern having met every family.
FUNCTION_FAMILIES = {
    name: FAMILIES[name]
    for name in (
        "letters, no @",
        "@ repeated",
        "a@ repeated",
        "A- repeated",
        "digits",
        "1 repeated",
        "1/ repeated",
        "0 6 repeated",
        "newlines",
        "letter-spaced",
        "<a repeated",
        "=?a?b? repeated",
        "> a lines",
        "a sentence with contacts",
        "signature delimiters",
        "sign-offs",
        "header blocks",
        "attributions",
        "forward separators",
        "backslashes",
        "ages",
        "addresses",
        "phone numbers",
        "postal codes",
        "needs",
    )
} | {"the fr corpus": CORPUS}


def multipart(text: str) -> bytes:
    """A multipart mail whose text part is `text`, with more "--" lines than it has parts."""
    return (
        'From: Sophie Lemaire <sophie@ac-lille.fr>\r\nSubject: Demande\r\nContent-Type: multipart/mixed; boundary="b"'
        f"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n" + "--\r\n" * 300 + "--b--\r\n"
    ).encode("utf-8", "surrogateescape")


def headers_made_of(text: str) -> bytes:
    folded = text.replace("\r", "").replace("\n", "\r\n ")
    return (
        f"From: {folded} <sophie@ac-lille.fr>\r\nReply-To: {folded}\r\nSubject: {folded}\r\n"
        f"References: {folded}\r\nIn-Reply-To: {folded}\r\nMessage-ID: {folded}\r\n"
        f"Content-Type: text/plain; charset=utf-8; name={folded}\r\n\r\nBonjour"
    ).encode("utf-8", "surrogateescape")


FUNCTIONS = {
    "redact_contacts": redact_contacts,
    "extract_request": lambda text: extract_request("", text),
    "a plain body, parsed and read": lambda text: intake(mail(text)),
    "html_to_text": html_to_text,
    # The same reading after parsing: parsing itself, of a reply (quotes), an HTML reply,
    # a format=flowed body (its soft line breaks joined) and headers.
    "a reply, parsed": lambda text: parse(mail(text, subject="RE: Demande de mentorat")),
    "an HTML reply, parsed": lambda text: parse(mail(text, "text/html", "RE: Demande de mentorat")),
    "a flowed body, parsed": lambda text: parse(mail(text, "text/plain; format=flowed; delsp=yes")),
    "a multipart mail, parsed": lambda text: parse(multipart(text)),
    "headers, parsed": lambda text: parse(headers_made_of(text)),
    # A Cookie header, as the console reads it at every request (its value quoted: a
    # backslash in a quoted value is what the standard library reads slowly).
    "the console's cookie": lambda text: read_cookie({"cookie": f'{COOKIE}="{text}"; other={text}'}),
    # Bodies of the API and of the forms, up to the directory's 1 MiB: as they come, and
    # as the value of a field.
    "a JSON body": lambda text: read_bodies(parse_json, text.encode(), json.dumps({"message": text}).encode()),
    "a form body": lambda text: read_bodies(parse_form, text.encode(), urlencode({"message": text}).encode()),
}


def read_bodies(read, *bodies: bytes) -> None:
    for body in bodies:
        try:
            read(body, MAX_DIRECTORY_BYTES)
        except BodyRefused:
            pass


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_over_what_a_stranger_sends_takes_linear_time(function):
    work = FUNCTIONS[function]
    work(adversarial(CORPUS, SMALL))  # first use: imports and tables load once, outside the figures
    slow = []
    for family, unit in FUNCTION_FAMILIES.items():
        ratio = growth(work, adversarial(unit, SMALL), adversarial(unit, LARGE))
        if ratio > MAX_GROWTH:
            slow.append(f"{family}: x{ratio:.0f}")
    assert not slow, f"{function} grows faster than the text on: {slow}"


# -- The patterns rewritten to take linear time (tests/unit/test_linear_time.py) find exactly what
# the plain ones found: same matches, same spans, on texts drawn from the characters and words they
# read. The plain patterns are kept here as the oracle; they are quadratic (or exponential) only on
# long texts, and these are short.


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
