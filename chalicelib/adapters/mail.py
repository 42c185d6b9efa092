"""Sending mail: SES (sesv2) in AWS, one `.eml` file per message locally.

Both build the same MIME message (contract section 7): From, To, Subject, Date,
Message-ID, UTF-8 text and HTML parts, Auto-Submitted on automatic mail.
"""

from __future__ import annotations

import os
import tempfile
import threading
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Callable

from ..services.ports import OutgoingMail


def build_mime(mail: OutgoingMail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    # Stored with the outbox item: a retry carries the same Message-ID, so a receiver
    # that already got the first attempt can tell.
    msg["Message-ID"] = mail.message_id
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
        msg["References"] = mail.in_reply_to
    if mail.auto_submitted:
        msg["Auto-Submitted"] = mail.auto_submitted
    msg.set_content(mail.text, charset="utf-8")
    msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    return msg


class EmlOutbox:
    """Local stand-in for SES: writes `<outbox>/<mail id>.eml` atomically."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, mail: OutgoingMail, sender: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data = build_mime(mail, sender).as_bytes()
        # Write then rename: a reader never sees half a message, and a retry of the
        # same mail overwrites the same file rather than adding a second one.
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, self.directory / f"{mail.id}.eml")


class SesSender:
    """SES v2 SendEmail with the raw MIME message; the client is made on first use."""

    def __init__(self, client_factory: Callable[[], Any], configuration_set: str = ""):
        self._client_factory = client_factory
        self._configuration_set = configuration_set
        self._client = None
        self._lock = threading.Lock()

    def send(self, mail: OutgoingMail, sender: str) -> str:
        """Sends; returns SES's MessageId (SES rewrites the Message-ID header we set)."""
        if self._client is None:
            with self._lock:
                self._client = self._client or self._client_factory()
        extra: dict[str, Any] = {}
        if self._configuration_set:
            # Its bounce and complaint events carry the tags: `mail_id` names our outbox
            # mail whatever SES did to the headers.
            extra["ConfigurationSetName"] = self._configuration_set
        answer = self._client.send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": list(mail.to)},
            Content={"Raw": {"Data": build_mime(mail, sender).as_bytes()}},
            EmailTags=[{"Name": "mail_id", "Value": mail.id}],
            **extra,
        )
        return answer["MessageId"]
