"""Automatic mail (bounces, auto-replies, lists, bulk): RFC 3834 and the de facto signals."""

from __future__ import annotations

import re

from .body import _FWD_SUBJECT, _REPLY_SUBJECT
from .charsets import _unescape_8bit
from .headers import _Headers, _unfold

_ROBOT_LOCALPART = re.compile(
    r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|post[-_.]?master|mail[-_.]?delivery[-_.]?(?:system|subsystem)?)$"
)
_NOREPLY_LOCALPART = re.compile(
    r"(?:^|[._+-])(?:no[-_.]?reply|no[-_.]?response|do[-_.]?not[-_.]?reply|dont[-_.]?reply"
    r"|ne[-_.]?pas[-_.]?repondre|nepasrepondre|noreponse|no[-_.]?reponse)(?:[._+-]|$)"
)
# Anchored at the start of the subject: a human's "TR: Réponse automatique..." is human.
_AUTO_SUBJECT = re.compile(
    r"^(?:auto\s*:|auto[-\s]?reply\b|autoreply\b|auto[-\s]?response\b|automatic\s+(?:reply|response)\b"
    r"|r[ée]ponse\s+automatique\b|r[ée]ponse\s+auto\s*:|out\s+of\s+(?:the\s+)?office\b|absence\s+du\s+bureau\b"
    r"|absente?\s+du\s+bureau\b|message\s+d['’]absence\b|abwesenheitsnotiz\b|automatische\s+antwort\b"
    r"|respuesta\s+autom[áa]tica\b|risposta\s+automatica\b|vacation\s+(?:reply|message|notice)\b|on\s+vacation\b"
    r"|delivery\s+status\s+notification\b|delivery\s+(?:failure|notification|report|problem)\b|undeliverable\b"
    r"|undelivered\s+mail\b|undelivered\s+message\b|undeliverable\s+mail\b|mail\s+delivery\s+(?:failed|failure|problem|system)\b"
    r"|returned\s+mail\b|returned\s+to\s+sender\b|failure\s+notice\b|delivery\s+has\s+failed\b"
    r"|message\s+(?:delivery\s+)?(?:not\s+delivered|undeliverable|could\s+not\s+be\s+delivered|blocked|rejected)\b"
    r"|non[-\s]?remis\b|non\s+distribu[ée]\b|non\s+distribuable\b|message\s+non\s+(?:remis|distribu[ée]|d[ée]livr[ée])\b"
    r"|notification\s+d['’][ée]tat\s+de\s+(?:remise|distribution)\b|[ée]chec\s+de\s+(?:la\s+)?(?:remise|distribution)\b"
    r"|unzustellbar\b|nicht\s+zustellbar\b|warning:\s+could\s+not\s+send\b|warning:\s+message\b.{0,40}\bdelayed\b"
    r"|delayed\s+mail\b|mail\s+could\s+not\s+be\s+delivered\b|could\s+not\s+send\s+message\b|email\s+bounce\b"
    r"|bounce(?:d)?\s+(?:mail|message|notification)\b|mail\s+system\s+error\b|rejected\s*:|mail\s+rejected\b"
    r"|delivery\s+status\b|read\s*:|lu\s*:|non\s+lu\s*:|gelesen\s*:|return\s+receipt\b|accus[ée]\s+de\s+(?:lecture|r[ée]ception)\b"
    r"|disposition\s+notification\b|\[?spam\s+report\b|abuse\s+report\b|email\s+feedback\s+report\b"
    r"|complaint\s+about\s+message\s+from\b)",
    re.IGNORECASE,
)
_REPORT_TYPES = {
    "message/delivery-status": "delivery-status report",
    "message/global-delivery-status": "delivery-status report",
    "message/disposition-notification": "disposition-notification report",
    "message/global-disposition-notification": "disposition-notification report",
    "message/feedback-report": "feedback report",
}
_AUTORESPONDER_HEADERS = (
    ("x-autoreply", "x-autoreply"),
    ("x-autorespond", "x-autorespond"),
    ("x-autoresponder", "x-autoresponder"),
    ("x-autoreply-from", "x-autoreply"),
    ("x-mail-autoreply", "x-autoreply"),
    ("x-failed-recipients", "x-failed-recipients (bounce)"),
    ("x-ms-exchange-message-is-ndr", "exchange non-delivery report"),
    ("x-amazon-ses-bounce", "ses bounce"),
)
# RFC 2369/2919 and the older list managers' own (ezmlm, fml, Sympa...): mailing-list mail.
_LIST_HEADERS = (
    "list-id",
    "list-unsubscribe",
    "list-subscribe",
    "list-post",
    "list-help",
    "list-owner",
    "list-archive",
    "mailing-list",
    "x-mailing-list",
    "x-ml-name",
    "x-mlserver",
)
_FALSE = {"no", "false", "0", "off", "none"}
_MAILER_VACATION = re.compile(r"\b(?:vacation|autorespond|auto[-\s]?reply|autoresponder|out[-\s]of[-\s]office)\b", re.I)


