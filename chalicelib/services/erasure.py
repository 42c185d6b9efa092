"""Use case: an admin erases a person's data (GDPR art. 17), from a youth's request or a
volunteer's sign-up alike, everywhere the service keeps it.

1. The record: `RoutedRecord.erase` (domain/routed_record.py) leaves a stub for
   statistics, committed with its stored timeline scrubbed (domain/erasure.py's
   `scrub_event`) by the store's `erase`: one transaction while it fits, the rest
   of a long timeline in batches sent again until nothing is left. From then on the stub
   takes no reply (mail intake drops a reply to it) and no new free text.
2. Then every other copy, each step on its own (a failure is logged without personal data
   and leaves that copy to its own retention, until the erasure is asked again): the raw
   inbound mails that made or answered it (S3 or `.local/raw-mail/`), the outbox's copies
   of its mails (scrubbed; `cancelled` if not sent yet) and the sent copies the sender
   keeps (the local `.eml` outbox), the quarantined mails that name its reference (item
   and raw mail).

Asking again is harmless and done at once: no second `erased` event, the timeline
scrubbed again (what an older version threaded onto the stub) and every copy swept again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from ..config import Settings
from ..domain.erasure import scrub_event
from ..domain.routed_record import RoutedRecord
from .clock import Clock
from .ports import MailSender, OutboxStore, RawMailStore, RoutedStore
from .transitions import RenderMail, moment_now, record_change, timeline_expiry

log = logging.getLogger(__name__)


class Erasure:
    def __init__(
        self,
        *,
        store: RoutedStore[Any],
        render: RenderMail,
        clock: Clock,
        settings: Settings,
        raw_mail: RawMailStore | None = None,
        outbox: OutboxStore | None = None,
        sent_mail: MailSender | None = None,
        quarantine: Any | None = None,
    ):
        """`store`: the record's kind's store; `render`: how its kind's mails are written
        (an erasure sends none); `quarantine`: services.mail_intake.Quarantine."""
        self.store = store
        self.render = render
        self.clock = clock
        self.settings = settings
        self.raw_mail = raw_mail
        self.outbox = outbox
        self.sent_mail = sent_mail
        self.quarantine = quarantine

    def erase(self, record: RoutedRecord, admin: str) -> RoutedRecord:
        """The record erased by `admin`, and every copy of its data. Raises Rejected
        (STALE) when the record changed since it was read: nothing is erased then."""
        raw_keys = record.raw_mail_keys()  # read before the timeline loses them
        scrubbed = [s for s, e in ((scrub_event(e), e) for e in record.events) if s != e]
        if record.erased:
            if scrubbed:
                self.store.scrub_timeline(record.id, scrubbed, timeline_expiry(record, self.settings))
            erased = record
        else:
            change = record.erase(admin, moment_now(self.clock))
            self.store.erase(record_change(change, self.render, self.clock, self.settings), scrubbed)
            erased = change.after
        self._delete_raw_mail(raw_keys)
        self._erase_mails(erased)
        if self.quarantine is not None:
            self._each("quarantined mails", [erased.reference], self.quarantine.erase_naming)
        return erased

    def _delete_raw_mail(self, keys: Iterable[str]) -> None:
        if self.raw_mail is not None:
            self._each("raw mail", keys, self.raw_mail.delete)

    def _erase_mails(self, record: RoutedRecord) -> None:
        """The outbox's copies of its mails: sent or given up, scrubbed; not sent yet,
        cancelled (a mail about an erased person is not sent after the fact); then the
        sender's copy of what left."""
        if self.outbox is None:
            return
        now = self.clock.now().epoch
        mail_ids = self._each("mails' list", [record.id], lambda rid: self.store.record_mail_ids(rid, now))
        outbox, sent = self.outbox, self.sent_mail

        def erase(mail_id: str) -> None:
            outbox.erase_mail(mail_id, now)
            if sent is not None:
                sent.forget(mail_id)

        self._each("mail", [i for found in mail_ids for i in found], erase)

    @staticmethod
    def _each(what: str, items: Iterable[Any], step: Callable[[Any], Any]) -> list[Any]:
        """`step` on each item, one failure leaving the others done: the record itself
        is erased already. What each step answered, failures left out."""
        done = []
        for item in items:
            try:
                done.append(step(item))
            except Exception as exc:  # noqa: BLE001 - logged; asking again finishes it
                log.warning("erasure: a copy not erased", extra={"what": what, "error": type(exc).__name__})
        return done
