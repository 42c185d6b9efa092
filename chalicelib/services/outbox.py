"""Use case: send the outbox. Right after an intake commits, and again from the sweeper.

A mail is claimed (a short lease, a conditional write) before it is sent and marked sent
after, so the intake and the sweeper never both send it; a failed send stays pending with
a later due time. Only a crash between the send and the mark can send one twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable

from .clock import Clock
from .ports import MailSender, OutboxStore

LEASE_SECONDS = 120
# Waits after the 1st, 2nd, ... failure; the last one repeats (SES outages last hours).
BACKOFF_SECONDS = (60, 300, 900, 3600)

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    sent: int = 0
    failed: int = 0


class OutboxService:
    def __init__(self, store: OutboxStore, sender: MailSender, clock: Clock, mail_from: str):
        self.store = store
        self.sender = sender
        self.clock = clock
        self.mail_from = mail_from

    def dispatch(self, mail_ids: Iterable[str]) -> SweepReport:
        report = SweepReport()
        for mail_id in mail_ids:
            now = self.clock.now().epoch
            mail = self.store.claim_mail(mail_id, now, LEASE_SECONDS)
            if mail is None:
                continue  # sent already, or being sent by someone else
            try:
                provider_id = self.sender.send(mail, self.mail_from)
            except Exception as exc:  # any failure of the mail service: keep it, retry later
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
