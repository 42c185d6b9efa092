"""Use case: send the outbox, at most once per mail.

The transaction that stores a request (or an answer's change) also stores its mails,
state `pending`. Nothing is sent in the request: the table's stream hands each new
mail to `dispatch` (a Lambda on the DynamoDB Stream in AWS, local/stream_worker.py on
the local stack), and the sweeper (`sweep`) sends what the stream did not: a mail is due
for it only a grace period after its creation, so it does not race the stream.

Sending one mail:
1. claim: a conditional write takes it from `pending` to `sending`, with the attempt's
   time and a lease. Whoever loses the claim (stream and sweeper, two deliveries of one
   stream record) sends nothing. The attempt is recorded BEFORE the send.
2. send, then mark `sent` (with SES's MessageId).
3. A sure failure (MailNotSent: SES answered an error, or no connection was made; or any
   other error of a sender) puts it back to `pending` with a backoff, at most
   `max_attempts` times. UnsendableMail (no retry can change what is stored) gives up at
   once.
4. An unknown outcome (MailOutcomeUnknown: a read timeout after the request left, a
   connection closed mid-way; or a claim that finds the mail still `sending` after its
   lease: a crash, or storage down, between the send and its mark) is reconciled, never
   simply retried: a sender that can tell (the local `.eml` outbox) settles it; SES
   cannot, so the mail is given up with the reason "outcome unknown" for an operator.

Giving up leaves the mail `failed`, adds a `mail_failed` event to its request's timeline
and lists it for the operators (`GET /api/v1/admin/outbox?state=failed`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..domain.mail_headers import UnsendableMail
from .clock import Clock
from .ports import Event, MailOutcomeUnknown, MailSender, OutboxStore, OutgoingMail, RequestStore

# Longer than any send can take (the SES client times out well within it): a claim still
# `sending` after it means the attempt was cut off.
LEASE_SECONDS = 120
# Waits after the 1st, 2nd, ... failure; the last one repeats (SES outages last hours).
BACKOFF_SECONDS = (60, 300, 900, 3600)
# Sends tried before a mail is given up: with the backoff above, about a day of outage.
MAX_ATTEMPTS = 24
OUTCOME_UNKNOWN = "outcome unknown"

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    sent: int = 0
    failed: int = 0  # failed this time (retried later, or given up)
    unknown: int = 0  # outcome unknown: given up, not sent again


class OutboxService:
    def __init__(
        self,
        *,
        outbox: OutboxStore,
        requests: RequestStore,
        sender: MailSender,
        clock: Clock,
        mail_from: str,
        max_attempts: int = MAX_ATTEMPTS,
    ):
        self.store = outbox
        self.requests = requests  # a mail given up is noted on its request's timeline
        self.sender = sender
        self.clock = clock
        self.mail_from = mail_from
        self.max_attempts = max(1, max_attempts)

    def dispatch(self, mail_ids: Iterable[str]) -> SweepReport:
        """Send these mails, each at most once. Storage errors propagate (the stream
        record is then retried); a failure of the mail service does not."""
        report = SweepReport()
        for mail_id in mail_ids:
            now = self.clock.now().epoch
            claimed = self.store.claim_mail(mail_id, now, LEASE_SECONDS)
            if claimed is None:
                continue  # sent already, given up, or being sent by someone else
            mail = claimed.mail
            if claimed.interrupted:
                self._reconcile(mail, now, "interrupted", report)
                continue
            try:
                provider_id = self.sender.send(mail, self.mail_from)
            except UnsendableMail as exc:  # no retry can change what is stored: give up now
                self._give_up(mail, now, str(exc))
                report.failed += 1
                continue
            except MailOutcomeUnknown as exc:
                self._reconcile(mail, now, str(exc) or type(exc).__name__, report)
                continue
            except Exception as exc:  # noqa: BLE001 - MailNotSent, or any other failure before the mail left
                self._retry_later(mail, now, exc)
                report.failed += 1
                continue
            # SES's MessageId, kept with the mail: the id SES's own records (and a
            # support request to AWS) know it by.
            self.store.mark_sent(mail_id, self.clock.now().epoch, provider_id if isinstance(provider_id, str) else None)
            report.sent += 1
        return report

    def _retry_later(self, mail: OutgoingMail, now: int, exc: BaseException) -> None:
        if mail.attempts + 1 >= self.max_attempts:
            self._give_up(mail, now, f"{type(exc).__name__} after {mail.attempts + 1} attempts")
            return
        wait = BACKOFF_SECONDS[min(mail.attempts, len(BACKOFF_SECONDS) - 1)]
        self.store.mark_failed(mail.id, now, now + wait, f"{type(exc).__name__}: {exc}")
        # No address, no subject: the mail id is enough to find it.
        log.warning("mail send failed, will retry", extra={"mail_id": mail.id, "error": type(exc).__name__})

    def _reconcile(self, mail: OutgoingMail, now: int, why: str, report: SweepReport) -> None:
        """An attempt whose outcome is unknown: ask the sender; never send blindly again."""
        delivered: bool | None = None
        ask = getattr(self.sender, "delivered", None)
        if ask is not None:
            delivered = ask(mail)
        if delivered is True:
            self.store.mark_sent(mail.id, now, None)
            log.info("mail found sent after an interrupted attempt", extra={"mail_id": mail.id})
            report.sent += 1
        elif delivered is False:
            self._retry_later(mail, now, RuntimeError(f"not sent ({why})"))
            report.failed += 1
        else:
            # SES: a second send could be a second delivery. An operator decides.
            self._give_up(mail, now, f"{OUTCOME_UNKNOWN} ({why})")
            report.unknown += 1

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
            request = self.requests.get(mail.request_id, now)
            if request is None or request.erased:
                # Its data expired, or was erased while this mail was in flight: an erased
                # request's timeline takes no new event (the erasure scrubbed it whole).
                return
            event = Event(at, "mail_failed", "system", {"mail_id": mail.id, "kind": mail.kind, "reason": reason})
            if self.requests.append_event(request.id, event, len(request.events), request.expires_at):
                return

    def failed_mails(self, limit: int = 100) -> list[dict[str, Any]]:
        """Mails given up, newest first, for an operator."""
        return self.store.failed_mails(self.clock.now().epoch, limit)

    def sweep(self, batch: int = 50) -> SweepReport:
        """The safety net (scheduled in AWS, a loop locally): mails whose stream delivery
        was lost or failed for good, retries after a backoff, attempts cut off."""
        total = SweepReport()
        while True:
            due = self.store.due_mails(self.clock.now().epoch, batch)
            if not due:
                return total
            report = self.dispatch(due)
            total.sent += report.sent
            total.failed += report.failed
            total.unknown += report.unknown
            if report.sent == 0 and report.unknown == 0:
                return total  # the rest is failing or leased: try at the next sweep
