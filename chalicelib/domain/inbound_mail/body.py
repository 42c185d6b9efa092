"""A message's text split into the sender's own words, quoted replies, forwarded
messages and the signature."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .html_text import _MANY_BLANKS
from .model import LONG_LINE

_FWD_SEPARATOR = re.compile(
    r"^[-=_*\s]{0,40}(?:message\s+transf[ée]r[ée]|forwarded\s+message|message\s+r[ée]exp[ée]di[ée]"
    r"|mensaje\s+reenviado|weitergeleitete\s+nachricht|messaggio\s+inoltrato|mail\s+transf[ée]r[ée])"
    r"\s*:?[-=_*\s]{0,40}$"
    r"|^(?:begin\s+forwarded\s+message|d[ée]but\s+du\s+message\s+r[ée]exp[ée]di[ée]|message\s+transf[ée]r[ée])\s*:?\s*$",
    re.IGNORECASE,
)
_ORIG_SEPARATOR = re.compile(
    r"^[-=_*\s]{2,40}(?:original\s+message|message\s+d['’]origine|message\s+original|courriel\s+original"
    r"|ursprüngliche\s+nachricht|mensaje\s+original|messaggio\s+originale)[-=_*\s]{0,40}$",
    re.IGNORECASE,
)
_HDR_FROM = re.compile(r"^\*?\s*(?:de|from|von|da|exp[ée]diteur)\s*\*?\s*:", re.IGNORECASE)
_HDR_SENT = re.compile(r"^\*?\s*(?:envoy[ée]|sent|date|gesendet|enviado|inviato)(?:\s+le)?\s*\*?\s*:", re.IGNORECASE)
_HDR_TO_SUBJ = re.compile(
    r"^\*?\s*(?:[àa]|to|pour|objet|subject|cc|betreff|an|para|asunto|oggetto)\s*\*?\s*:", re.IGNORECASE
)
_UNDERSCORES = re.compile(r"^[_\-=]{8,}\s*$")
_ATTRIBUTION_START = re.compile(r"^(?:le|on|am|el|il|em)\s", re.IGNORECASE)
_ATTRIBUTION = re.compile(r"(?:a\s+[ée]crit|wrote|schrieb|escribi[óo]|ha\s+scritto|escreveu)\s*:?\s*$", re.IGNORECASE)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|r[ée]f?|aw|sv|antw|rif|res)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
_FWD_SUBJECT = re.compile(r"^\s*(?:tr|fw|fwd|wg|rv|enc)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)

_SIGN_OFF = re.compile(
    r"^(?:(?:(?:bien|tr[eè]s|trés|tres|biens)\s+)?(?:cordialement|sinc[eè]rement|amicalement|respectueusement|cdlt|cdt)"
    r"|bien\s+[àa]\s+(?:vous|toi)|b[àa]v"
    r"|(?:mes\s+|nos\s+)?sinc[eè]res\s+salutations|(?:meilleures\s+|mes\s+|nos\s+)?salutations(?:\s+distingu[ée]es|\s+cordiales|\s+respectueuses)?"
    r"|(?:tr[eè]s\s+)?bonne\s+(?:journ[ée]e|soir[ée]e|fin\s+de\s+journ[ée]e|fin\s+de\s+semaine|semaine|continuation|r[ée]ception)"
    r"|avec\s+(?:mes|nos)\s+(?:remerciements|salutations|sinc[eè]res\s+salutations|meilleures\s+salutations)"
    r"|en\s+vous\s+remerciant|dans\s+l['’]attente\s+de\s+(?:votre|vous)\s+(?:lire|r[ée]ponse|retour)"
    r"|(?:best|kind|warm|warmest)\s+(?:regards|wishes)|regards|sincerely|yours\s+(?:sincerely|truly)|cheers"
    r"|mit\s+freundlichen\s+gr[üu](?:ß|ss)en|saludos|cordiali\s+saluti)"
    r"(?![\w])",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^(?:envoy[ée]\s+(?:de|depuis)\s+(?:mon|ma|l['’]|un)|sent\s+from\s+(?:my|mail|outlook)|get\s+outlook\s+for"
    r"|t[ée]l[ée]chargez\s+outlook|obtenir\s+outlook|envoy[ée]\s+avec)",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(?:bonjour|bonsoir|madame|monsieur|mesdames|messieurs|hello|hi|salut|ch[eè]re?s?|dear)\b.{0,60}$", re.IGNORECASE
)
_TEAM_LINE = re.compile(
    r"^(?:l['’][ée]quipe|le\s+service|la\s+direction|le\s+secr[ée]tariat|le\s+p[ôo]le)\b", re.IGNORECASE
)
_NAME_TOKEN = re.compile(r"[^\W\d_]{2,}")


def _is_quote(line: str) -> bool:
    return line.lstrip(" \t")[:1] == ">"


def _header_block(lines: list[str], i: int) -> bool:
    """An Outlook-style header block starts at line i: De/From, then Envoyé/Date, À/Objet."""
    if len(lines[i]) > LONG_LINE or not _HDR_FROM.match(lines[i].strip()):
        return False
    sent = to_subject = False
    for line in lines[i + 1 : i + 8]:
        s = line.strip()
        if len(s) > LONG_LINE:
            break
        sent = sent or bool(_HDR_SENT.match(s))
        to_subject = to_subject or bool(_HDR_TO_SUBJ.match(s))
        if sent and to_subject:
            return True
    return False


def _attribution_span(lines: list[str], i: int) -> int:
    """Number of lines (1-3) of a 'Le ... a écrit :' / 'On ... wrote:' line at i, else 0."""
    first = lines[i].strip()
    if not first or len(first) > LONG_LINE:
        return 0
    if _ATTRIBUTION.search(first) and (_ATTRIBUTION_START.match(first) or _next_is_quote(lines, i + 1)):
        return 1
    if not _ATTRIBUTION_START.match(first):
        return 0
    joined = first
    for k in (1, 2):
        if i + k >= len(lines):
            break
        nxt = lines[i + k].strip()
        if not nxt or len(nxt) > LONG_LINE or _is_quote(nxt):
            break
        joined += " " + nxt
        if _ATTRIBUTION.search(joined):
            return k + 1
    return 0


def _next_is_quote(lines: list[str], j: int) -> bool:
    for line in lines[j : j + 3]:
        if line.strip():
            return _is_quote(line)
    return False


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft line breaks (a line ending with a space)."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        if line == "-- ":
            if buffer:
                out.append(buffer)
                buffer = ""
            out.append(line)
            continue
        if line.endswith(" "):
            buffer += line[:-1] if delsp else line
        else:
            out.append(buffer + line)
            buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _join(lines: Iterable[str]) -> str:
    text = "\n".join(line.rstrip() for line in lines)
    return _MANY_BLANKS.sub("\n\n", text).strip("\n").strip()


def _split_body(text: str, subject: str, from_name: str) -> tuple[str, str, str, str]:
    """(own_text, quoted_text, forwarded_text, signature) of a message's main text."""
    lines = text.split("\n")
    reply = bool(_REPLY_SUBJECT.match(subject)) and not _FWD_SUBJECT.match(subject)
    own: list[str] = []
    quoted: list[str] = []
    forwarded: list[str] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if _is_quote(line):
            quoted.append(line)
            i += 1
            continue
        if not stripped or len(stripped) > LONG_LINE:
            own.append(line)
            i += 1
            continue
        if _FWD_SEPARATOR.match(stripped):
            forwarded.extend(lines[i + 1 :])
            break
        if _ORIG_SEPARATOR.match(stripped):
            (quoted.extend(lines[i:]) if reply else forwarded.extend(lines[i + 1 :]))
            break
        start = i
        if _UNDERSCORES.match(stripped) and i + 1 < n:
            j = i + 1
            while j < n and j < i + 3 and not lines[j].strip():
                j += 1
            if j < n and _header_block(lines, j):
                start, i = i, j
        if _header_block(lines, i):
            (quoted.extend(lines[start:]) if reply else forwarded.extend(lines[i:]))
            break
        i = start
        span = _attribution_span(lines, i)
        if span:
            quoted.extend(lines[i : i + span])
            if _next_is_quote(lines, i + span):
                i += span
                continue
            quoted.extend(lines[i + span :])
            break
        own.append(line)
        i += 1
    own, signature = _split_signature(own, from_name)
    return _join(own), _join(quoted), _join(forwarded), _join(signature)


