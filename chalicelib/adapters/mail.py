"""Sending mail: SES (sesv2) in AWS, one `.eml` file per message locally.

Both send the same MIME message (docs/contract.md §7): From, To, Subject, Date,
Message-ID, UTF-8 text and HTML parts, Auto-Submitted on automatic mail.

Every header value goes through `domain/mail_headers` (parsed, checked, re-serialised by
the email package) and the finished message is parsed back and compared with what was
meant before it leaves: a mail that cannot be written safely raises UnsendableMail,
which the outbox records as a permanent failure.
"""

from __future__ import annotations

import email
import os
import tempfile
import threading
from collections.abc import Callable
from email import policy
from email.headerregistry import Address, HeaderRegistry, MessageIDHeader
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any

from ..domain.mail_headers import (
    AUTO_SUBMITTED,
    UnsendableMail,
    ascii_address,
    body_text,
    clean_msg_id,
    header_text,
    sender_address,
)
from ..services.ports import MailNotSent, MailOutcomeUnknown, OutgoingMail


def _policy() -> policy.EmailPolicy[EmailMessage]:
    # In-Reply-To and References are unstructured text to the default registry: Python
    # decodes encoded-words in them and may refold a long id into encoded-words. As
    # msg-ids they are parsed as such and written back verbatim.
    registry = HeaderRegistry()
    for name in ("in-reply-to", "references"):
        registry.map_to_type(name, MessageIDHeader)  # type: ignore[arg-type]  # a mixin: the registry adds BaseHeader
    return policy.SMTP.clone(header_factory=registry, raise_on_defect=True)


MAIL_POLICY = _policy()


