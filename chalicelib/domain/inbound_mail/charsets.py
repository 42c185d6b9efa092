"""Bytes to text the way mail programs really label them (MIME decoding, part 1)."""

from __future__ import annotations

import codecs
import re

# What these labels really carry in mail: Outlook and many others send windows-1252
# (€ ’ “ ” œ …) under an ISO-8859-1 or US-ASCII label.
_AS_CP1252 = {
    "iso-8859-1",
    "iso8859-1",
    "iso_8859-1",
    "iso-8859-1:1987",
    "iso_8859-1:1987",
    "latin1",
    "latin-1",
    "latin_1",
    "l1",
    "cp819",
    "ibm819",
    "iso-ir-100",
    "csisolatin1",
    "8859-1",
    "us-ascii",
    "ascii",
    "us",
    "ansi_x3.4-1968",
    "ansi_x3.4-1986",
    "iso646-us",
    "iso-646-us",
    "cp367",
    "ibm367",
    "csascii",
    "windows-1252",
    "cp1252",
    "x-cp1252",
    "cp-1252",
    "win-1252",
    "ansi",
    "default",
    "",
}
# Supersets that decode what the smaller label's senders really produce.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "big5": "big5hkscs",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "iso-8859-9": "cp1254",
    "iso-2022-jp": "iso2022_jp_ext",
}
# Codecs that are text codecs for Python but nonsense (or slow) as a mail charset.
_REFUSED_CODECS = {"punycode", "idna", "unicode_escape", "raw_unicode_escape", "mbcs", "oem"}
_CHARSET_CLEAN = re.compile(r"[^a-z0-9_.:+-]")


def _codec(label: str | None) -> str | None:
    """Python codec for a declared charset; "cp1252" for the latin-1 family; None if unknown."""
    name = _CHARSET_CLEAN.sub("", (label or "").strip().strip("\"'").lower())[:40]
    if name in _AS_CP1252:
        return "cp1252"
    name = _SUPERSETS.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name.replace("-", "_") in _REFUSED_CODECS:
        return None
    return info.name


def _utf8(data: bytes) -> str | None:
    """Strict UTF-8, tolerating a sequence cut at the very end (text capped by bytes)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 3 or exc.reason != "unexpected end of data":
            return None
        cut = exc.start
    if len(data) - cut == 1 and data[:cut].isascii():
        return None  # one 8-bit letter after plain ASCII ("José" in latin-1), not UTF-8 cut short
    try:
        return data[:cut].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_bytes(data: bytes, label: str | None) -> str:
    """Decode faithfully: the declared charset, else UTF-8, else windows-1252 (never fails)."""
    if not data:
        return ""
    codec = _codec(label)
    if codec == "cp1252" or codec == "ascii":
        if data.isascii():
            return data.decode("ascii")
        # 8-bit text under a latin-1/ascii label is, in practice, either UTF-8 sent with
        # a wrong label or windows-1252; valid UTF-8 with non-ASCII is never an accident.
        text = _utf8(data)
        return text if text is not None else data.decode("cp1252", errors="replace")
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
        except Exception:  # noqa: BLE001 - exotic codecs may raise anything
            codec = None
    text = _utf8(data)
    if text is not None:
        return text
    if codec and codec != "utf-8":
        try:
            return data.decode(codec, errors="replace")
        except Exception:  # noqa: BLE001
            pass
    return data.decode("cp1252", errors="replace")


def _unescape_8bit(value: str) -> str:
    """A header or payload string from the bytes parser (surrogate-escaped 8-bit) as text."""
    if not value:
        return ""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8", "replace")
    return _decode_bytes(data, None) if not data.isascii() else value
