"""Use cases of volunteer mentors (contract section 11), with the machinery of requests.

- `MentorService.sign_up`: route under mentor v1, then ONE transaction (the sign-up, its
  reference, timeline, mails, idempotency record, per-IP counter and the association's
  mentor load counter, refused at `mentor_capacity`);
- the association's answer through the same signed link as requests' (its assignment's
  kind is "mentor"): `view`, `accept`, `decline`; silence: `sweep_silence`;
- `MentorQueries`: one sign-up, lists and counts per status (admin API, the console).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from ..config import Settings
from ..domain.mentor import MentorChange, MentorSignup, new_mentor_reference
from ..domain.mentor_routing import MentorRoutingDecision, route_mentor
from ..domain.mentor_submission import MentorSubmission
from ..domain.models import Association
from ..domain.request import Moment
from ..domain.territory import resolve_place
from ..domain.vocabulary import Status
from .answers import DECLINE_REASONS, InvalidAnswer, UnknownRequest
from .clock import Clock
from .concurrency import MAX_ATTEMPTS, ContentionExhausted
from .directory import DirectoryService
from .intake import Idempotency, IdempotencyConflict, IntakeResult, RateLimited
from .mentor_mails import MentorMails
from .ports import AnswerLinks, Assignment, InvalidLink, MentorStore, MentorTransition, MentorWrite, Refusal, Rejected

log = logging.getLogger(__name__)

MENTOR_CHANNELS = ("form", "api")


@dataclass(frozen=True)
class MentorAnswerView:
    state: str  # "open", "accepted", "declined", "elsewhere"
    signup: dict[str, Any]
    association: Optional[Association]
    assignment: Assignment
    just_done: Optional[str] = None


class MentorService:
    def __init__(
        self, *, mentors: MentorStore, directory: DirectoryService, mails: MentorMails, links: AnswerLinks,
        clock: Clock, settings: Settings,
    ):
        self.store = mentors
        self.directory = directory
        self.mails = mails
        self.links = links
        self.clock = clock
        self.settings = settings

    # -- signing up ------------------------------------------------------------------

    def sign_up(
        self, submission: MentorSubmission, channel: str, idempotency: Optional[Idempotency] = None,
        rate_key: Optional[str] = None,
    ) -> IntakeResult:
        """Route and store a sign-up in one transaction; its mails wait in the outbox."""
        if idempotency:
            # Requests' and sign-ups' keys are one table's items: a partner may use the same
            # key on both doors without one answering for the other.
            idempotency = replace(idempotency, key=f"mentor-{idempotency.key}")
        now = self.clock.now()
        at = Moment(now.epoch, now.iso)
        place = resolve_place(submission.postal_code, submission.city)
        received = MentorSignup(
            id=uuid.uuid4().hex,
            reference=new_mentor_reference(),
            channel=channel,
            status=Status.NEEDS_TRIAGE,  # until routed: the transition decides
            created_at=at.iso,
            updated_at=at.iso,
            fields=submission.model_dump(mode="json"),
            expires_at=at.epoch + self.settings.mentor_retention_days * 86400,
            place=place.__dict__ if place else None,
        )

        def attempt(load: dict[str, int]) -> IntakeResult:
            decision = self._route(received, load, ())
            change = received.first_routing(decision, self._association(decision.association_id), at)
            write = self._write(change, at, idempotency, rate_key)
            self.store.commit_signup(write)
            return self._result(write.signup, tuple(m.id for m in write.mails))

        def retry_also(refused: Rejected) -> bool:
            nonlocal received
            if refused.what is not Refusal.REFERENCE:
                return False
            received = replace(received, reference=new_mentor_reference())
            return True

        try:
            result = self._with_retries(attempt, retry_also)
        except Rejected as refused:
            if refused.what is Refusal.RATE:
                raise RateLimited() from None
            if refused.what is Refusal.IDEMPOTENCY and idempotency:
                return self._replay(idempotency, now.epoch)
            raise
        # Reference and outcome only: nothing personal in the log.
        log.info(
            "mentor sign-up received",
            extra={"reference": result.reference, "channel": channel, "status": result.status,
                   "association": (result.association or {}).get("id")},
        )
        return result

    def _replay(self, idempotency: Idempotency, now: int) -> IntakeResult:
        stored = self.store.idempotency(idempotency.key, now)
        if stored is None:
            raise IdempotencyConflict()
        if idempotency.must_match_body and stored.fingerprint != idempotency.fingerprint:
            raise IdempotencyConflict()
        r = stored.response
        return IntakeResult(r["id"], r["reference"], r["status"], r["association"], replayed=True)

    def _write(
        self, change: MentorChange, at: Moment, idempotency: Optional[Idempotency], rate_key: Optional[str]
    ) -> MentorWrite:
        signup = change.after
        record = signup.to_record()
        record.pop("events"), record.pop("expires_at")
        taken = next((c for c in change.load if c.delta > 0), None)
        write = MentorWrite(
            signup=record,
            events=list(change.events),
            mails=[self.mails.render(intent, signup) for intent in change.mails],
            expires_at=signup.expires_at,
            keep_until=self._keep_until(signup),
            mail_expires_at=at.epoch + self.settings.mail_retention_days * 86400,
            capacity_of=(taken.association_id, taken.capacity) if taken else None,
            at=at.epoch,
        )
        if idempotency:
            write.idempotency_key = idempotency.key
            write.idempotency_fingerprint = idempotency.fingerprint
            write.idempotency_response = self._result(record).as_response()
            write.idempotency_expires_at = at.epoch + self.settings.idempotency_hours * 3600
        if rate_key:
            window = at.epoch // self.settings.rate_limit_seconds
            write.rate_key = f"{rate_key}#{window}"
            write.rate_limit = self.settings.rate_limit_count
            write.rate_expires_at = (window + 1) * self.settings.rate_limit_seconds
        return write

    def _keep_until(self, signup: MentorSignup) -> int:
        """The reference and timeline outlive the sign-up's data at most this long: an
        acceptance (before the data expires) keeps the data `retention_days` more. They
        hold no contact detail, and every read goes through the sign-up itself."""
        return signup.expires_at + self.settings.retention_days * 86400

    @staticmethod
    def _result(record: dict[str, Any], mail_ids: tuple[str, ...] = ()) -> IntakeResult:
        return IntakeResult(record["id"], record["reference"], record["status"], record["association"], mail_ids)

    # -- routing -----------------------------------------------------------------------

    def _association(self, association_id: Optional[str]) -> Optional[Association]:
        return self.directory.snapshot().get(association_id) if association_id else None

    def _route(self, signup: MentorSignup, load: dict[str, int], declined: tuple[str, ...]) -> MentorRoutingDecision:
        associations = self.directory.snapshot().index.associations
        return route_mentor(signup.routing_query(), associations, load, declined)

    def _with_retries(self, attempt: Callable[[dict[str, int]], Any], retry_also: Callable[[Rejected], bool]) -> Any:
        """Route on the mentor load counters as read now, commit; a full association or a
        concurrent write refuses the commit (nothing written): read them again, route again."""
        for _ in range(MAX_ATTEMPTS):
            try:
                return attempt(self.store.mentor_load())
            except Rejected as refused:
                if not refused.contention and not retry_also(refused):
                    raise
        raise ContentionExhausted(f"no commit after {MAX_ATTEMPTS} attempts")

    # -- the association's answer (the same link and page as requests') ------------------

    def view(self, token: str) -> MentorAnswerView:
        """What the link shows. Reads only: mail scanners open every link."""
        assignment = self.links.read_answer_token(token)
        if assignment.kind != "mentor":
            raise InvalidLink("invalid")
        signup = self._load(assignment.request_id)
        association = self.directory.snapshot().get(assignment.association_id)
        state = signup.answer_state(assignment.association_id, assignment.attempt)
        return MentorAnswerView(state, signup.to_record(), association, assignment)

    def accept(self, token: str) -> MentorAnswerView:
        view = self.view(token)
        if view.state != "open" or view.association is None:
            return view
        at = self._moment()
        keep_until = at.epoch + self.settings.retention_days * 86400
        change = MentorSignup.from_record(view.signup).accept(view.association, at, keep_until)
        try:
            self._commit(change)
        except Rejected as refused:
            if refused.what is not Refusal.STALE:
                raise
            return self.view(token)
        return MentorAnswerView("accepted", change.after.to_record(), view.association, view.assignment, "accepted")

    def decline(self, token: str, reason: Optional[str], comment: Optional[str]) -> MentorAnswerView:
        if reason not in {value for value, _ in DECLINE_REASONS}:
            raise InvalidAnswer("reason", "Choisissez la raison du refus.")
        view = self.view(token)
        if view.state != "open" or view.association is None:
            return view
        note = (comment or "").strip()[:1000]
        after = self._route_onward(
            MentorSignup.from_record(view.signup), lambda s, d, a, at: s.decline(reason, note, d, a, at)
        )
        if after is None:
            return self.view(token)
        return MentorAnswerView("declined", after.to_record(), view.association, view.assignment, "declined")

    def sweep_silence(self) -> tuple[int, int]:
        """Remind associations that have not answered a sign-up; route onward those that
        still have not (REMINDER_DAYS, REROUTE_DAYS, as for requests)."""
        now = self.clock.now()
        reminded = rerouted = 0
        for record in self.store.signups_waiting_since(now.epoch - self.settings.reminder_days * 86400, now.epoch):
            signup = MentorSignup.from_record(record)
            waited = now.epoch - int(signup.assigned_at or now.epoch)
            if waited >= self.settings.reroute_days * 86400:
                moved = self._route_onward(signup, lambda s, d, a, at: s.reroute_for_silence(d, a, at))
                rerouted += moved is not None
            elif not signup.reminded_at:
                reminded += self._remind(signup, waited // 86400)
        return reminded, rerouted

    def _remind(self, signup: MentorSignup, days_waiting: int) -> bool:
        association = self._association(signup.association_id)
        if association is None:
            return False
        try:
            self._commit(signup.remind(days_waiting, association, self._moment()))
        except Rejected as refused:
            if refused.what is not Refusal.STALE:
                raise
            return False
        return True

    def _route_onward(self, signup: MentorSignup, move: Any) -> Optional[MentorSignup]:
        """Route again under mentor v1 without any association that let it go, apply
        `move`; None if another change of the sign-up won meanwhile."""
        excluded = signup.excluding(signup.association_id or "")

        def attempt(load: dict[str, int]) -> MentorChange:
            decision = self._route(signup, load, excluded)
            change = move(signup, decision, self._association(decision.association_id), self._moment())
            self._commit(change)
            return change

        try:
            change = self._with_retries(attempt, lambda refused: False)
        except Rejected as refused:
            if refused.what is Refusal.STALE:
                return None
            raise
        log.info("mentor sign-up routed onward", extra={"reference": signup.reference, "status": change.after.status.value})
        return change.after

    def _commit(self, change: MentorChange) -> None:
        before, after = change.before, change.after
        record = after.to_record()
        record.pop("events"), record.pop("expires_at")
        self.store.commit_mentor_transition(
            MentorTransition(
                signup=record,
                from_status=before.status.value,
                from_attempt=before.attempt,
                events=list(change.events),
                mails=[self.mails.render(intent, after) for intent in change.mails],
                expires_at=after.expires_at,
                keep_until=self._keep_until(before),
                mail_expires_at=self.clock.now().epoch + self.settings.mail_retention_days * 86400,
                load_changes=[(c.association_id, c.delta, c.capacity) for c in change.load],
                event_seq=len(before.events),
            )
        )

    def _load(self, signup_id: str) -> MentorSignup:
        record = self.store.get_signup(signup_id, self.clock.now().epoch)
        if record is None:
            raise UnknownRequest()
        return MentorSignup.from_record(record)

    def _moment(self) -> Moment:
        now = self.clock.now()
        return Moment(now.epoch, now.iso)


def signup_view(stored: dict[str, Any]) -> dict[str, Any]:
    """The admin API's shape of a sign-up: its fields at the top, then the rest (as requests')."""
    place = stored.get("place")
    view = {
        "id": stored["id"],
        "reference": stored["reference"],
        "channel": stored["channel"],
        "status": stored["status"],
        "created_at": stored["created_at"],
        "updated_at": stored.get("updated_at", stored["created_at"]),
        **stored["fields"],
        "place": {"commune": place.get("commune_code"), **place} if place else None,
        "association": stored.get("association"),
        "declined": stored.get("declined", []),
        "triage_reason": stored.get("triage_reason"),
        "routing": stored.get("routing"),
        "expires_at": stored.get("expires_at"),
    }
    if "events" in stored:
        view["events"] = sorted(stored["events"], key=lambda e: (e["at"], e.get("seq", 0)))
    return view


class MentorQueries:
    """Reads for operators: the admin API and the console's volunteers tab and statistics."""

    def __init__(self, *, mentors: MentorStore, clock: Clock):
        self.store = mentors
        self.clock = clock

    def get(self, id_or_reference: str) -> Optional[dict[str, Any]]:
        stored = self.store.get_signup(id_or_reference.strip(), self.clock.now().epoch)
        return signup_view(stored) if stored else None

    def list(
        self, status: Optional[str] = None, association: Optional[str] = None, limit: int = 50, cursor: Optional[str] = None
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        """A page, newest first, with the next page's cursor (None on the last)."""
        import binascii
        import json

        try:
            items, next_cursor = self.store.list_signups(self.clock.now().epoch, status, association, limit, cursor)
        except (binascii.Error, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError("invalid cursor") from exc
        return [signup_view(i) for i in items], next_cursor

    def counts(self) -> dict[str, int]:
        """Sign-ups per status, past their retention left out."""
        return self.store.count_signups(self.clock.now().epoch)