def build_mime(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The message to send, from checked values only; UnsendableMail if it cannot be."""
    recipients = tuple(ascii_address(a, "To") for a in mail.to)
    if not recipients:
        raise UnsendableMail("To: no recipient")
    message_id = clean_msg_id(mail.message_id)
    if message_id is None:
        raise UnsendableMail("Message-ID: invalid")  # ours: a bug, not to be sent without one
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = sender_address(sender)
    msg["To"] = tuple(_address(r) for r in recipients)
    msg["Subject"] = header_text(mail.subject)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    # Stored with the outbox item: a retry carries the same Message-ID, so a receiver
    # that already got the first attempt can tell.
    msg["Message-ID"] = message_id
    if mail.reply_to:
        msg["Reply-To"] = _address(ascii_address(mail.reply_to, "Reply-To"))
    # The mail we answer, when its id is a clean msg-id; anything else is dropped, not copied.
    in_reply_to = clean_msg_id(mail.in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    if mail.auto_submitted:
        msg["Auto-Submitted"] = mail.auto_submitted if mail.auto_submitted in AUTO_SUBMITTED else AUTO_SUBMITTED[0]
    msg.set_content(body_text(mail.text), charset="utf-8")
    msg.add_alternative(body_text(mail.html), subtype="html", charset="utf-8")
    return msg


def _address(spec: str) -> Address:
    local, _, domain = spec.rpartition("@")
    return Address(username=local, domain=domain)


def render_mime(mail: OutgoingMail, sender: str) -> tuple[bytes, tuple[str, ...]]:
    """(the message's bytes, its recipients), checked by parsing the bytes back."""
    try:
        msg = build_mime(mail, sender)
        data = msg.as_bytes()
    except UnsendableMail:
        raise
    except (ValueError, TypeError, UnicodeError, email.errors.MessageError) as exc:
        # The email package refused a value (a defect, a line it cannot fold).
        raise UnsendableMail(f"MIME: {type(exc).__name__}") from None
    recipients = tuple(a.addr_spec for a in msg["To"].addresses)
    _check(data, msg, recipients)
    return data, recipients


def _check(data: bytes, built: EmailMessage, recipients: tuple[str, ...]) -> None:
    """What a receiver will read is exactly what we meant: same headers, same recipients."""
    parsed = email.message_from_bytes(data, policy=policy.default)
    expected = [k.lower() for k in built.keys()]
    if sorted(k.lower() for k in parsed.keys()) != sorted(expected):
        raise UnsendableMail("MIME: headers read back differ")
    for name in expected:
        if getattr(parsed[name], "defects", ()):
            raise UnsendableMail(f"MIME: defect in {name}")
    if tuple(a.addr_spec for a in parsed["To"].addresses) != recipients:
        raise UnsendableMail("MIME: recipients read back differ")
    parts = [p.get_content_type() for p in parsed.iter_parts()] if parsed.is_multipart() else []
    if parsed.get_content_type() != "multipart/alternative" or parts != ["text/plain", "text/html"]:
        raise UnsendableMail("MIME: body structure read back differs")


class EmlOutbox:
    """Local stand-in for SES: writes `<outbox>/<mail id>.eml` atomically."""

    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, mail: OutgoingMail, sender: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        data, _ = render_mime(mail, sender)
        # Write then rename: a reader never sees half a message, and a retry of the
        # same mail overwrites the same file rather than adding a second one.
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, self.path_of(mail.id))

    def path_of(self, mail_id: str) -> Path:
        return self.directory / f"{mail_id}.eml"

    def delivered(self, mail: OutgoingMail) -> bool:
        """The file appears whole or not at all (rename): its presence is the outcome."""
        return self.path_of(mail.id).exists()

    def forget(self, mail_id: str) -> None:
        """Its record was erased: the sent message's file goes (it is the local stack's
        only copy of what the mail said, kept under .local/ until MAIL_RETENTION_DAYS)."""
        self.path_of(mail_id).unlink(missing_ok=True)


class SesSender:
    """SES v2 SendEmail with the raw MIME message; the client is made on first use.

    SES has no idempotent send, so the client must not retry by itself (bootstrap gives
    it one attempt): botocore would resend after a read timeout, when SES may have taken
    the first request. Failures are sorted for the outbox: SES answered an error, or the
    connection was never made -> MailNotSent (retried later); the request may have
    reached SES (read timeout, connection closed mid-way) -> MailOutcomeUnknown.
    """

    def __init__(self, client_factory: Callable[[], Any], configuration_set: str = ""):
        self._client_factory = client_factory
        self._configuration_set = configuration_set
        self._client: Any = None  # a boto3 SES client, made on the first send
        self._lock = threading.Lock()

    def send(self, mail: OutgoingMail, sender: str) -> str:
        """Sends; returns SES's MessageId (SES rewrites the Message-ID header we set)."""
        if self._client is None:
            with self._lock:
                self._client = self._client or self._client_factory()
        data, recipients = render_mime(mail, sender)
        origin = sender_address(sender)
        extra: dict[str, Any] = {}
        if self._configuration_set:
            # Its bounce and complaint events carry the tags: `mail_id` names our outbox
            # mail whatever SES did to the headers.
            extra["ConfigurationSetName"] = self._configuration_set
        from botocore.exceptions import BotoCoreError, ClientError, ConnectionError

        try:
            answer = self._client.send_email(
                # ASCII only (SES): the display name as the encoded-word the message carries.
                FromEmailAddress=formataddr((origin.display_name, origin.addr_spec), "utf-8"),
                Destination={"ToAddresses": list(recipients)},
                Content={"Raw": {"Data": data}},
                EmailTags=[{"Name": "mail_id", "Value": mail.id}],
                **extra,
            )
        except ClientError as exc:  # SES read the request and refused it: nothing was sent
            raise MailNotSent(exc.response.get("Error", {}).get("Code", "ClientError")) from exc
        except ConnectionError as exc:  # no connection (refused, DNS, connect timeout, TLS handshake)
            raise MailNotSent(type(exc).__name__) from exc
        except BotoCoreError as exc:
            # HTTPClientError and its kin (ReadTimeoutError, ConnectionClosedError): the
            # request may have reached SES. Anything else botocore raises comes before the
            # request is made (credentials, parameters).
            from botocore.exceptions import HTTPClientError

            if isinstance(exc, HTTPClientError):
                raise MailOutcomeUnknown(type(exc).__name__) from exc
            raise MailNotSent(type(exc).__name__) from exc
        return answer["MessageId"]

    def delivered(self, mail: OutgoingMail) -> None:
        """SES cannot tell whether it took a message whose answer was lost."""
        return None

    def forget(self, mail_id: str) -> None:
        """SES keeps no copy of a message once delivered: nothing to erase here."""
