"""Use case: ingest a mail sent to the urgent-request address (docs/contract.md §8).

SES receiving (through S3, SNS and SQS) and the local SMTP ingress both hand raw bytes
here. A human's mail becomes a request through the same intake use case as the forms;
a reply joins its request's timeline; automatic mail is answered by nothing; what cannot
be parsed is kept, with the reason, for an operator. Nothing here raises on bad mail:
only a failing dependency (DynamoDB, the raw store) raises, so that the door retries.

The content of a mail is read by `read_mail`, with no I/O, through a `MailReader` that
gives it a bounded budget (a child process in the stack, chalicelib/adapters/mail_reading.py):
a mail whose reading goes past it is quarantined like an unparseable one, never raised,
so that a queue never retries it with the mails of its batch.

Senders are verified (domain/inbound_mail/sender_verdict.py): the door hands the verdict
it has (SES's, in AWS), else the trusted relay's `Authentication-Results` header is read.
A mail whose sender is not verified (`failed`) still becomes a request, so that nothing a
genuine sender wrote is lost (mail forwarded on the way often fails DMARC), but one that
cannot cost a third party anything: no acknowledgement (it would go to whoever was
forged), no association (it would fill a capacity), never a reply on a request (a forged
association address would show as its answer; the mail becomes its own request in
triage instead, reference in the subject, where an operator reads it), and one shared
daily budget for all such mail (forged senders cannot use up a real sender's budget, nor
make requests without end). A bounce from a failed sender moves no request on: it could
be forged to push a request away from its association. A mail with no verdict at all is
handled as before verdicts, and its request's timeline says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..domain.bounces import bounce_from_report
from ..domain.extraction import ACCEPT, Extraction, extract_request
from ..domain.inbound_mail import InboundMail, Limits, UnparseableMail, parse_inbound
from ..domain.inbound_mail.attachments import load_document_readers
from ..domain.inbound_mail.sender_verdict import NO_VERDICT, SenderVerdict, Verification, verdict_from_headers
from ..domain.models import NewRequest
from ..domain.record_kind import ANY_REFERENCE_IN_TEXT
from ..domain.reference import REFERENCE_IN_TEXT, REFERENCE_PATTERN
from ..domain.text_rules import MESSAGE_MAX  # the request's `message`, as on the forms
from ..domain.vocabulary import Channel, Need, Public, Situation
from .clock import Clock
from .intake import Idempotency, IntakeService
from .ports import Event, MailLogStore, MailOverBudget, MailReader, MailReading, RawMailStore, RequestStore

log = logging.getLogger(__name__)

REFERENCE_IN_MESSAGE_ID = re.compile(rf"\.({REFERENCE_PATTERN})@")
BOUNCE_REASON = re.compile(
    r"delivery-status|non-delivery|bounce|mailer-daemon|postmaster|failed-recipients|empty envelope"
)
REPLY_EXCERPT_MAX = 1000
SEVERAL_YOUTHS = "plusieurs jeunes dans un même mail"
OVER_SENDER_LIMIT = "sender over daily limit"
UNVERIFIED_SENDER = "unverified sender"  # the triage reason, word for word as docs/contract.md §8 names it
OVER_UNVERIFIED_LIMIT = "unverified senders over daily limit"
# The per-sender budgets' key for every mail from a failed sender: an address always
# holds an "@", so no sender's own key can be this one.
UNVERIFIED_BUDGET = "unverified senders"
# Timeline events of a request from a sender that is not verified (console_request.py
# names them): its verdict failed, or there was none at all.
SENDER_UNVERIFIED = "sender_unverified"
SENDER_NO_VERDICT = "sender_no_verdict"


@dataclass(frozen=True)
class MailOutcome:
    # "request", "duplicate", "reply", "reply_to_erased", "automatic", "quarantined", "not_for_us"
    kind: str
    reference: str | None = None
    status: str | None = None
    reason: str | None = None
    acknowledged: bool = False


class MailIntakeService:
    def __init__(
        self,
        *,
        intake: IntakeService,
        requests: RequestStore,
        mail_log: MailLogStore,
        raw_store: RawMailStore,
        on_bounce: Callable[[str, str | None, str], bool],
        clock: Clock,
        settings: Settings,
        reader: MailReader,
    ):
        self.intake = intake
        self.requests = requests
        self.mail_log = mail_log
        self.raw_store = raw_store
        self.on_bounce = on_bounce  # an association's mail bounced (AnswerService)
        self.clock = clock
        self.settings = settings
        self.reader = reader  # read_mail within the mail's budget

    def accepts_recipient(self, address: str) -> bool:
        return address.strip().strip("<>").lower() in {a.lower() for a in self.settings.intake_addresses}

    def ingest(
        self,
        raw: bytes,
        envelope_sender: str | None,
        recipients: list[str],
        raw_key: str | None = None,
        source_id: str | None = None,
        sender_limit: bool = True,
        verdict: SenderVerdict | None = None,
    ) -> MailOutcome:
        """One inbound message. `raw_key`: where it is stored already (SES → S3).
        `sender_limit`: False when an operator reprocesses a quarantined mail.
        `verdict`: the door's own (SES's receipt); the mail's headers are then not read
        for one, as nobody in front of that door vouches for them."""
        if recipients and not any(self.accepts_recipient(r) for r in recipients):
            return MailOutcome("not_for_us")
        raw_key = raw_key or self.raw_store.put(raw)
        try:
            reading = self.reader.read(raw, envelope_sender)
        except (UnparseableMail, MailOverBudget) as exc:
            return self._quarantine(raw_key, exc.reason, envelope_sender, verdict, raw=raw)
        mail = reading.mail
        if verdict is None:
            verdict = reading.verdict or NO_VERDICT
        if mail.automatic:
            # No request, no answer (RFC 3834): no loops with robots, no noise for people.
            # But a bounce of one of our association mails moves its request on (an
            # out-of-office reply does not: the association is only away for a while),
            # unless its sender failed verification.
            if reading.bounce is not None:
                if verdict.failed:
                    log.warning("bounce from an unverified sender ignored")
                else:
                    self.on_bounce(reading.bounce.mail_id, reading.bounce.address, reading.bounce.reason)
            # Handled: nothing reads it again (a bounce's effect is its record's event and
            # the address's flag). Its raw copy, which may quote the youth, is not kept.
            self._forget_raw(raw_key)
            # The kind of signal only: what follows it may be the mail's subject.
            log.info("automatic mail ignored", extra={"why": mail.automatic.partition(":")[0]})
            return MailOutcome("automatic", reason=mail.automatic)
        if mail.from_address is None:
            return self._quarantine(raw_key, "no usable sender address", envelope_sender, verdict, raw=raw)

        if not verdict.failed:
            threaded = self._as_reply(mail, raw_key, verdict)
            if threaded is not None:
                return threaded

        # A Message-ID that did not parse as one was dropped by the parser: then the SES
        # message id, else the raw bytes' hash, tell the same mail again.
        # The key keeps a hash only: a Message-ID often holds the sender's host or address,
        # personal data that would otherwise sit in a key for IDEMPOTENCY_HOURS.
        key = mail.message_id or source_id or hashlib.sha256(raw).hexdigest()
        idempotency = Idempotency.of_mail(hashlib.sha256(key.encode()).hexdigest())
        budget = UNVERIFIED_BUDGET if verdict.failed else mail.from_address
        if sender_limit and not self._sender_allowed(budget, idempotency):
            # One sender flooding the intake: the mail is kept for an operator, nothing is
            # routed and no association hears of it.
            over = OVER_UNVERIFIED_LIMIT if verdict.failed else OVER_SENDER_LIMIT
            return self._quarantine(raw_key, over, envelope_sender, verdict, raw=raw)
        extraction = reading.extraction
        assert extraction is not None, "read_mail extracts from every mail a person wrote"
        new = self._new_request(mail, mail.from_address, extraction, raw_key, verdict)
        result = self.intake.accept(new, idempotency, None)
        if result.replayed:
            self._forget_duplicate(result.id, raw_key)
            return MailOutcome("duplicate", result.reference, result.status)
        return MailOutcome("request", result.reference, result.status, acknowledged=new.acknowledge)

    # -- steps -----------------------------------------------------------------------

    def _quarantine(
        self,
        raw_key: str,
        reason: str,
        envelope_sender: str | None,
        verdict: SenderVerdict | None,
        raw: bytes = b"",
    ) -> MailOutcome:
        """Kept for an operator, with the verdict it was read with, if any (reprocessing hands
        it back: in AWS, SES's; the raw mail does not hold it), and the references `raw`
        names: the erasure of one of those records deletes it (Quarantine.erase_naming)."""
        now = self.clock.now()
        record: dict[str, Any] = {
            "reason": reason,
            "raw_key": raw_key,
            "envelope_sender": envelope_sender or "",
            "references": references_named(raw),
        }
        if verdict is not None:
            record["sender_verdict"] = verdict.as_dict()
        self.mail_log.quarantine(now.iso, record, now.epoch + self.settings.retention_days * 86400)
        # The kind of reason only: a parser's error may quote the mail (the item keeps it all).
        log.warning("inbound mail quarantined", extra={"why": reason.partition(":")[0]})
        return MailOutcome("quarantined", reason=reason)

    def _as_reply(self, mail: InboundMail, raw_key: str, verdict: SenderVerdict) -> MailOutcome | None:
        """A reply carrying a reference, or answering one of our mails, joins that request."""
        references: list[str] = []
        for mid in (*mail.in_reply_to, *mail.references):
            found = REFERENCE_IN_MESSAGE_ID.search(mid)
            if found:
                references.append(found.group(1))
        references += REFERENCE_IN_TEXT.findall(mail.subject.upper())
        now = self.clock.now()
        erased = None  # a reference of an erased request: the reply is dropped
        for reference in dict.fromkeys(references):
            request = self.requests.get(reference, now.epoch)
            if request is None:
                continue
            if request.erased:
                erased = erased or reference
                continue
            detail = {
                "from": mail.from_address,
                "subject": mail.subject[:200],
                "excerpt": (mail.own_text or mail.text)[:REPLY_EXCERPT_MAX],
                "raw_key": raw_key,
                "message_id": mail.message_id,
                "sender": verdict.verification.value,  # "unknown": shown as not verified
            }
            event = Event(now.iso, "reply_received", "email", detail)
            if self.requests.append_event(request.id, event, len(request.events), request.expires_at):
                # The daily digest lists it until an operator acts on the request.
                self.mail_log.note_reply(now.iso, request.id, request.reference, request.expires_at)
                return MailOutcome("reply", request.reference, request.status.value)
            again = self.requests.get(reference, now.epoch)
            if again is not None and again.erased:
                erased = erased or reference  # erased between the read and the write
        return self._reply_to_erased(erased, raw_key) if erased else None

    # -- what is not kept ------------------------------------------------------------

    def _reply_to_erased(self, reference: str, raw_key: str) -> MailOutcome:
        """A reply to a request whose data was erased: dropped, its raw copy deleted. The
        stub takes nothing (sender, subject, text), and the person is not a new request."""
        self._forget_raw(raw_key)
        log.info("reply to an erased request dropped", extra={"reference": reference})
        return MailOutcome("reply_to_erased", reference)

    def _forget_duplicate(self, request_id: str, raw_key: str) -> None:
        """A mail delivered again (SES, SMTP retries): its copy, unless it is the one the
        request keeps (the same key), is linked to nothing that an erasure reaches."""
        stored = self.requests.get(request_id, self.clock.now().epoch)
        if ((stored.inbound if stored else None) or {}).get("raw_key") != raw_key:
            self._forget_raw(raw_key)

    def _forget_raw(self, raw_key: str) -> None:
        """A raw mail nothing will read again, deleted now rather than at its retention's
        end; a failure leaves it to that retention (logged)."""
        try:
            self.raw_store.delete(raw_key)
        except Exception as exc:  # noqa: BLE001 - the mail itself is handled
            log.warning("raw mail not deleted", extra={"error": type(exc).__name__})

    def _sender_key(self, sender: str) -> str:
        """A keyed hash of the address: counters never hold it."""
        return hmac.new(self.settings.secret_key.encode(), sender.lower().encode(), hashlib.sha256).hexdigest()[:32]

    def _ack_allowed(self, sender: str) -> bool:
        """At most ACK_LIMIT acknowledgements per sender and hour: no mail storm in a loop."""
        now = self.clock.now().epoch
        window = now // 3600
        return self.mail_log.take_ack_budget(
            self._sender_key(sender), window, self.settings.ack_limit_per_hour, (window + 1) * 3600
        )

    def _sender_allowed(self, sender: str, idempotency: Idempotency) -> bool:
        """At most MAIL_INTAKE_LIMIT_PER_DAY new requests per sender and (UTC) day.

        The same mail delivered again (an SES or SMTP retry) is answered from its first
        intake and does not count twice."""
        now = self.clock.now().epoch
        if self.requests.idempotency(idempotency.key, now) is not None:
            return True
        day = now // 86400
        return self.mail_log.take_sender_budget(
            self._sender_key(sender), day, self.settings.mail_intake_limit_per_day, (day + 1) * 86400
        )

    def _new_request(
        self, mail: InboundMail, sender: str, x: Extraction, raw_key: str, verdict: SenderVerdict
    ) -> NewRequest:
        def accepted(found: Any) -> Any:
            return found.value if found is not None and found.confidence >= ACCEPT else None

        message = "\n\n".join(part for part in (mail.own_text.strip(), mail.forwarded_text.strip()) if part)
        return NewRequest(
            channel=Channel.EMAIL,
            age=accepted(x.age),
            situation=Situation(accepted(x.situation)) if accepted(x.situation) else None,
            need=Need(accepted(x.need)) if accepted(x.need) else None,
            publics=tuple(Public(p.value) for p in x.publics if p.confidence >= ACCEPT),
            postal_code=accepted(x.postal_code),
            city=accepted(x.city),
            departement=None if accepted(x.postal_code) else accepted(x.departement),
            message=message[:MESSAGE_MAX] or None,
            # Sent by a professional: they agreed to send it; the mail is their consent.
            consent=True,
            referent={
                "name": mail.from_name,
                "email": mail.from_address,
                "phone": None,
                "structure_name": None,
                "structure_type": None,
            },
            extraction=x.as_dict(),
            # Attachments stay in the raw mail (same retention); only their names and
            # whether they could be read are kept here, for the operator.
            inbound={
                "message_id": mail.message_id,
                "subject": mail.subject[:200],
                "raw_key": raw_key,
                "attachments": [d.as_dict() for d in mail.documents],
            },
            # Never to a sender that failed verification: it would go to whoever was forged
            # (and it takes nothing from that address's budget).
            acknowledge=not verdict.failed and self._ack_allowed(sender),
            triage_reason=UNVERIFIED_SENDER if verdict.failed else SEVERAL_YOUTHS if x.several_youths else None,
            notes=_verdict_notes(verdict),
        )


def _verdict_notes(verdict: SenderVerdict) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The timeline event of a request whose sender is not verified: the results that
    failed it, or that there were none."""
    kind = {Verification.FAILED: SENDER_UNVERIFIED, Verification.UNKNOWN: SENDER_NO_VERDICT}.get(verdict.verification)
    return ((kind, {k: v for k, v in verdict.as_dict().items() if v}),) if kind else ()


def references_named(raw: bytes) -> list[str]:
    """The references of requests and sign-ups a raw mail names anywhere (subject, our
    Message-IDs it answers, quoted text), as far as its bytes show them undecoded."""
    return sorted(set(ANY_REFERENCE_IN_TEXT.findall(raw.decode("latin-1").upper())))


def read_mail(raw: bytes, envelope_sender: str | None, limits: Limits, trusted_authserv_id: str = "") -> MailReading:
    """Everything intake reads from a mail's content, with no I/O: parsed (with its
    attached documents), the sender's verdict in the `Authentication-Results` header of
    `trusted_authserv_id`, then what a person's mail says of the youth, or the bounce a
    robot's reports. What a MailReader runs within the mail's budget; raises
    UnparseableMail only."""
    mail = parse_inbound(raw, envelope_sender, limits)
    verdict = verdict_from_headers(mail.authentication_results, trusted_authserv_id)
    if mail.automatic:
        bounce = None
        if BOUNCE_REASON.search(mail.automatic):
            bounce = bounce_from_report(raw[: limits.max_bytes].decode("latin-1"))
        return MailReading(mail, None, bounce, verdict)
    extraction = extract_request(
        mail.subject,
        mail.own_text,
        mail.forwarded_text,
        mail.signature,
        attachments=[(d.name, d.text) for d in mail.documents if d.text],
    )
    return MailReading(mail, extraction, verdict=verdict)


WARM_UP_MAIL = (
    "From: CPE <cpe@college.example.fr>\r\nTo: urgence@lementorat.fr\r\nSubject: Demande de mentorat\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nUne élève de 14 ans en 4e habite à Roubaix (59100) :"
    " soutien scolaire.\r\n"
).encode()


def warm_up(limits: Limits) -> None:
    """Loads in this process what reading a mail loads on first use (the document
    libraries, the extraction's place and word tables): done once before mail readers'
    child processes are forked from it, they share it instead of each loading it."""
    load_document_readers()
    read_mail(WARM_UP_MAIL, None, limits)


# -- the console's quarantine (docs/console.md) --------------------------------------------


@dataclass(frozen=True)
class QuarantinedMail:
    """What an operator reads of a quarantined mail: never its HTML as HTML."""

    key: str
    at: str
    reason: str
    envelope_sender: str
    headers: list[tuple[str, str]]
    text: str  # the text/plain part; else the HTML part's source, shown as text
    text_is_html_source: bool
    size: int


QUARANTINE_PAGE = 100
SHOWN_HEADERS = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "Auto-Submitted",
    "Content-Type",
    "Authentication-Results",
)
SHOWN_TEXT_MAX = 50_000


