"""The console's actions on a request (docs/contract.md §10).

Each is a Request transition committed as the other use cases commit theirs, a timeline
event whose actor is the operator's address: "Attribuer" (sticky, capacity held unless an
admin overrides it), "Router à nouveau" (policy v1 again), "Clore", "Renvoyer l'e-mail",
and "Effacer les données personnelles" (admins, GDPR art. 17).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..domain.change import InvalidTransition
from ..domain.operators import Operator
from ..domain.request import CLOSE_REASONS, Change, Request
from ..domain.routed_record import RoutedRecord
from ..domain.routing import route_request
from ..domain.vocabulary import Status
from .concurrency import commit_with_retries
from .console_common import ConsoleParts, ConsoleRefusal
from .directory import DirectorySnapshot
from .erasure import Erasure
from .ports import Refusal, Rejected
from .transitions import record_change

log = logging.getLogger(f"{__package__}.console")  # one logger for the console's use cases

# An assignment refused because the association's counter moved is tried again this often.
ASSIGN_ATTEMPTS = 5


def changed_meanwhile() -> ConsoleRefusal:
    return ConsoleRefusal("La demande a changé entre-temps : rechargez la page.")


class RequestActions(ConsoleParts):
    def assign(
        self, reference: str, operator: Operator, association_id: str, reason: str, override_capacity: bool = False
    ) -> Request:
        """ "Attribuer": routed to that association by hand (sticky), mailed as usual."""
        reason = (reason or "").strip()[:500]
        if override_capacity and not operator.is_admin:
            raise ConsoleRefusal("Seuls les administrateurs peuvent dépasser la capacité d'une association.", 403)
        request = self._load(reference)
        self._not_erased(request)
        for _ in range(ASSIGN_ATTEMPTS):
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
            # _transition calls the lambda at once, inside this iteration.
            change = self._transition(
                lambda: request.assign(association, operator.email, reason, self._moment(), override_capacity)  # noqa: B023
            )
            try:
                self._commit(change)
            except Rejected as refused:
                if refused.what is Refusal.STALE:
                    raise changed_meanwhile() from None
                if refused.contention:
                    self.directory.refresh_load()
                    continue
                raise
            self._moved(change)
            log.info("console: request assigned", extra={"reference": request.reference, "override": override_capacity})
            return change.after
        raise ConsoleRefusal("L'association est très sollicitée en ce moment : réessayez.", 503)

    def reroute(self, reference: str, operator: Operator, confirmed: bool = False) -> Request:
        """ "Router à nouveau": policy v1 again, leaving out only the associations that
        declined it. A manual assignment moves only once the operator confirms."""
        request = self._load(reference)
        self._not_erased(request)
        if request.status not in {Status.NEEDS_TRIAGE, Status.ROUTED}:
            raise ConsoleRefusal("Seule une demande à trier ou en attente peut être routée à nouveau.")
        if request.manual and not confirmed:
            raise ConsoleRefusal(
                "Cette demande a été attribuée à la main : cochez « Confirmer » pour la router à nouveau.", 409
            )

        def attempt(snapshot: DirectorySnapshot) -> Change[Request]:
            decision = route_request(
                request.routing_query(), snapshot.index, snapshot.load, request.declined, self.settings.routing_weights
            )
            if request.status == Status.ROUTED and decision.association_id == request.association_id:
                raise ConsoleRefusal("Le routage désigne la même association : rien n'a changé.", 409)
            association = snapshot.get(decision.association_id) if decision.association_id else None
            change = self._transition(
                lambda: request.reroute_by_operator(operator.email, decision, association, self._moment())
            )
            self._commit(change)
            return change

        try:
            change = commit_with_retries(self.directory, attempt)
        except Rejected as refused:
            if refused.what is Refusal.STALE:
                raise changed_meanwhile() from None
            raise
        self._moved(change)
        log.info(
            "console: request routed again", extra={"reference": request.reference, "status": change.after.status.value}
        )
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

    def erase(self, reference: str, operator: Operator) -> RoutedRecord:
        """GDPR art. 17: the admin's erasure of the record (a request here; a sign-up in
        the volunteers' console) and of every copy of its data (services/erasure.py).
        Asked again, it is done again: the copies swept, nothing refused."""
        if not operator.is_admin:
            raise ConsoleRefusal("Cette action est réservée aux administrateurs du réseau.", 403)
        record = self._load_record(reference)
        try:
            erased = self._erasure().erase(record, operator.email)
        except Rejected as refused:
            if refused.what is Refusal.STALE:
                raise changed_meanwhile() from None
            raise
        log.info("console: personal data erased", extra={"reference": record.reference})
        return erased

    def _erasure(self) -> Erasure:
        return Erasure(
            store=self.queue_store,
            render=self.mails.render,
            clock=self.clock,
            settings=self.settings,
            raw_mail=self.raw_mail,
            outbox=self.outbox,
            sent_mail=self.sent_mail,
            quarantine=self.quarantine,
        )

    # -- shared ---------------------------------------------------------------------

    @staticmethod
    def _not_erased(request: Request) -> None:
        if request.erased:
            raise ConsoleRefusal("Les données de cette demande ont été effacées : elle ne peut plus être routée.")

    @staticmethod
    def _transition(make: Callable[[], Change[Request]]) -> Change[Request]:
        try:
            return make()
        except InvalidTransition:
            raise ConsoleRefusal("Cette action n'est pas possible dans l'état actuel de la demande.") from None

    def _moved(self, change: Change[Request]) -> None:
        """The directory's cached load follows the association the request left or reached."""
        before, after = change.before, change.after
        if (
            before.association_id
            and before.status == Status.ROUTED
            and (after.association_id != before.association_id or after.status != Status.ROUTED)
        ):
            self.directory.note_released(before.association_id)
        if (
            after.status == Status.ROUTED
            and after.association_id
            and (after.association_id != before.association_id or before.status != Status.ROUTED)
        ):
            self.directory.note_taken(after.association_id)

    def _commit_once(self, change: Change[Request]) -> None:
        try:
            self._commit(change)
        except Rejected as refused:
            if refused.what in {Refusal.STALE, Refusal.CONFLICT}:
                raise changed_meanwhile() from None
            raise

    def _commit(self, change: Change[Request]) -> None:
        self.requests.commit_change(record_change(change, self.mails.render, self.clock, self.settings))
