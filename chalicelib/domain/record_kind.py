"""The two kinds of routed record, a youth's request and a volunteer's sign-up, said once.

Everything that tells one kind from the other outside its transitions is here: its
reference's prefix, the mails its transitions ask for, which capacity of an association
it takes a place of, how long its data is kept, its routing policy and the key prefixes
that keep its items apart in storage. The record classes (domain/request.py,
domain/mentor.py) carry their kind (`KIND`); storage (adapters/dynamodb/routed.py,
adapters/memory/routed.py) is one store per backend, given a kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .mentor_routing import route_mentor
from .reference import REQUEST_PREFIX, new_reference, reference_pattern
from .routing import route_request

if TYPE_CHECKING:
    from .models import Association


@dataclass(frozen=True)
class RoutedMails:
    """The kinds of the mails a record's transitions ask for (services render them), in
    the order the kinds below declare them."""

    new: str  # to the association it is routed to, with the answer link
    reminder: str  # to that association, when it has not answered yet
    accepted: str  # to whoever submitted it, once an association takes it
    acknowledgement: str  # to whoever submitted it, with its reference, when it is received


@dataclass(frozen=True)
class StorageKeys:
    """The key prefixes and partitions that keep one kind's items apart in the one table
    (adapters/dynamodb/routed.py draws the layout); the memory twin keeps a kind's items
    apart by the same names."""

    record: str  # pk of the record and of its timeline
    reference: str  # pk of its reference
    status: str  # by_status partition
    association: str  # by_association partition
    feed: str  # by_created partition, every record of the kind
    load: str  # sort key prefix of the association's load counter (DIRECTORY partition)
    counts: str  # partition of the status counters (the console's tabs)
    stats_day: str  # the console's statistics: the network's counters of one day
    stats_association: str  # ... and one association's
    # Its record item carries `attempt` (0) before any routing too: how sign-ups have
    # always been stored (a request's item has it once routed).
    attempt_from_start: bool = False


@dataclass(frozen=True)
class RecordKind:
    """One kind of routed record: what its records, its mails and its storage share."""

    name: str  # what an answer link names (services/ports.py Assignment.kind)
    reference_prefix: str  # told apart at a glance: MNT-..., BEN-...
    mails: RoutedMails
    capacity_field: str  # the Association attribute it takes a place of (domain/models.py)
    # How long its data is kept: the Settings field (chalicelib/config.py) counted from its
    # creation, and the one an acceptance extends it by (None: acceptance keeps its expiry).
    retention_setting: str
    accepted_retention_setting: str | None
    route: Callable[..., Any]  # its routing policy (domain/routing.py, domain/mentor_routing.py)
    keys: StorageKeys

    def capacity_of(self, association: Association) -> int | None:
        """How many records of this kind `association` takes at once (None: no limit)."""
        capacity: int | None = getattr(association, self.capacity_field)
        return capacity

    @property
    def expiry_moves(self) -> bool:
        """Whether a change may move a record's expiry (an acceptance keeps it longer)."""
        return self.accepted_retention_setting is not None

    @property
    def reference_pattern(self) -> str:
        """Its reference as we issue it, unanchored (domain/reference.py's shape)."""
        return reference_pattern(self.reference_prefix)

    def new_reference(self) -> str:
        """A fresh reference of this kind (domain/reference.py)."""
        return new_reference(self.reference_prefix)


REQUEST = RecordKind(
    name="request",
    reference_prefix=REQUEST_PREFIX,
    mails=RoutedMails("association_new_request", "association_reminder", "requester_accepted", "acknowledgement"),
    capacity_field="capacity",
    retention_setting="retention_days",
    accepted_retention_setting=None,
    route=route_request,
    keys=StorageKeys(
        record="REQ#",
        reference="REF#",
        status="STATUS#",
        association="ASSOC#",
        feed="REQUESTS",
        load="LOAD#",
        counts="COUNTS",
        stats_day="STATS#DAY",
        stats_association="STATS#ASSOC",
    ),
)

VOLUNTEER = RecordKind(
    name="mentor",
    reference_prefix="BEN",  # bénévole
    mails=RoutedMails("mentor_association_new_signup", "mentor_reminder", "mentor_accepted", "mentor_acknowledgement"),
    capacity_field="mentor_capacity",
    # A sign-up nobody accepted goes after mentor_retention_days; an accepted one is kept
    # as long as a request is.
    retention_setting="mentor_retention_days",
    accepted_retention_setting="retention_days",
    route=route_mentor,
    keys=StorageKeys(
        record="MENTOR#",
        reference="MREF#",
        status="MENTOR_STATUS#",
        association="MENTOR_ASSOC#",
        feed="MENTORS",
        load="MENTOR_LOAD#",
        counts="MENTOR_COUNTS",
        stats_day="STATS#MENTOR_DAY",
        stats_association="STATS#MENTOR_ASSOC",
        attempt_from_start=True,
    ),
)

KINDS = (REQUEST, VOLUNTEER)

# Any kind's reference, as found in a mail: a delivery report quoting our Message-ID, a
# quarantined mail naming one.
ANY_REFERENCE_PATTERN = "(?:" + "|".join(k.reference_pattern for k in KINDS) + ")"
ANY_REFERENCE_IN_TEXT = re.compile(rf"\b{ANY_REFERENCE_PATTERN}\b")


def kind_named(name: str) -> RecordKind:
    """The kind an answer link names (KeyError: none)."""
    return {k.name: k for k in KINDS}[name]


__all__ = ["ANY_REFERENCE_IN_TEXT", "KINDS", "REQUEST", "VOLUNTEER", "RecordKind", "RoutedMails", "StorageKeys"]
