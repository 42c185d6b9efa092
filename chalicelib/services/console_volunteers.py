"""The console's "Bénévoles" tab (docs/contract.md §11, docs/volunteers.md): volunteers' sign-ups in
the requests' queue, on the sign-ups' store (its status counters, its queue pages), and a
sign-up's page: its profile, the routing explanation, the timeline.

The page holds no contact detail of the volunteer (the association sees them once it
accepts, through its answer link), so opening it is no `viewed` event. Its one action is
an admin's "Effacer les données personnelles", the requests' erasure (services/erasure.py)
on the sign-ups' store ("Attribuer" and "Clore" are a request's transitions only).
"""

from __future__ import annotations

from ..domain.operators import Operator
from .console import ConsoleService, RequestPage
from .console_request import EVENT_LABELS

MENTOR_CHANNEL_LABELS = {"form": "Formulaire bénévole", "api": "API partenaire"}


class VolunteerConsole(ConsoleService):
    """The queue of sign-ups (ConsoleService's, given the sign-ups' store as its `queue`)
    and a sign-up's page."""

    channel_labels = MENTOR_CHANNEL_LABELS
    event_labels = {
        **EVENT_LABELS,
        "received": "Candidature reçue",
        "accepted": "Acceptée par l'association",
        "assigned": "Attribuée par l'équipe",
    }

    def signup_page(self, reference: str, operator: Operator | None = None) -> RequestPage:
        signup = self._load_record(reference)
        erase = bool(operator and operator.is_admin) and signup.erasable
        return self._record_page(signup, self.directory.snapshot(), [], {"erase": erase})
