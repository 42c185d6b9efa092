"""Use case: send the outbox. Right after an intake commits, and again from the sweeper.

A mail is claimed (a short lease, a conditional write) before it is sent and marked sent
after, so the intake and the sweeper never both send it; a failed send stays pending with
a later due time. Only a crash between the send and the mark can send one twice.

A mail that cannot be written safely (UnsendableMail: an address SES cannot take, a
value the email package refuses) fails permanently at once; any other failure is retried
until `max_attempts` (MAIL_MAX_ATTEMPTS). A permanent failure leaves the mail in state
`failed`, adds a `mail_failed` event to its request's timeline and is listed for the
operators (`GET /api/v1/admin/outbox?state=failed`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

from ..domain.mail_headers import UnsendableMail
from .clock import Clock
from .ports import Event, MailSender, OutboxStore, OutgoingMail

LEASE_SECONDS = 120
# Waits after the 1st, 2nd, ... failure; the last one repeats (SES outages last hours).
BACKOFF_SECONDS = (60, 300, 900, 3600)
# Sends tried before a mail is given up: with the backoff above, about a day of outage.
MAX_ATTEMPTS = 24

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    sent: int = 0
    failed: int = 0


class OutboxService:
    def __init__(self, store: OutboxStore, sender: MailSender, clock: Clock, mail_from: str, max_attempts: int = MAX_ATTEMPTS):
        self.store = store
        self.sender = sender
        self.clock = clock
        self.mail_from = mail_from
        self.max_attempts = max(1, max_attempts)

    def dispatch(self, mail_ids: Iterable[str]) -> SweepReport:
        report = SweepReport()
        for mail_id in mail_ids:
            now = self.clock.now().epoch
            mail = self.store.claim_mail(mail_id, now, LEASE_SECONDS)
            if mail is None:
                continue  # sent already, or being sent by someone else
            try:
                provider_id = self.sender.send(mail, self.mail_from)
            except UnsendableMail as exc:  # no retry can change what is stored: give up now
                self._give_up(mail, now, str(exc))
                report.failed += 1
                continue
            except Exception as exc:  # any failure of the mail service: keep it, retry later
                if mail.attempts + 1 >= self.max_attempts:
                    self._give_up(mail, now, f"{type(exc).__name__} after {mail.attempts + 1} attempts")
                    report.failed += 1
                    continue
                wait = BACKOFF_SECONDS[min(mail.attempts, len(BACKOFF_SECONDS) - 1)]
                self.store.mark_failed(mail_id, now, now + wait, f"{type(exc).__name__}: {exc}")
                # No address, no subject: the mail id is enough to find it.
                log.warning("mail send failed, will retry", extra={"mail_id": mail_id, "error": type(exc).__name__})
                report.failed += 1
                continue
            # SES's MessageId, kept with the mail: the id SES's own records (and a
            # support request to AWS) know it by.
            self.store.mark_sent(mail_id, self.clock.now().epoch, provider_id if isinstance(provider_id, str) else None)
            report.sent += 1
        return report

    def _give_up(self, mail: OutgoingMail, now: int, reason: str) -> None:
        """A permanent failure: recorded on the mail, on its request, and in the log.

        `reason` names the field or the error class, never a value (personal data).
        """
        self.store.mark_failed_permanently(mail.id, now, reason)
        log.error("mail failed permanently", extra={"mail_id": mail.id, "kind": mail.kind, "reason": reason})
        if not mail.request_id:
            return
        at = self.clock.now().iso
        for _ in range(3):  # the timeline's rank may be taken by a concurrent event: read again
            request = self.store.get_request(mail.request_id, now)
            if request is None:
                return  # its data expired or was erased: the mail item still tells
            event = Event(at, "mail_failed", "system", {"mail_id": mail.id, "kind": mail.kind, "reason": reason})
            if self.store.append_event(request["id"], event, len(request["events"]), request["expires_at"]):
                return

    def failed_mails(self, limit: int = 100) -> list[dict]:
        """Mails given up, newest first, for an operator."""
        return self.store.failed_mails(self.clock.now().epoch, limit)

    def sweep(self, batch: int = 50) -> SweepReport:
        """Send every pending mail that is due (scheduled in AWS, a loop locally)."""
        total = SweepReport()
        while True:
            due = self.store.due_mails(self.clock.now().epoch, batch)
            if not due:
                return total
            report = self.dispatch(due)
            total.sent += report.sent
            total.failed += report.failed
            if report.sent == 0:
                return total  # the rest is failing or leased: try at the next sweep
