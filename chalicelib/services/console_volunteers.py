"""The console's "Bénévoles" tab (docs/contract.md §11): volunteers' sign-ups in
the requests' queue, on the sign-ups' store (MentorStore: its status counters, its queue
pages), and a sign-up's page: its profile, the routing explanation, the timeline.

The page holds no contact detail of the volunteer (the association sees them once it
accepts, through its answer link), so opening it is no `viewed` event. Its one action is
an admin's "Effacer les données personnelles", the requests' erasure (services/erasure.py)
on the sign-ups' store ("Attribuer" and "Clore" are a request's transitions only).
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..domain.mentor import MentorSignup
from ..domain.operators import Operator
from ..domain.routed_record import Change, RoutedRecord
from .console import ConsoleService, RequestPage
from .console_common import UnknownRequest
from .console_request import EVENT_LABELS, routing_explanation
from .ports import MentorStore, MentorTransition
from .transitions import signup_keep_until, signup_transition

MENTOR_CHANNEL_LABELS = {"form": "Formulaire bénévole", "api": "API partenaire"}


class VolunteerConsole(ConsoleService):
    """The queue of sign-ups (ConsoleService's, given the MentorStore as its `queue`) and
    a sign-up's page."""

    channel_labels = MENTOR_CHANNEL_LABELS
    event_labels = {
        **EVENT_LABELS,
        "received": "Candidature reçue",
        "accepted": "Acceptée par l'association",
        "assigned": "Attribuée par l'équipe",
    }

    record_type: ClassVar[type[RoutedRecord]] = MentorSignup

    @property
    def signups(self) -> MentorStore:
        return self.queue_store  # type: ignore[return-value]  # built with the MentorStore as its queue

    def signup_page(self, reference: str, operator: Operator | None = None) -> RequestPage:
        record: dict[str, Any] | None = None
        if reference:
            record = self.signups.get_signup(reference, self.clock.now().epoch)
        if record is None:
            raise UnknownRequest(reference)
        signup = MentorSignup.from_record(record)
        snapshot = self.directory.snapshot()
        candidates, excluded = routing_explanation(signup.routing or {}, snapshot)
        return RequestPage(
            record=signup.to_record(),
            request=signup,
            timeline=[self._entry(e) for e in signup.events],  # type: ignore[arg-type]
            candidates=candidates,
            excluded=excluded,
            associations=[],
            association=snapshot.get(signup.association_id or ""),
            actions={"erase": bool(operator and operator.is_admin) and signup.erasable},
        )

    # -- the erasure: the requests' (console_actions.py), on sign-ups ----------------------

    def _as_transition(self, change: Change) -> MentorTransition:
        return signup_transition(change, self.mails.render, self.clock, self.settings)

    def _timeline_expiry(self, record: RoutedRecord) -> int:
        return signup_keep_until(record, self.settings)  # type: ignore[arg-type]
