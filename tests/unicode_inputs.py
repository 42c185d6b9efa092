"""Inputs from the whole of Unicode, and crafted ones, for every numeric, code and URL
field: what schemathesis's generators and the suite's own never draw.

Python reads digits widely ("²".isdigit() is True, int("١٥") is 15), and urlsplit drops
line breaks before reading a URL's origin: each was a 500 at a real door. The strategies
here draw by Unicode category (hypothesis `characters(categories=...)`), so they cover
scripts nobody listed, plus the few characters known to have broken something. They are
shared by the tests of every door (tests/unit/web/test_unicode_doors.py, the contract
tests of page cursors, the API's answers): one definition of "hostile", many doors.
"""

from __future__ import annotations

import base64
import json

from hypothesis import strategies as st

ASCII_DIGITS = "0123456789"

# The cases people actually meet, named so that a failure reads clearly: a superscript
# (the "²" key of French keyboards), Arabic-Indic and Devanagari digits (phone keyboards
# in those locales), full-width digits (Japanese and Chinese input methods), superscripts.
KNOWN_OTHER_NUMBERS = ("²", "١٥", "１５", "¹⁵", "१५", "۱۵", "๑๕", "½", "①", "Ⅻ", "𝟏𝟓")


def other_digits() -> st.SearchStrategy[str]:
    """One decimal digit of another script (category Nd, 0-9 left out): "١", "१", "１"..."""
    return st.characters(categories=("Nd",), exclude_characters=ASCII_DIGITS)


def other_numerals() -> st.SearchStrategy[str]:
    """One numeral that is no decimal digit: superscripts and subscripts, fractions,
    circled numbers (No), Roman and other letter numerals (Nl)."""
    return st.characters(categories=("No", "Nl"))


def fullwidth_forms() -> st.SearchStrategy[str]:
    """One full-width form (U+FF01-U+FF5E): "１", "Ａ", "－", "：", "／"..."""
    return st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)


def separators() -> st.SearchStrategy[str]:
    """Line and paragraph separators (U+2028, U+2029: Zl, Zp) and the other spaces (Zs:
    no-break, narrow no-break, ideographic...)."""
    return st.one_of(st.sampled_from(["\u2028", "\u2029"]), st.characters(categories=("Zl", "Zp", "Zs")))


def invisibles() -> st.SearchStrategy[str]:
    """Invisible format characters (Cf): zero-width space and joiners, byte order mark,
    soft hyphen, bidirectional overrides..."""
    return st.characters(categories=("Cf",))


def controls() -> st.SearchStrategy[str]:
    """CR, LF, NUL, NEL and the other control characters (Cc)."""
    return st.one_of(st.sampled_from(["\r", "\n", "\x00", "\x85"]), st.characters(categories=("Cc",)))


def foreign_characters() -> st.SearchStrategy[str]:
    """One of the above: never an ASCII digit, never printable ASCII."""
    return st.one_of(other_digits(), other_numerals(), fullwidth_forms(), separators(), invisibles(), controls())


def with_foreign(text: str) -> st.SearchStrategy[str]:
    """`text` with one to three foreign characters (or a CR LF pair) put anywhere in it."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        out = text
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(out)))
            out = out[:at] + draw(st.one_of(foreign_characters(), st.just("\r\n"))) + out[at:]
        return out

    return build()


def numbers_in_other_digits(max_size: int = 3) -> st.SearchStrategy[str]:
    """A number written with other digits or numerals only ("١٥", "¹⁵", "１５")."""
    return st.one_of(
        st.sampled_from(KNOWN_OTHER_NUMBERS),
        st.text(
            st.one_of(other_digits(), other_numerals(), st.sampled_from("０１２３４５６７８９")),
            min_size=1,
            max_size=max_size,
        ),
    )


def numeric_texts(valid: st.SearchStrategy[int], max_size: int = 4) -> st.SearchStrategy[str]:
    """What a numeric field may receive: a valid number in ASCII digits (the oracle's "yes"),
    the same number with foreign characters in it, a number in other digits, ASCII digits
    mixed with others, or anything at all."""
    return st.one_of(
        valid.map(str),
        valid.map(str).flatmap(with_foreign),
        numbers_in_other_digits(max_size),
        st.text(st.one_of(st.sampled_from(ASCII_DIGITS), foreign_characters()), min_size=1, max_size=max_size),
        st.text(max_size=max_size),
    )


def code_texts(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """What a code field (postal code, INSEE code) may receive: a valid code, the same
    with foreign characters in it, or written in other digits."""
    return st.one_of(
        valid,
        valid.flatmap(with_foreign),
        valid.map(lambda code: "".join(chr(0xFF10 + int(c)) if c in ASCII_DIGITS else c for c in code)),
        numbers_in_other_digits(5),
    )


def urls_with_foreign(url: str) -> st.SearchStrategy[str]:
    """`url` with CR, LF, separators, invisible or other foreign characters in it."""
    return with_foreign(url)


def b64(text: str | bytes) -> str:
    return base64.urlsafe_b64encode(text.encode() if isinstance(text, str) else text).decode()


# Page cursors nobody was given: not base64, base64 of JSON that is no key of ours
# (DynamoDB's own key shape too, which a store once decoded and handed to DynamoDB), of
# JSON of the wrong types, of a sort key of another shape, of bytes that are no text,
# other scripts' digits, and a huge one.
CRAFTED_CURSORS = (
    "not-a-cursor",
    "abc",
    "²",
    "１５",
    "A" * 5000,
    b64("{}"),
    b64("[1, 2]"),
    b64('"x"'),
    b64("123"),
    b64("null"),
    b64('{"pk": {"S": "REQ#x"}, "sk": {"S": "META"}, "feed_pk": {"S": "REQUESTS"}, "list_sk": {"S": "x"}}'),
    b64('{"pk": {"N": "1"}, "sk": {"BOOL": true}}'),
    b64("2026-13-45T99:99:99.000000Z#" + "z" * 200),
    b64("2026-11-24T09:00:00.000000Z#id\nwith\nbreaks"),
    b64(b"\xff\xfe"),
    b64("2026-11-24T09:00:00.000000Z#" + "é"),
)


def cursors() -> st.SearchStrategy[str]:
    """A cursor as anyone may write one in a URL: the crafted ones, any text, and base64
    of any text or JSON."""
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )
    return st.one_of(
        st.sampled_from(CRAFTED_CURSORS),
        st.text(min_size=1, max_size=60),
        st.text(min_size=1, max_size=60).map(b64),
        json_values.map(lambda v: b64(json.dumps(v))),
    )
