"""Use cases of the console's queue and request page (contract section 10, issue 12).

The queue: tabs with counts read from the status counters the transactions keep (never a
Scan), pages newest first from the by_status / by_association / by_created indexes, and
the filters the indexes cannot answer (channel, département, need) applied over the
pages read. The request page: its fields, the routing explanation, the timeline; viewing
a page with contact details is a `viewed` timeline event naming the operator.

The actions are Request transitions committed as the other use cases commit theirs, each
a timeline event whose actor is the operator's address: "Attribuer" (sticky, capacity
held unless an admin overrides it), "Router à nouveau" (policy v1 again), "Clore",
"Renvoyer l'e-mail", and "Effacer les données personnelles" (admins).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Mapping, Optional

from ..config import Settings
from ..domain.models import Association
from ..domain.operators import Operator
from ..domain.request import CLOSE_REASONS, Change, InvalidTransition, Moment, Request, scrub_event
from ..domain.routing import route_request
from ..domain.vocabulary import Channel, Need, Status
from .clock import Clock
from .concurrency import commit_with_retries
from .directory import DirectoryService, DirectorySnapshot
from .mails import MailComposer
from .ports import QueueStore, Refusal, Rejected, RequestStore, Transition

log = logging.getLogger(__name__)

PAGE_SIZE = 25
# Filters the indexes cannot answer are applied over the pages read: at most this many
# reads fill one page, so a page costs the same whatever the number of requests.
MAX_READS_PER_PAGE = 4
# A `viewed` event per operator and page visit, but not again within this delay.
VIEW_AGAIN_SECONDS = 1800
# A reply received by mail is shown in full from its raw mail, up to this many characters.
REPLY_TEXT_MAX = 20_000


@dataclass(frozen=True)
class Tab:
    slug: str
    status: Optional[str]
    label: str


TABS = (
    Tab("a-trier", Status.NEEDS_TRIAGE.value, "À trier"),
    Tab("en-attente", Status.ROUTED.value, "En attente"),
    Tab("acceptees", Status.ACCEPTED.value, "Acceptées"),
    Tab("closes", Status.CLOSED.value, "Closes"),
    Tab("toutes", None, "Toutes"),
)
TAB_BY_SLUG = {t.slug: t for t in TABS}

CHANNEL_LABELS = {
    Channel.FORM.value: "Formulaire jeune",
    Channel.REFERENT_FORM.value: "Formulaire référent",
    Channel.API.value: "API partenaire",
    Channel.EMAIL.value: "E-mail",
}
STATUS_LABELS = {
    "needs_triage": "À trier", "routed": "En attente de l'association", "accepted": "Acceptée", "closed": "Close",
}
# Events that no operator caused and that an operator should see: the queue's badge.
ACTIVITY_BADGES = {
    "reply_received": "Réponse reçue",
    "bounced": "E-mail rejeté",
    "reminded": "Relance envoyée",
    "declined": "Refusée par une association",
    "rerouted": "Routée à nouveau",
}
EVENT_LABELS = {
    "received": "Demande reçue",
    "routed": "Envoyée à une association",
    "needs_triage": "À trier",
    "accepted": "Acceptée par l'association",
    "declined": "Refusée par l'association",
    "rerouted": "Routée à nouveau",
    "bounced": "E-mail de l'association rejeté",
    "reminded": "Relance envoyée à l'association",
    "assigned": "Attribuée par l'équipe",
    "closed": "Close",
    "reply_received": "Réponse reçue par e-mail",
    "viewed": "Coordonnées consultées",
    "mail_resent": "E-mail renvoyé à l'association",
    "erased": "Données personnelles effacées",
}
RULE_LABELS = {
    "active": "Association inactive",
    "territory": "Territoire non couvert",
    "age": "Âge non accueilli",
    "situation": "Situation non accueillie",
    "need": "Besoin non proposé",
    "publics_required": "Public requis absent",
    "declined": "A déjà refusé cette demande",
    "capacity": "Complète",
}
TERRITORY_LEVELS = {"commune": "commune", "departement": "département", "region": "région", "national": "national"}


class ConsoleRefusal(Exception):
    """An action the request's state or the rules refuse: the page says why, in French."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


