"""Use case: the operators' daily digest, so that nothing sits unseen (docs/console.md).

Once a day (a chalice schedule in AWS, a step of the local runner), each operator gets
one mail listing what waits on the network: requests in triage for more than a day,
replies received that no operator acted on since, quarantined mail, and association
addresses whose mail bounced. Nothing to list, no mail. The mails go through the outbox
with a mark of the day, in one transaction: a schedule firing twice sends one digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol

from ..config import Settings
from ..domain.operators import Operator
from ..domain.paris_time import french_time, paris_day, parse_iso
from ..domain.vocabulary import Status
from .clock import Clock
from .mails import MailComposer
from .ports import MailLogStore, RequestStore, StatsStore

log = logging.getLogger(__name__)

TRIAGE_AFTER_SECONDS = 86400  # "in triage for more than a day"
REPLY_WINDOW_DAYS = 14  # replies older than this are in the queue's history, not news
SHOWN = 50  # lines per list; the counts stay whole
PAGE = 200
MAX_READ = 2000  # triage requests read at most (newest first, the oldest are what matter)


class OperatorList(Protocol):
    def list_operators(self) -> list[Operator]: ...


@dataclass(frozen=True)
class DigestLine:
    reference: str
    since: str  # ISO time
    detail: str = ""


@dataclass
class Digest:
    day: str
    triage: list[DigestLine] = field(default_factory=list)
    triage_total: int = 0
    replies: list[DigestLine] = field(default_factory=list)
    quarantined: int = 0
    oldest_quarantined: str | None = None
    bounced: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.triage_total or self.replies or self.quarantined or self.bounced)


@dataclass(eq=False, kw_only=True)
class DigestService:
    requests: RequestStore
    mail_log: MailLogStore
    stats: StatsStore
    operators: OperatorList
    mails: MailComposer
    clock: Clock
    settings: Settings

    def compose(self) -> Digest:
        now = self.clock.now()
        digest = Digest(day=paris_day(now.epoch))
        self._triage(digest, now.epoch)
        self._replies(digest, now.epoch)
        quarantined = self.mail_log.list_quarantine(now.epoch, 100)
        digest.quarantined = len(quarantined)
        digest.oldest_quarantined = quarantined[-1]["at"] if quarantined else None
        digest.bounced = self.mail_log.address_flags()
        return digest

    def send(self) -> int:
        """Stores the day's digest for every operator; how many mails (0: nothing to
        say, no operator, or already sent today)."""
        digest = self.compose()
        operators = self.operators.list_operators()
        if digest.empty or not operators:
            log.info("operators' digest: nothing to send", extra={"empty": digest.empty, "operators": len(operators)})
            return 0
        context = {
            "digest": digest,
            "console_url": f"{self.settings.public_base_url}/console",
            "request_url": f"{self.settings.public_base_url}/console/demandes/",
            "time_label": french_time,
        }
        mails = [self.mails.console_digest(o.email, context) for o in operators]
        now = self.clock.now()
        stored = self.stats.store_digest(
            digest.day, mails, now.iso, now.epoch + self.settings.mail_retention_days * 86400
        )
        log.info(
            "operators' digest",
            extra={
                "stored": stored,
                "mails": len(mails),
                "triage": digest.triage_total,
                "replies": len(digest.replies),
                "quarantined": digest.quarantined,
                "bounced": len(digest.bounced),
            },
        )
        return len(mails) if stored else 0

    def _triage(self, digest: Digest, now: int) -> None:
        cursor: str | None = None
        read = 0
        waiting: list[DigestLine] = []
        while read < MAX_READ:
            page, cursor = self.requests.page(now, "needs_triage", None, PAGE, cursor)
            read += PAGE
            for r in page:
                since = r.updated_at or r.created_at
                if now - int(parse_iso(since).timestamp()) > TRIAGE_AFTER_SECONDS:
                    waiting.append(DigestLine(r.reference, since, r.triage_reason or ""))
            if cursor is None:
                break
        waiting.sort(key=lambda line: line.since)  # the longest waiting first
        digest.triage_total = len(waiting)
        digest.triage = waiting[:SHOWN]

    def _replies(self, digest: Digest, now: int) -> None:
        """Replies after which no operator did anything on the request (an operator's
        actions name them by address)."""
        since = _iso_days_before(now, REPLY_WINDOW_DAYS)
        seen: set[str] = set()
        for note in reversed(self.mail_log.replies_since(since, now)):  # newest first
            if note["request_id"] in seen or len(digest.replies) >= SHOWN:
                continue
            seen.add(note["request_id"])
            request = self.requests.get(note["request_id"], now)
            if request is None or request.status == Status.CLOSED:
                continue
            events = request.events
            last_reply = max((e["at"] for e in events if e.get("type") == "reply_received"), default=note["at"])
            if any("@" in (e.get("actor") or "") and e["at"] >= last_reply for e in events):
                continue  # an operator acted since
            digest.replies.append(DigestLine(request.reference, last_reply))
        digest.replies.sort(key=lambda line: line.since)


def _iso_days_before(now: int, days: int) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(now - days * 86400, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest_for(services: Any) -> DigestService:
    """The digest wired from the composition root's parts (app.py's schedule, local/run.py)."""
    return DigestService(
        requests=services.stores.requests,
        mail_log=services.stores.mail_log,
        stats=services.stores.stats,
        operators=services.stores.console,
        mails=services.mails,
        clock=services.clock,
        settings=services.settings,
    )
