"""What the console's queue, request page and actions share (services/console.py): their
refusals and the request they act on."""

from __future__ import annotations

from typing import Any

from ..config import Settings
from ..domain.change import Moment
from ..domain.request import Request
from ..domain.routed_record import RoutedRecord
from .clock import Clock
from .directory import DirectoryService
from .mails import MailComposer
from .ports import MailSender, OutboxStore, RawMailStore, RequestStore, RoutedStore
from .transitions import moment_now


class ConsoleRefusal(Exception):
    """An action the request's state or the rules refuse: the page says why, in French."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


class UnknownRequest(Exception):
    """No request has this reference (or it expired)."""


class ConsoleParts:
    """The ports and parts every console use case reads; ConsoleService is made of them."""

    def __init__(
        self,
        *,
        requests: RequestStore,
        queue: RoutedStore[Any],
        directory: DirectoryService,
        mails: MailComposer,
        clock: Clock,
        settings: Settings,
        raw_mail: RawMailStore | None = None,
        outbox: OutboxStore | None = None,
        sent_mail: MailSender | None = None,
        quarantine: Any | None = None,
    ):
        """`raw_mail`: the inbound mail as received: replies are read from it in full,
        and an erasure deletes the record's mails from it; `outbox`: an erasure scrubs
        the stored copies of the record's mails, `sent_mail` (the sender) forgets what it
        keeps of them, and `quarantine` (services.mail_intake.Quarantine) deletes the
        quarantined mails naming the record (services/erasure.py)."""
        self.raw_mail = raw_mail
        self.outbox = outbox
        self.sent_mail = sent_mail
        self.quarantine = quarantine
        self.requests = requests
        self.queue_store = queue  # `queue` is the queue's page (ConsoleService.queue)
        self.directory = directory
        self.mails = mails
        self.clock = clock
        self.settings = settings

    def _load(self, reference: str) -> Request:
        request = self.requests.get(reference, self.clock.now().epoch) if reference else None
        if request is None:
            raise UnknownRequest(reference)
        return request

    def _load_record(self, reference: str) -> RoutedRecord:
        """A record of the queue's kind (its store's) by reference."""
        record: RoutedRecord | None = self.queue_store.get(reference, self.clock.now().epoch) if reference else None
        if record is None:
            raise UnknownRequest(reference)
        return record

    def _moment(self) -> Moment:
        return moment_now(self.clock)