def _split_signature(lines: list[str], from_name: str) -> tuple[list[str], list[str]]:
    content = [k for k, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return lines, []
    # 1. The conventional delimiter "-- " (or "--" once mail clients strip the space).
    #    (Lines with words after it are counted, not listed: a list per "--" line was
    #    quadratic on a mail of "--" lines.)
    for idx, k in enumerate(content[1:], start=1):
        if lines[k].rstrip() in ("--", "-- ") or lines[k] == "-- ":
            if len(content) - idx - 1 <= 15:
                return lines[:k], lines[k + 1 :]
    # 2. A sign-off ("Cordialement", "Bien à vous"...) followed by a short block; the
    #    line is the sign-off (and maybe a name), not a sentence that starts like one,
    #    and something more than a greeting stays above it.
    #    (What is above and below a sign-off is counted once, not listed again for each:
    #    quadratic on a mail of sign-off lines.)
    greetings = 0  # content lines, from the first, that are greetings
    while greetings < len(content) and _GREETING.match(lines[content[greetings]].strip()):
        greetings += 1
    for idx, k in enumerate(content[1:], start=1):
        s = lines[k].strip()
        found = _SIGN_OFF.match(s.replace("’", "'")) if len(s) <= 80 else None
        if not found:
            continue
        tail = s[found.end() :].strip(" ,.;:!-–")
        if len(tail.split()) > 4 or tail.endswith("?"):
            continue
        if idx <= greetings:
            continue  # only greetings above it
        if len(content) - idx - 1 <= 10 and all(len(lines[m].strip()) <= 120 for m in content[idx + 1 :]):
            return lines[:k], lines[k:]
    # 3. "Envoyé de mon iPhone" and friends, at the very end.
    for k in content[-3:]:
        if k != content[0] and _MOBILE_SIGNATURE.match(lines[k].strip()):
            return lines[:k], lines[k:]
    # 4. A last paragraph that is a name block: starts with the sender's first name or
    #    "L'équipe ...", a few short lines.
    last_blank = max((k for k in range(len(lines)) if not lines[k].strip() and k < content[-1]), default=-1)
    block = [k for k in content if k > last_blank]
    if last_blank > content[0] and 1 <= len(block) <= 5 and all(len(lines[k].strip()) <= 80 for k in block):
        first = lines[block[0]].strip()
        tokens = _NAME_TOKEN.findall(from_name or "")
        starts_with_name = (
            bool(tokens)
            and first.lower().startswith(tokens[0].lower())
            and len(first.split()) <= 6
            and "?" not in first
        )
        if starts_with_name or _TEAM_LINE.match(first):
            return lines[:last_blank], lines[last_blank + 1 :]
    # 5. The last line is the sender's name.
    last = lines[content[-1]].strip()
    if from_name and len(from_name) >= 3 and last.lower() == from_name.strip().lower():
        return lines[: content[-1]], lines[content[-1] :]
    return lines, []