def _first_token(value: str) -> str:
    return value.split(";", 1)[0].split("(", 1)[0].strip().strip("\"'").lower()


def _localpart(addr: str) -> str:
    addr = addr.strip().strip("<>").strip().lower()
    return addr.rpartition("@")[0] if "@" in addr else addr


def _classify(
    h: _Headers,
    envelope_sender: str | None,
    unixfrom: str | None,
    from_localparts: list[str],
    subject: str,
    report: str | None,
    from_name: str,
    empty_from: bool = False,
) -> str | None:
    """Why this message is automatic (no request, no answer), None for a human."""
    if envelope_sender is not None:
        env = str(envelope_sender).strip()
        if env in ("", "<>"):
            return "empty envelope sender"
        env_local = _localpart(env)
        if _ROBOT_LOCALPART.match(env_local):
            return "mailer-daemon envelope sender"
    explicit_human = False
    for value in h.all("auto-submitted"):
        token = _first_token(_unescape_8bit(_unfold(value)))
        if token == "no":
            explicit_human = True
        elif token:
            return f"auto-submitted: {token[:40]}"
    for header, reason in _AUTORESPONDER_HEADERS:
        for value in h.all(header):
            token = _first_token(_unescape_8bit(_unfold(value)))
            if header in ("x-autoreply", "x-autorespond", "x-autoresponder") or token:
                if token not in _FALSE:
                    return reason
    for value in h.all("x-autogenerated") + h.all("x-auto-generated"):
        if _first_token(_unescape_8bit(_unfold(value))) == "reply":
            return "x-autogenerated: reply"
    for value in h.all("precedence"):
        token = _first_token(_unescape_8bit(_unfold(value)))
        if token in ("bulk", "junk", "list", "auto_reply", "auto-reply", "autoreply"):
            return f"precedence: {token}"
    for header in _LIST_HEADERS:
        if h.raw(header) is not None:
            return header
    if report:
        return report
    for local in from_localparts:
        if _ROBOT_LOCALPART.match(local):
            return "postmaster sender" if "master" in local else "mailer-daemon sender"
    for value in h.all("return-path"):
        path = _unescape_8bit(_unfold(value)).strip()
        if path in ("<>", "< >", ""):
            return "empty envelope sender (return-path)"
        if _ROBOT_LOCALPART.match(_localpart(path)):
            return "mailer-daemon envelope sender (return-path)"
    if unixfrom:
        parts = unixfrom.split()
        if len(parts) >= 2:
            env = parts[1]
            if env in ("<>", "MAILER-DAEMON") or _ROBOT_LOCALPART.match(_localpart(env)):
                return "mailer-daemon envelope sender (mbox)"
    for local in from_localparts:
        if _NOREPLY_LOCALPART.search(local):
            return "no-reply sender"
    if explicit_human:
        return None  # the sender said so; no weaker signal overrides it
    for header in ("x-mailer", "user-agent"):
        mailer = h.text(header)
        if mailer and _MAILER_VACATION.search(mailer[:300]):
            return f"{header}: {mailer[:40].lower()}"
    if subject and _AUTO_SUBJECT.match(subject[:300]):
        return f"subject: {subject[:40]}"
    name = "-".join(from_name.lower().split())
    if _ROBOT_LOCALPART.match(name) or name.startswith(("mail-administrator", "mail-system")):
        return "mailer-daemon sender"
    if empty_from:
        return "empty from address"
    return None


def _forwarded_robot(subject: str, own_text: str) -> str | None:
    """A robot's message forwarded with no word of the sender's own is not a request.

    People forward bounces and out-of-office notices to whoever might care; with nothing
    added, there is nobody to help and an acknowledgement would only add noise.
    """
    stripped = subject
    while True:
        match = _FWD_SUBJECT.match(stripped) or _REPLY_SUBJECT.match(stripped)
        if not match:
            break
        stripped = stripped[match.end() :].lstrip()
    if stripped is subject or not _AUTO_SUBJECT.match(stripped[:300]):
        return None
    if len(re.findall(r"\w+", own_text)) > 3:  # more than "Forward the message."
        return None  # the sender wrote something of their own: a person to answer
    return f"forwarded automatic mail: {stripped[:40]}"