def quarantine_key(record: dict[str, Any]) -> str:
    """A quarantined mail's address in the console: its sort key (<at>#<id>), base64url."""
    return base64.urlsafe_b64encode(f"{record['at']}#{record['id']}".encode()).decode().rstrip("=")


class Quarantine:
    """List, read, reprocess (through ingest again, past the per-sender limit) and delete
    the mail that could not become a request. Each action is logged without personal data."""

    def __init__(self, *, mail_intake: MailIntakeService, store: Any, clock: Clock):
        self.mail_intake = mail_intake
        self.store = store  # MailLogStore and QuarantineStore
        self.clock = clock

    def list(self) -> list[dict[str, Any]]:
        items = self.store.list_quarantine(self.clock.now().epoch, QUARANTINE_PAGE)
        return [{**i, "key": quarantine_key(i)} for i in items]

    def _record(self, key: str) -> dict[str, Any] | None:
        try:
            sort_key = base64.urlsafe_b64decode(key[:200] + "=" * (-len(key[:200]) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        at, sep, qid = sort_key.rpartition("#")
        if not sep or not re.fullmatch(r"[0-9a-f]{32}", qid):
            return None
        found: dict[str, Any] | None = self.store.quarantined(f"{at}#{qid}", self.clock.now().epoch)
        return found

    def read(self, key: str) -> QuarantinedMail | None:
        record = self._record(key)
        if record is None:
            return None
        try:
            raw = self.mail_intake.raw_store.get(record["raw_key"])
        except (KeyError, FileNotFoundError, OSError):
            raw = b""
        headers, text, is_html = _readable(raw)
        return QuarantinedMail(
            key,
            record["at"],
            record.get("reason", ""),
            record.get("envelope_sender", ""),
            headers,
            text,
            is_html,
            len(raw),
        )

    def reprocess(self, key: str, operator: str) -> MailOutcome | None:
        """Ingest the raw mail again, past the per-sender limit: an operator vouches for
        it. The quarantine item goes (a new one is made if it fails again)."""
        record = self._record(key)
        if record is None:
            return None
        raw = self.mail_intake.raw_store.get(record["raw_key"])
        outcome = self.mail_intake.ingest(
            raw,
            record.get("envelope_sender") or None,
            [],
            raw_key=record["raw_key"],
            sender_limit=False,
            verdict=SenderVerdict.from_dict(record.get("sender_verdict")),
        )
        self.store.delete_quarantined(f"{record['at']}#{record['id']}")
        log.info(
            "quarantined mail reprocessed",
            extra={"quarantine": record["id"], "outcome": outcome.kind, "reference": outcome.reference},
        )
        return outcome

    def delete(self, key: str, operator: str) -> bool:
        """The raw mail and its item, for good."""
        record = self._record(key)
        if record is None:
            return False
        self._delete(record)
        return True

    def erase_naming(self, reference: str) -> int:
        """The quarantined mails that name `reference` (its record is being erased:
        services/erasure.py), raw mail and item, for good; how many."""
        found = self.store.quarantine_naming(reference)
        for record in found:
            self._delete(record)
        return len(found)

    def _delete(self, record: dict[str, Any]) -> None:
        try:
            self.mail_intake.raw_store.delete(record["raw_key"])
        except KeyError:
            pass
        self.store.delete_quarantined(f"{record['at']}#{record['id']}")
        log.info("quarantined mail deleted", extra={"quarantine": record["id"]})


def _readable(raw: bytes) -> tuple[list[tuple[str, str]], str, bool]:
    """Some headers and the text of a mail, as text: whatever it holds, nothing runs."""
    import email
    from email import policy

    if not raw:
        return [], "", False
    try:
        message = email.message_from_bytes(raw[: 2 * 1024 * 1024], policy=policy.default)
        headers = [(name, str(message.get(name, ""))[:500]) for name in SHOWN_HEADERS if message.get(name) is not None]
        part = message.get_body(preferencelist=("plain",))
        is_html = False
        if part is None:
            part, is_html = message.get_body(preferencelist=("html",)), True
        text = part.get_content() if part is not None else ""
        if not isinstance(text, str):
            text = ""
    except Exception:  # noqa: BLE001 - the mail is in quarantine because it is broken: show its start as text
        headers, text, is_html = [], raw[:SHOWN_TEXT_MAX].decode("utf-8", "replace"), False
    return headers, text[:SHOWN_TEXT_MAX], is_html and bool(text)