class UnknownRequest(Exception):
    """No request has this reference (or it expired)."""


# -- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """The queue's GET form: a tab and the filters, validated (unknown values dropped)."""

    tab: Tab = TABS[0]
    channel: Optional[str] = None
    association: Optional[str] = None
    departement: Optional[str] = None
    need: Optional[str] = None
    date_from: Optional[date] = None
    date_to: Optional[date] = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> "QueueFilters":
        def text(name: str, size: int) -> Optional[str]:
            value = (params.get(name) or "").strip()
            return value[:size] if value else None

        def day(name: str) -> Optional[date]:
            try:
                return date.fromisoformat(text(name, 10) or "")
            except ValueError:
                return None

        channel = text("canal", 20)
        need = text("besoin", 20)
        departement = (text("departement", 3) or "").upper() or None
        return cls(
            tab=TAB_BY_SLUG.get(params.get("onglet") or "", TABS[0]),
            channel=channel if channel in CHANNEL_LABELS else None,
            association=text("association", 64),
            departement=departement if departement and departement.isalnum() else None,
            need=need if need in {n.value for n in Need} else None,
            date_from=day("du"),
            date_to=day("au"),
        )

    def query(self, tab: Optional[Tab] = None, cursor: Optional[str] = None) -> dict[str, str]:
        """The query string's fields (the tabs' links, the next page, the export)."""
        out = {"onglet": (tab or self.tab).slug}
        for name, value in (
            ("canal", self.channel), ("association", self.association), ("departement", self.departement),
            ("besoin", self.need), ("du", self.date_from.isoformat() if self.date_from else None),
            ("au", self.date_to.isoformat() if self.date_to else None), ("page", cursor),
        ):
            if value:
                out[name] = value
        return out

    @property
    def filtered(self) -> bool:
        return any((self.channel, self.association, self.departement, self.need, self.date_from, self.date_to))

    def matches(self, record: Mapping[str, Any]) -> bool:
        """What the indexes did not filter: channel, département, need."""
        if self.channel and record.get("channel") != self.channel:
            return False
        if self.departement and (record.get("place") or {}).get("departement") != self.departement:
            return False
        if self.need and (record.get("fields") or {}).get("need") != self.need:
            return False
        return True


@dataclass(frozen=True)
class QueueRow:
    reference: str
    created: str  # "24/11/2026 10:05", Europe/Paris
    created_iso: str
    channel: str
    age: Optional[int]
    departement: Optional[str]
    need: Optional[str]
    association: Optional[str]
    status: str
    badge: Optional[str]


@dataclass(frozen=True)
class QueueView:
    filters: QueueFilters
    counts: list[tuple[Tab, int]]
    rows: list[QueueRow]
    next_cursor: Optional[str]
    associations: list[Association]


# -- the request page ---------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: str  # Europe/Paris
    at_iso: str
    type: str
    label: str
    actor: str
    detail: dict[str, Any]
    reply: Optional[dict[str, Any]] = None  # a reply received by mail: from, subject, text


@dataclass(frozen=True)
class RequestPage:
    record: dict[str, Any]
    request: Request
    timeline: list[TimelineEntry]
    candidates: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    associations: list[dict[str, Any]]  # the active ones, for "Attribuer": id, name, full
    association: Optional[Association]
    actions: dict[str, bool] = field(default_factory=dict)


def paris_zone() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no time-zone data on the host: UTC, an hour or two off
        return timezone.utc


def paris_time(iso: str) -> str:
    """"24/11/2026 10:05" in Europe/Paris, from the timeline's UTC ISO time."""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return moment.astimezone(paris_zone()).strftime("%d/%m/%Y %H:%M")


