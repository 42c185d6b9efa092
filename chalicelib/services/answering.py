"""The association's answer through its signed link, and its silence: one flow that
serves requests (services/answers.py) and volunteers' sign-ups (services/mentors.py).

The link's page only reads (mail scanners open every link). Accept: one conditional
transaction. Decline: routed onward, never back to an association that let it go.
Silence: a reminder after REMINDER_DAYS, the next candidate after REROUTE_DAYS. A bounce
of the association's mail (SES notification, or a delivery report reaching the intake
address): the next candidate at once, and the address is flagged. A change that lost the
race to another answer shows what happened instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from ..config import Settings
from ..domain.change import Moment
from ..domain.email_address import address_key
from ..domain.models import Association
from ..domain.routed_record import Change, RoutedRecord
from .clock import Clock
from .concurrency import commit_retrying_conflicts
from .directory import DirectoryService
from .mails import RecordMails
from .ports import AnswerLinks, Assignment, InvalidLink, MailLogStore, OutboxStore, Refusal, Rejected, RoutedStore
from .transitions import moment_now, record_change, retention_seconds

DECLINE_REASONS = (
    ("complet", "Nous n'avons plus de place pour le moment"),
    ("territoire", "Ce territoire n'est pas couvert par notre association"),
    ("profil", "L'âge, la situation ou le besoin ne correspondent pas à notre action"),
    ("autre", "Autre raison"),
)


class UnknownRequest(Exception):
    """The link is genuine but its request is gone (expired) or never existed."""


class InvalidAnswer(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class AnswerPageState:
    """What an answer link shows: the record as it stands, for which association and routing."""

    state: str  # "open", "accepted", "declined", "elsewhere"
    record: dict[str, Any]
    association: Association | None
    assignment: Assignment
    just_done: str | None = None


Entity = TypeVar("Entity", bound=RoutedRecord)  # Request or MentorSignup
# A move away from the association: (record, routing decision, next association, when) -> change.
Move = Callable[[Entity, Any, Association | None, Moment], Change[Entity]]


@dataclass(eq=False, kw_only=True)
class AnswerFlow(Generic[Entity]):
    """The answer's use cases, for one kind of record (`record_type`, whose KIND names its
    links, mails and store); a subclass says how its records are routed."""

    record_type: ClassVar[type[RoutedRecord]]  # Request or MentorSignup

    directory: DirectoryService
    links: AnswerLinks
    clock: Clock
    settings: Settings
    outbox: OutboxStore  # a bounced mail's kind and record
    mail_log: MailLogStore  # the addresses whose mail bounced
    store: RoutedStore[Entity]  # the kind's records
    mails: RecordMails  # the kind's mails

    # -- what differs between requests and sign-ups --------------------------------------

    def _after_accept(self, association: Association) -> None:
        """What follows a committed acceptance (the directory's cached load)."""

    def _with_retries(self, attempt: Callable[[Any], Change[Entity]]) -> Change[Entity]:
        """Run `attempt` on fresh load counts until it commits (or is refused otherwise)."""
        raise NotImplementedError

    def _decide(self, entity: Entity, load_source: Any, excluded: tuple[str, ...]) -> tuple[Any, Association | None]:
        """Route again without `excluded`: the decision and the association it names."""
        raise NotImplementedError

    def _routed_onward(self, leaving: str, change: Change[Entity]) -> None:
        """What follows a committed move onward (the directory's cached load, the log)."""

    # -- the association's page -----------------------------------------------------------

    def view(self, token: str) -> AnswerPageState:
        """What the link shows. Reads only: mail scanners open every link."""
        return self._open(token)[0]

    def accept(self, token: str) -> AnswerPageState:
        view, entity, association, assignment = self._open_to_answer(token)
        if entity is None or association is None:
            return view  # a second click, or an answer after another outcome: show what happened
        at = self._moment()
        longer = self.record_type.KIND.accepted_retention_setting  # a sign-up is kept longer once accepted
        change = entity.accept(association, at, at.epoch + retention_seconds(longer, self.settings) if longer else None)
        if not self._committed(change):
            return self.view(token)  # another answer won the race: show it
        self._after_accept(association)
        return self._answer_view("accepted", change.after, association, assignment, "accepted")

    def decline(self, token: str, reason: str | None, comment: str | None) -> AnswerPageState:
        if reason not in {value for value, _ in DECLINE_REASONS}:
            raise InvalidAnswer("reason", "Choisissez la raison du refus.")
        view, entity, association, assignment = self._open_to_answer(token)
        if entity is None or association is None:
            return view
        note = (comment or "").strip()[:1000]
        after = self._route_onward(entity, lambda e, d, a, at: e.decline(reason, note, d, a, at))
        if after is None:
            return self.view(token)
        return self._answer_view("declined", after, association, assignment, "declined")

    def _open(self, token: str) -> tuple[AnswerPageState, Entity, Association | None, Assignment, str]:
        assignment = self.links.read_answer_token(token)  # InvalidLink: tampered or expired
        if assignment.kind != self.record_type.KIND.name:
            raise InvalidLink("invalid")  # a link meant for another kind of record
        entity = self._load(assignment.request_id)
        association = self.directory.snapshot().get(assignment.association_id)
        state = entity.answer_state(assignment.association_id, assignment.attempt)
        return self._answer_view(state, entity, association, assignment), entity, association, assignment, state

    def _open_to_answer(self, token: str) -> tuple[AnswerPageState, Entity | None, Association | None, Assignment]:
        """The page, and the record if it still waits on this link's association."""
        view, entity, association, assignment, state = self._open(token)
        return view, (entity if state == "open" else None), association, assignment

    # -- a bounce of the association's mail ------------------------------------------------

    def association_mail_bounced(self, mail_id: str, address: str | None, reason: str) -> bool:
        """Our mail `mail_id` (outbox) could not be delivered: if it is one of this kind's
        mails to the association the record waits on, route onward now; flag the address.
        False for another kind's mail, or an old one (the record has moved on)."""
        mail = self.outbox.mail_state(mail_id)
        mails = self.record_type.KIND.mails
        if mail is None or mail.get("kind") not in {mails.new, mails.reminder}:
            return False
        # A report without its recipient names the mail's; an erased request's mail has none.
        address = address or next(iter(mail.get("to") or ()), None)
        if address is None:
            return False
        now = self.clock.now()
        entity = self.store.get(mail["request_id"], now.epoch)
        if entity is None:
            return False
        association = self.directory.snapshot().get(entity.association_id or "")
        self.mail_log.flag_address(association.id if association else "unknown", address, now.iso, reason)
        if entity.status.value != "routed" or association is None:
            return False
        # The report names the address as sent (its domain in punycode), the directory as typed.
        if address_key(address) not in {address_key(e) for e in association.emails}:
            return False
        return self._route_onward(entity, lambda e, d, a, at: e.bounce(address, reason, d, a, at)) is not None

    # -- silence (the sweeper) -------------------------------------------------------------

    def sweep_silence(self) -> tuple[int, int]:
        """Remind associations that have not answered; route onward those that still have not."""
        now = self.clock.now()
        reminded = rerouted = 0
        for entity in self.store.waiting_since(now.epoch - self.settings.reminder_days * 86400, now.epoch):
            waited = now.epoch - int(entity.assigned_at or now.epoch)
            if waited >= self.settings.reroute_days * 86400:
                rerouted += self._route_onward(entity, lambda e, d, a, at: e.reroute_for_silence(d, a, at)) is not None
            elif not entity.reminded_at and not entity.erased:
                # No reminder about an erased record: a mail about a person whose data is gone.
                reminded += self._remind(entity, waited // 86400)
        return reminded, rerouted

    def _remind(self, entity: Entity, days_waiting: int) -> bool:
        association = self._association(entity.association_id)
        if association is None:
            return False
        return self._committed(entity.remind(days_waiting, association, self._moment()))  # False: answered meanwhile

    # -- shared ---------------------------------------------------------------------------

    def _route_onward(self, entity: Entity, move: Move[Entity]) -> RoutedRecord | None:
        """Route again without the association that lets it go, nor any that declined it,
        and apply `move` (decline, silence, bounce); None if another change of the record
        won meanwhile."""
        leaving = entity.association_id or ""
        excluded = entity.excluding(leaving)

        def attempt(load_source: Any) -> Change[Entity]:
            decision, association = self._decide(entity, load_source, excluded)
            change = move(entity, decision, association, self._moment())
            self._commit(change)
            return change

        try:
            change = self._with_retries(attempt)
        except Rejected as refused:
            if refused.what is Refusal.STALE:
                return None
            raise
        self._routed_onward(leaving, change)
        return change.after

    def _commit(self, change: Change[Entity]) -> None:
        """Commit the change in one conditional transaction of the kind's store: that is
        the outcome. The mails it stored leave through the table's stream (services/outbox.py)."""
        self.store.commit_change(record_change(change, self.mails.render, self.clock, self.settings))

    def _committed(self, change: Change[Entity]) -> bool:
        """Commit; False if the record moved on since it was read (another change won)."""
        try:
            commit_retrying_conflicts(lambda: self._commit(change))
        except Rejected as refused:
            if refused.what is not Refusal.STALE:
                raise
            return False
        return True

    def _answer_view(
        self,
        state: str,
        entity: RoutedRecord,
        association: Association | None,
        assignment: Assignment,
        just_done: str | None = None,
    ) -> AnswerPageState:
        return AnswerPageState(state, entity.to_record(), association, assignment, just_done)

    def _association(self, association_id: str | None) -> Association | None:
        return self.directory.snapshot().get(association_id) if association_id else None

    def _load(self, record_id: str) -> Entity:
        entity = self.store.get(record_id, self.clock.now().epoch)
        if entity is None:
            raise UnknownRequest()
        return entity

    def _moment(self) -> Moment:
        return moment_now(self.clock)
