"""The local SMTP ingress: stands in for SES receiving (docs/contract.md §1 and §8).

Accepts mail for the intake addresses only (550 otherwise), refuses messages over the
size limit (552), and hands the raw bytes to the same use case SES mail reaches in AWS.
A message is answered 250 once it is stored; if storage fails (DynamoDB down), 451 tells
the sending server to try again later, so nothing is lost.

It checks no sender itself: a filtering relay in front of it does, and writes what it
found in an `Authentication-Results` header of its authserv-id, `TRUSTED_AUTHSERV_ID`,
which the use case reads (chalicelib/domain/inbound_mail/sender_verdict.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

log = logging.getLogger("smtp_ingress")


class IntakeHandler:
    def __init__(self, mail_intake: Any):
        self.mail_intake = mail_intake

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.mail_intake.accepts_recipient(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            # The use case is blocking (boto3): off the event loop, so the ingress keeps
            # answering other connections meanwhile.
            outcome = await loop.run_in_executor(
                None, self.mail_intake.ingest, raw, envelope.mail_from, list(envelope.rcpt_tos)
            )
        except Exception:  # a dependency failed: the sender's server will retry
            log.exception("inbound mail not stored")
            return "451 4.3.0 Temporary failure, please try again later"
        log.info("inbound mail: %s", outcome.kind)
        return "250 2.0.0 OK"


class LenientSMTP(SMTP):
    # RFC 5321 caps lines at 1,000 octets, but webmails and old mail programs send longer
    # ones, and refusing them would lose a request. The message size limit bounds memory.
    line_length_limit = 1024 * 1024


class IngressController(Controller):
    def factory(self):
        return LenientSMTP(self.handler, **self.SMTP_kwargs)


def start_ingress(mail_intake: Any, port: int, max_bytes: int, host: str = "127.0.0.1") -> Controller:
    controller = IngressController(
        IntakeHandler(mail_intake),
        hostname=host,
        port=port,
        data_size_limit=max_bytes,
        decode_data=False,
        enable_SMTPUTF8=True,
        server_hostname="mentorat.local",
    )
    controller.start()
    return controller
