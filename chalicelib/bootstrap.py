"""The composition root: wires adapters to use cases for the stage (local or AWS).

Nothing here runs at import. `services()` builds everything on the first request and
keeps it for the life of the process (a warm Lambda, or the `make run` server).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from .config import Settings

if TYPE_CHECKING:  # types only: the ports import the domain, which app.py loads lazily
    from .adapters.dynamodb import DynamoTable
    from .adapters.mail_reading import ReadMail
    from .domain.mentor import MentorSignup
    from .domain.models import NewRequest
    from .services.clock import Clock
    from .services.console_auth import ConsoleAuth, ConsoleStore
    from .services.intake import Idempotency, IntakeResult
    from .services.mail_intake import MailIntakeService
    from .services.mentors import MentorService
    from .services.ports import (
        DirectoryStore,
        MailLogStore,
        MailReader,
        MailSender,
        MentorStore,
        OutboxStore,
        RawMailStore,
        RecountStore,
        RequestStore,
        StatsStore,
    )
    from .services.queries import RecordQueries

_services: Services | None = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Stores:
    """The storage ports, one object each. On DynamoDB they share one table (and one
    client); the in-memory ones (adapters/memory, tests) share one lock."""

    requests: RequestStore
    mentors: MentorStore  # volunteers' sign-ups: the same store, of their kind
    outbox: OutboxStore
    directory: DirectoryStore
    mail_log: MailLogStore
    console: ConsoleStore
    stats: StatsStore  # the console's daily aggregates and export log
    recount: RecountStore | None = None  # the offline recount of the counters (scripts/recount.py)

    @staticmethod
    def on_dynamodb(table: DynamoTable, mail_grace_seconds: int) -> Stores:
        """Every port on the one table (one client)."""
        from .adapters.dynamodb import DynamoDirectoryStore, DynamoMailLogStore, DynamoOutboxStore, DynamoRoutedStore
        from .adapters.dynamodb.console import DynamoConsoleStore
        from .adapters.dynamodb.recount import DynamoRecountStore
        from .adapters.dynamodb.stats import DynamoStatsStore

        return Stores._on(
            table,
            mail_grace_seconds,
            routed=DynamoRoutedStore,
            outbox=DynamoOutboxStore,
            directory=DynamoDirectoryStore,
            mail_log=DynamoMailLogStore,
            console=DynamoConsoleStore,
            stats=DynamoStatsStore,
            recount=DynamoRecountStore,
        )

    @staticmethod
    def in_memory(mail_grace_seconds: int = 120) -> Stores:
        """Every port in memory, sharing one state (tests: use cases in milliseconds)."""
        from .adapters.memory import (
            MemoryDirectoryStore,
            MemoryMailLogStore,
            MemoryOutboxStore,
            MemoryRoutedStore,
            MemoryState,
        )
        from .adapters.memory.console import MemoryConsoleStore
        from .adapters.memory.recount import MemoryRecountStore
        from .adapters.memory.stats import MemoryStatsStore

        return Stores._on(
            MemoryState(),
            mail_grace_seconds,
            routed=MemoryRoutedStore,
            outbox=MemoryOutboxStore,
            directory=MemoryDirectoryStore,
            mail_log=MemoryMailLogStore,
            console=MemoryConsoleStore,
            stats=MemoryStatsStore,
            recount=MemoryRecountStore,
        )

    @staticmethod
    def _on(shared: Any, mail_grace_seconds: int, routed: Any, **store_classes: Any) -> Stores:
        """Each port's store built on the one backing they share (a table, a memory state),
        `routed` once per kind of routed record; the stores that write mails to send also
        take the sweeper's grace."""
        from .domain.mentor import MentorSignup
        from .domain.request import Request

        takes_grace = {"console", "stats", "directory"}
        return Stores(
            requests=routed(shared, Request, mail_grace_seconds),
            mentors=routed(shared, MentorSignup, mail_grace_seconds),
            **{
                port: store(shared, mail_grace_seconds) if port in takes_grace else store(shared)
                for port, store in store_classes.items()
            },
        )


