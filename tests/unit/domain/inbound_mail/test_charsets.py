"""Bytes to text as mail labels them (inbound_mail/charsets.py): the declared charset,
its real-world supersets, labels that are not mail charsets, and the fallbacks."""

from __future__ import annotations

import pytest

from chalicelib.domain.inbound_mail.charsets import _decode_bytes, _unescape_8bit


def test_nothing_decodes_to_nothing():
    assert _decode_bytes(b"", "utf-8") == "" and _decode_bytes(b"", None) == ""


@pytest.mark.parametrize(
    "label",
    ["iso-8859-15", "ISO-8859-15", '"iso-8859-15"', "'iso-8859-15'", " iso-8859-15 ", "<iso-8859-15>", "iso-8859-15;"],
)
def test_a_label_is_read_whatever_its_case_quotes_or_stray_signs(label):
    assert _decode_bytes(b"10 \xa4", label) == "10 €"


def test_small_labels_are_read_as_the_supersets_their_senders_really_use():
    assert _decode_bytes("①".encode("cp932"), "shift_jis") == "①"
    assert _decode_bytes("镕".encode("gbk"), "gb2312") == "镕"


@pytest.mark.parametrize("label", ["unicode_escape", "raw_unicode_escape", "punycode", "idna", "hex", "rot13"])
def test_python_only_codecs_are_not_mail_charsets(label):
    assert _decode_bytes(b"C:\\new\\u00e9 bonjour-", label) == "C:\\new\\u00e9 bonjour-"


def test_a_charset_that_cannot_decode_everything_keeps_what_it_can():
    assert _decode_bytes(b"\xe1\xd2\xe2", "iso-8859-7") == "α\ufffdβ"


def test_bytes_without_any_meaning_become_replacement_characters():
    assert _decode_bytes(b"\x81caf\xe9", None) == "\ufffdcafé"
    assert _decode_bytes(b"\x81caf\xe9", "iso-8859-1") == "\ufffdcafé"


@pytest.mark.parametrize(
    "data, text",
    [
        (b"ab" + "😀".encode()[:3], "ab"),
        (b"ab" + "😀".encode()[:2], "ab"),
        ("àb".encode() + "é".encode()[:1], "àb"),
    ],
)
def test_a_utf8_sequence_cut_at_the_very_end_is_dropped(data, text):
    assert _decode_bytes(data, None) == text
    assert _decode_bytes(data, "utf-8") == text


def test_one_8bit_letter_ending_plain_ascii_is_windows_1252_not_utf8_cut_short():
    assert _decode_bytes(b"Jos\xe9", None) == "José"
    assert _decode_bytes(b"Caf\xe9", "utf-8") == "Café"
    assert _unescape_8bit("Jos\udce9") == "José"


def test_a_broken_sequence_before_the_end_is_not_utf8():
    assert _decode_bytes(b"ab\xf0\x9f\x98xyz", None) == "abð\u0178\u02dcxyz"


def test_header_text_from_the_bytes_parser_is_unescaped():
    raw = "café".encode().decode("ascii", "surrogateescape")
    assert _unescape_8bit(raw) == "café"
    assert _unescape_8bit("caf\udce9 noir") == "café noir"  # latin-1 byte: windows-1252
    assert _unescape_8bit("a\ud800b") == "a?b"  # a lone surrogate no byte stands for
    assert _unescape_8bit("") == "" and _unescape_8bit("plain") == "plain"


@pytest.mark.parametrize("label", ["x-unknown-charset", "utf-8", None])
def test_undecodable_bytes_under_an_unknown_or_utf8_label_are_windows_1252_with_replacements(label):
    assert _decode_bytes(b"\x81caf\xe9 au lait", label) == "\ufffdcafé au lait"