def paris_midnight_utc(day: date) -> str:
    """The UTC ISO time at which a Europe/Paris day starts (the lists' sort keys are UTC)."""
    start = datetime(day.year, day.month, day.day, tzinfo=paris_zone()).astimezone(timezone.utc)
    return start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ConsoleService:
    def __init__(
        self,
        *,
        requests: RequestStore,
        queue: QueueStore,
        directory: DirectoryService,
        mails: MailComposer,
        clock: Clock,
        settings: Settings,
        raw_mail: Optional[Any] = None,
    ):
        """`raw_mail`: the inbound mail as received (RawMailStore, with `delete`): replies
        are read from it in full, and an erasure deletes the request's mails from it."""
        self.raw_mail = raw_mail
        self.requests = requests
        self.queue_store = queue
        self.directory = directory
        self.mails = mails
        self.clock = clock
        self.settings = settings

    # -- the queue --------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Requests per tab: the status counters, one read."""
        by_status = self.queue_store.status_counts(self.clock.now().epoch)
        counts = {t.slug: max(0, by_status.get(t.status, 0)) for t in TABS if t.status}
        counts["toutes"] = sum(counts.values())
        return counts

    def queue(self, filters: QueueFilters, cursor: Optional[str] = None) -> QueueView:
        counts = self.counts()
        now = self.clock.now().epoch
        created_from = paris_midnight_utc(filters.date_from) if filters.date_from else None
        created_to = paris_midnight_utc(filters.date_to + timedelta(days=1)) if filters.date_to else None
        records: list[dict[str, Any]] = []
        for _ in range(MAX_READS_PER_PAGE):
            page, cursor = self.queue_store.queue_page(
                now, filters.tab.status, filters.association, created_from, created_to, PAGE_SIZE - len(records), cursor
            )
            records += [r for r in page if filters.matches(r)]
            if cursor is None or len(records) >= PAGE_SIZE:
                break
        snapshot = self.directory.snapshot()
        return QueueView(
            filters, [(t, counts[t.slug]) for t in TABS], [self._row(r, snapshot) for r in records], cursor,
            list(snapshot.index.associations),
        )

    def _row(self, record: Mapping[str, Any], snapshot: DirectorySnapshot) -> QueueRow:
        f = record.get("fields") or {}
        need = f.get("need")
        association = record.get("association") or {}
        return QueueRow(
            reference=record["reference"],
            created=paris_time(record["created_at"]),
            created_iso=record["created_at"],
            channel=CHANNEL_LABELS.get(record.get("channel") or "", record.get("channel") or ""),
            age=f.get("age"),
            departement=(record.get("place") or {}).get("departement"),
            need=Need(need).label if need in {n.value for n in Need} else None,
            association=association.get("name"),
            status=STATUS_LABELS.get(record.get("status") or "", record.get("status") or ""),
            badge=ACTIVITY_BADGES.get(record.get("last_event") or ""),
        )

    # -- the request page --------------------------------------------------------------

    def request_page(self, reference: str, operator: Operator) -> RequestPage:
        """The page; opening it while it shows contact details is a `viewed` event."""
        request = self._load(reference)
        if not request.erased and self._should_log_view(request, operator):
            at = self.clock.now()
            event = _event(at.iso, "viewed", operator.email)
            if self.requests.append_event(request.id, event, len(request.events), request.expires_at):
                request = self._load(reference)
        return self._page(request, operator)

    def _should_log_view(self, request: Request, operator: Operator) -> bool:
        if not request.events:
            return True
        last = request.events[-1]
        if last.get("type") != "viewed" or last.get("actor") != operator.email:
            return True
        try:
            seen = datetime.fromisoformat(str(last["at"]).replace("Z", "+00:00")).timestamp()
        except ValueError:
            return True
        return self.clock.now().epoch - seen >= VIEW_AGAIN_SECONDS

    def _page(self, request: Request, operator: Operator) -> RequestPage:
        snapshot = self.directory.snapshot()
        names = {a.id: a.name for a in snapshot.index.associations}
        routing = request.routing or {}
        candidates = [
            {
                "id": c["id"], "name": names.get(c["id"], c["id"]), "score": c.get("score"),
                "publics": (c.get("parts") or {}).get("publics"), "territory": (c.get("parts") or {}).get("territory"),
                "territory_level": TERRITORY_LEVELS.get((c.get("parts") or {}).get("territory_level") or "", ""),
                "first_need": (c.get("parts") or {}).get("first_need"),
                "load_share": round(100 * float(c.get("load_share") or 0)),
                "chosen": c["id"] == routing.get("association"),
            }
            for c in routing.get("candidates") or []
        ]
        excluded = [
            {"rule": RULE_LABELS.get(rule, rule), "associations": [names.get(i, i) for i in ids]}
            for rule, ids in (routing.get("excluded") or {}).items() if ids
        ]
        active = [
            {
                "id": a.id, "name": a.name, "capacity": a.capacity, "load": snapshot.load.get(a.id, 0),
                "full": a.capacity is not None and snapshot.load.get(a.id, 0) >= a.capacity,
            }
            for a in snapshot.index.associations if a.active
        ]
        open_ = request.status in {Status.NEEDS_TRIAGE, Status.ROUTED}
        actions = {
            "assign": open_ and not request.erased,
            "reroute": open_ and not request.erased,
            "close": request.status != Status.CLOSED,
            "resend": request.status == Status.ROUTED and not request.erased,
            "erase": operator.is_admin and not request.erased,
        }
        return RequestPage(
            record=request.to_record(), request=request, timeline=[self._entry(e) for e in request.events],
            candidates=candidates, excluded=excluded, associations=active,
            association=snapshot.get(request.association_id or ""), actions=actions,
        )

    # -- the actions ----------------------------------------------------------------

    def assign(
        self, reference: str, operator: Operator, association_id: str, reason: str, override_capacity: bool = False
    ) -> Request:
        """"Attribuer": routed to that association by hand (sticky), mailed as usual."""
        reason = (reason or "").strip()[:500]
        if override_capacity and not operator.is_admin:
            raise ConsoleRefusal("Seuls les administrateurs peuvent dépasser la capacité d'une association.", 403)
        request = self._load(reference)
        self._not_erased(request)
        for _ in range(5):
            snapshot = self.directory.snapshot()
            association = snapshot.get(association_id or "")
            if association is None or not association.active:
                raise ConsoleRefusal("Choisissez une association active de l'annuaire.", 422)
            load = snapshot.load.get(association.id, 0)
            if not override_capacity and association.capacity is not None and load >= association.capacity:
                raise ConsoleRefusal(
                    f"{association.name} est complète ({load} demandes en attente pour une capacité de "
                    f"{association.capacity}). Choisissez une autre association"
                    + (", ou cochez « Dépasser la capacité »." if operator.is_admin else "."),
                    409,
                )
            change = self._transition(lambda: request.assign(association, operator.email, reason, self._moment(), override_capacity))
            try:
                self._commit(change)
            except Rejected as refused:
                if refused.what is Refusal.STALE:
                    raise ConsoleRefusal("La demande a changé entre-temps : rechargez la page.") from None
                if refused.contention:
                    self.directory.refresh_load()
                    continue
                raise
            self._moved(change)
            log.info("console: request assigned", extra={"reference": request.reference, "override": override_capacity})
            return change.after
        raise ConsoleRefusal("L'association est très sollicitée en ce moment : réessayez.", 503)

    def reroute(self, reference: str, operator: Operator, confirmed: bool = False) -> Request:
        """"Router à nouveau": policy v1 again, leaving out only the associations that
        declined it. A manual assignment moves only once the operator confirms."""
        request = self._load(reference)
        self._not_erased(request)
        if request.status not in {Status.NEEDS_TRIAGE, Status.ROUTED}:
            raise ConsoleRefusal("Seule une demande à trier ou en attente peut être routée à nouveau.")
        if request.manual and not confirmed:
            raise ConsoleRefusal(
                "Cette demande a été attribuée à la main : cochez « Confirmer » pour la router à nouveau.", 409
            )

        def attempt(snapshot: DirectorySnapshot) -> Change:
            decision = route_request(
                request.routing_query(), snapshot.index, snapshot.load, request.declined, self.settings.routing_weights
            )
            if request.status == Status.ROUTED and decision.association_id == request.association_id:
                raise ConsoleRefusal("Le routage désigne la même association : rien n'a changé.", 409)
            association = snapshot.get(decision.association_id) if decision.association_id else None
            change = self._transition(lambda: request.reroute_by_operator(operator.email, decision, association, self._moment()))
            self._commit(change)
            return change

        try:
            change = commit_with_retries(self.directory, attempt)
        except Rejected as refused:
            if refused.what is Refusal.STALE:
                raise ConsoleRefusal("La demande a changé entre-temps : rechargez la page.") from None
            raise
        self._moved(change)
        log.info("console: request routed again", extra={"reference": request.reference, "status": change.after.status.value})
        return change.after

    def close(self, reference: str, operator: Operator, reason: str) -> Request:
        if reason not in CLOSE_REASONS:
            raise ConsoleRefusal("Choisissez le motif de clôture.", 422)
        request = self._load(reference)
        change = self._transition(lambda: request.close(operator.email, reason, self._moment()))
        self._commit_once(change)
        self._moved(change)
        log.info("console: request closed", extra={"reference": request.reference, "reason": reason})
        return change.after

    def resend(self, reference: str, operator: Operator) -> Request:
        request = self._load(reference)
        self._not_erased(request)
        association = self.directory.snapshot().get(request.association_id or "")
        if request.status != Status.ROUTED or association is None:
            raise ConsoleRefusal("Aucune association n'attend de réponse sur cette demande.")
        change = self._transition(lambda: request.resend_mail(operator.email, association, self._moment()))
        self._commit_once(change)
        log.info("console: association mail sent again", extra={"reference": request.reference})
        return change.after

    def erase(self, reference: str, operator: Operator) -> Request:
        """GDPR art. 17: the admin's erasure, and the timeline scrubbed with it."""
        if not operator.is_admin:
            raise ConsoleRefusal("Cette action est réservée aux administrateurs du réseau.", 403)
        request = self._load(reference)
        change = self._transition(lambda: request.erase(operator.email, self._moment()))
        scrubbed = [scrub_event(e) for e in request.events]
        try:
            self.queue_store.erase_request(self._as_transition(change), scrubbed)
        except Rejected as refused:
            if refused.what is Refusal.STALE:
                raise ConsoleRefusal("La demande a changé entre-temps : rechargez la page.") from None
            raise
        self._delete_raw_mail(request)
        log.info("console: personal data erased", extra={"reference": request.reference})
        return change.after

    def _delete_raw_mail(self, request: Request) -> None:
        """The inbound mails that made or answered the request, as received: gone with it.
        After the commit: a failure here leaves a raw mail to its own retention, logged."""
        if self.raw_mail is None:
            return
        keys = [(request.inbound or {}).get("raw_key")]
        keys += [(e.get("detail") or {}).get("raw_key") for e in request.events if e.get("type") == "reply_received"]
        for key in dict.fromkeys(k for k in keys if k):
            try:
                self.raw_mail.delete(key)
            except Exception as exc:  # noqa: BLE001 - the erasure itself is committed
                log.warning("console: raw mail not deleted on erasure", extra={"error": type(exc).__name__})

    def _entry(self, event: Mapping[str, Any]) -> TimelineEntry:
        entry = _entry(event)
        if entry.reply is not None and self.raw_mail is not None and entry.detail.get("raw_key"):
            full = self._reply_text(str(entry.detail["raw_key"]))
            if full:
                entry.reply["text"] = full
        return entry

    def _reply_text(self, key: str) -> Optional[str]:
        """A reply's own text (quoted history cut), read from the raw mail; None if it is
        gone (retention, erasure) or unreadable: the stored excerpt is shown then."""
        from ..domain.inbound_mail import UnparseableMail, parse_inbound

        try:
            mail = parse_inbound(self.raw_mail.get(key))
        except (KeyError, OSError, UnparseableMail):
            return None
        except Exception as exc:  # noqa: BLE001 - S3 errors: the excerpt will do
            log.warning("console: reply not read", extra={"error": type(exc).__name__})
            return None
        return (mail.own_text or mail.text or "")[:REPLY_TEXT_MAX] or None

    # -- shared ---------------------------------------------------------------------

    def _load(self, reference: str) -> Request:
        record = self.requests.get_request(reference, self.clock.now().epoch) if reference else None
        if record is None:
            raise UnknownRequest(reference)
        return Request.from_record(record)

    @staticmethod
    def _not_erased(request: Request) -> None:
        if request.erased:
            raise ConsoleRefusal("Les données de cette demande ont été effacées : elle ne peut plus être routée.")

    @staticmethod
    def _transition(make: Any) -> Change:
        try:
            return make()
        except InvalidTransition:
            raise ConsoleRefusal("Cette action n'est pas possible dans l'état actuel de la demande.") from None

    def _moment(self) -> Moment:
        now = self.clock.now()
        return Moment(now.epoch, now.iso)

    def _moved(self, change: Change) -> None:
        before, after = change.before, change.after
        if before.association_id and before.status == Status.ROUTED and (
            after.association_id != before.association_id or after.status != Status.ROUTED
        ):
            self.directory.note_released(before.association_id)
        if after.status == Status.ROUTED and after.association_id and (
            after.association_id != before.association_id or before.status != Status.ROUTED
        ):
            self.directory.note_taken(after.association_id)

    def _commit_once(self, change: Change) -> None:
        try:
            self._commit(change)
        except Rejected as refused:
            if refused.what in {Refusal.STALE, Refusal.CONFLICT}:
                raise ConsoleRefusal("La demande a changé entre-temps : rechargez la page.") from None
            raise

    def _as_transition(self, change: Change) -> Transition:
        before, after = change.before, change.after
        record = after.to_record()
        record.pop("events"), record.pop("expires_at")
        return Transition(
            request=record,
            from_status=before.status.value,
            from_attempt=before.attempt,
            events=list(change.events),
            mails=[self.mails.render(intent, after) for intent in change.mails],
            expires_at=before.expires_at,
            mail_expires_at=self.clock.now().epoch + self.settings.mail_retention_days * 86400,
            load_changes=[(c.association_id, c.delta, c.capacity) for c in change.load],
            event_seq=len(before.events),
            assigned_before=before.assigned_at,  # the statistics' time to answer
        )

    def _commit(self, change: Change) -> None:
        self.requests.commit_transition(self._as_transition(change))


def _event(at: str, type_: str, actor: str) -> Any:
    from ..domain.request import Event

    return Event(at, type_, actor, {})


def _entry(event: Mapping[str, Any]) -> TimelineEntry:
    detail = dict(event.get("detail") or {})
    reply = None
    if event.get("type") == "reply_received":
        reply = {"from": detail.get("from"), "subject": detail.get("subject"), "text": detail.get("excerpt")}
    return TimelineEntry(
        at=paris_time(str(event.get("at") or "")), at_iso=str(event.get("at") or ""), type=str(event.get("type")),
        label=EVENT_LABELS.get(str(event.get("type")), str(event.get("type"))), actor=str(event.get("actor") or ""),
        detail=detail, reply=reply,
    )