class Services:
    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        sender: MailSender | None = None,
        boto_session: Any = None,
        raw_store: RawMailStore | None = None,
        stores: Stores | None = None,
        mail_reader: Callable[[ReadMail], MailReader] | None = None,
    ):
        """`stores`: the storage ports to use (tests pass in-memory ones); by default the
        DynamoDB table of `settings`. `mail_reader`: what makes the MailReader of the pure
        mail reading it is given (tests: InProcessMailReader); by default a child process
        within the budget of `settings`."""
        from .adapters.clock import SystemClock
        from .adapters.links import SignedLinks
        from .adapters.mail import EmlOutbox, SesSender
        from .adapters.templates import render_mail
        from .services.answers import AnswerService
        from .services.directory import DirectoryService
        from .services.intake import IntakeService
        from .services.mails import MailComposer
        from .services.outbox import OutboxService
        from .services.queries import RequestQueries

        self.settings = settings
        self.clock = clock or SystemClock()
        self._boto_session = boto_session
        # The table (its client: health, the local stream worker, set-up), None when the
        # stores are not DynamoDB's.
        self.table: DynamoTable | None = None
        if stores is None:
            from .adapters.dynamodb import DynamoTable

            self.table = DynamoTable(settings.table_name, self._dynamodb_client)
            stores = Stores.on_dynamodb(self.table, settings.mail_grace_seconds)
        self.stores = stores
        if sender is None:
            sender = (
                EmlOutbox(settings.outbox_dir)
                if settings.local
                else SesSender(self._ses_client, settings.ses_configuration_set)
            )
        self.links = SignedLinks(settings, self.clock)
        self.mails = MailComposer(render_mail, settings, self.links.answer_url)
        self.directory = DirectoryService(
            store=stores.directory,
            mail_log=stores.mail_log,
            monotonic=time.monotonic,
            ttl_seconds=settings.directory_cache_seconds,
            clock=self.clock,
            mails=self.mails,
            mail_retention_days=settings.mail_retention_days,
        )
        self.intake = IntakeService(
            requests=stores.requests, directory=self.directory, mails=self.mails, clock=self.clock, settings=settings
        )
        self.outbox = OutboxService(
            outbox=stores.outbox,
            requests=stores.requests,
            sender=sender,
            clock=self.clock,
            mail_from=settings.mail_from,
            max_attempts=settings.mail_max_attempts,
        )
        self.requests = RequestQueries(store=stores.requests, mail_log=stores.mail_log, clock=self.clock)
        self.answers = AnswerService(
            store=stores.requests,
            outbox=stores.outbox,
            mail_log=stores.mail_log,
            directory=self.directory,
            mails=self.mails,
            links=self.links,
            clock=self.clock,
            settings=settings,
        )
        self._mentors: MentorService | None = None
        self._mentor_queries: RecordQueries[MentorSignup] | None = None
        self._raw_store = raw_store
        self._mail_reader = mail_reader
        self._mail_intake: MailIntakeService | None = None
        self._console_auth: ConsoleAuth | None = None

    @property
    def mentors(self) -> MentorService:
        """Volunteers' sign-ups (docs/contract.md §11): built on first use."""
        if self._mentors is None:
            from .adapters.templates import render_mail
            from .services.mentor_mails import MentorMails
            from .services.mentors import MentorService

            self._mentors = MentorService(
                store=self.stores.mentors,
                directory=self.directory,
                mails=MentorMails(render_mail, self.settings, self.links.answer_url),
                links=self.links,
                clock=self.clock,
                settings=self.settings,
                outbox=self.stores.outbox,
                mail_log=self.stores.mail_log,
            )
        return self._mentors

    @property
    def mentor_queries(self) -> RecordQueries[MentorSignup]:
        """Sign-ups for operators: one, a page, counts per status (admin API, console)."""
        if self._mentor_queries is None:
            from .services.queries import RecordQueries

            self._mentor_queries = RecordQueries(store=self.stores.mentors, clock=self.clock)
        return self._mentor_queries

    @property
    def console_auth(self) -> ConsoleAuth:
        """Built on first use: only the console's pages need it."""
        if self._console_auth is None:
            from .services.console_auth import ConsoleAuth

            self._console_auth = ConsoleAuth(
                store=self.stores.console, links=self.links, mails=self.mails, clock=self.clock, settings=self.settings
            )
        return self._console_auth

    @property
    def mail_intake(self) -> Any:
        """Built on first use: the form-only Lambdas never load the mail parser."""
        if self._mail_intake is None:
            from .adapters.raw_mail import LocalRawMailStore, S3RawMailStore
            from .domain.inbound_mail import Limits
            from .services.mail_intake import MailIntakeService, read_mail, warm_up

            raw_store = self._raw_store
            if raw_store is None:
                if self.settings.local:
                    raw_store = LocalRawMailStore(self.settings.raw_mail_dir)
                else:
                    raw_store = S3RawMailStore(self.settings.raw_mail_bucket, lambda: self._client("s3"))
            limits = Limits(max_bytes=self.settings.max_mail_bytes)
            read = partial(read_mail, limits=limits, trusted_authserv_id=self.settings.trusted_authserv_id)
            reader = (
                self._mail_reader(read)
                if self._mail_reader
                else self._child_process_reader(read, partial(warm_up, limits))
            )
            self._mail_intake = MailIntakeService(
                intake=self.intake,
                requests=self.stores.requests,
                mail_log=self.stores.mail_log,
                raw_store=raw_store,
                on_bounce=self.association_mail_bounced,
                clock=self.clock,
                settings=self.settings,
                reader=reader,
            )
        return self._mail_intake

    def _child_process_reader(self, read: ReadMail, warm: Callable[[], None]) -> MailReader:
        """Each mail read in a child process within the budget of the settings; `warm` runs
        before the first, so that children share the libraries and caches it loads."""
        from .adapters.mail_reading import ChildProcessMailReader

        return ChildProcessMailReader(
            read,
            seconds=self.settings.mail_read_seconds,
            memory_bytes=self.settings.mail_read_memory_mb * 2**20,
            warm=warm,
        )

    def _client(self, name: str, **kwargs: Any) -> Any:
        import boto3

        session = self._boto_session or boto3.session.Session()
        return session.client(name, region_name=self.settings.aws_region, **kwargs)

    def _dynamodb_client(self, service: str = "dynamodb") -> Any:
        from botocore.config import Config

        kwargs: dict[str, Any] = {
            # Retries with backoff on throttling; a request that still fails is answered
            # with an error and nothing half-written (one transaction per intake).
            "config": Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=50)
        }
        if self.settings.dynamodb_endpoint:
            kwargs["endpoint_url"] = self.settings.dynamodb_endpoint
            if self.settings.local:
                # DynamoDB Local accepts any credentials; do not require a profile.
                kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")
        return self._client(service, **kwargs)

    def streams_client(self) -> Any:
        """The table's stream, read by the local stream worker (Lambda reads it in AWS)."""
        return self._dynamodb_client("dynamodbstreams")

    def _ses_client(self) -> Any:
        from botocore.config import Config

        # One attempt, no retry by botocore: after a read timeout SES may have taken the
        # mail, and SES has no idempotent send. The outbox decides what to do instead.
        return self._client(
            "sesv2", config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
        )

    def submit(
        self, new: NewRequest, idempotency: Idempotency | None = None, rate_key: str | None = None
    ) -> IntakeResult:
        """`IntakeService.accept`, the one intake path (forms, API, mail call it directly):
        route and commit; that is the answer. Kept here for tests and tools.

        The mails the transaction stored leave through the table's stream, outside the
        request (`mail_stream_batch`; the sweeper behind it)."""
        return self.intake.accept(new, idempotency, rate_key)

    def mail_stream_batch(self, event: dict[str, Any], context: Any) -> Mapping[str, Any]:
        """A batch of the table's stream (Lambda, or local/stream_worker.py): sends each
        mail inserted `pending`; answers {"batchItemFailures": [...]}."""
        from .adapters.mail_stream import process_stream_batch

        return process_stream_batch(event, context, self.send_new_mail)

    def send_new_mail(self, mail_id: str) -> None:
        self.outbox.dispatch([mail_id])

    def inbound_sqs_batch(self, event: dict[str, Any], context: Any) -> Mapping[str, Any]:
        from .adapters.ses_inbound import process_sqs_batch

        # The raw store's S3 client, made once per warm Lambda, not once per batch.
        raw_store = self.mail_intake.raw_store
        return process_sqs_batch(
            event, context, self.mail_intake, lambda bucket, key: raw_store.get(f"s3://{bucket}/{key}")
        )

    def ses_bounce(self, message: str) -> int:
        from .domain.bounces import bounces_from_ses

        return sum(self.association_mail_bounced(b.mail_id, b.address, b.reason) for b in bounces_from_ses(message))

    def association_mail_bounced(self, mail_id: str, address: str | None, reason: str) -> bool:
        """A bounce of our mail to an association: a request's, else a sign-up's (each
        flow recognises its own mails by their kind in the outbox)."""
        if self.answers.association_mail_bounced(mail_id, address, reason):
            return True
        return self.mentors.association_mail_bounced(mail_id, address, reason)

    def healthy(self) -> bool:
        if self.table is None:
            return True  # in-memory stores: nothing to reach
        try:
            self.table.client.describe_table(TableName=self.settings.table_name)
            return True
        except Exception as exc:  # noqa: BLE001 - unreachable, throttled, or the table is missing: not ready
            logging.getLogger(__name__).warning("health check failed", extra={"error": type(exc).__name__})
            return False


def services() -> Services:
    global _services
    if _services is None:
        with _lock:
            if _services is None:
                from .logs import configure_logging

                settings = Settings.from_env()
                configure_logging(settings.local)
                _services = Services(settings)
    return _services


def set_services(value: Services | None) -> None:
    """Tests and `make bench` install their own wiring (None: built again on next use)."""
    global _services
    _services = value
