"""The console's statistics, as arithmetic only: what a change adds to the daily
aggregates, and what a period's aggregates say (docs/contract.md §10).

Storage keeps, per Europe/Paris day, one item of network counters and one item per
association (adapters/*/stats.py). Each intake and each transition adds its counts to
them inside its own transaction, so the statistics page reads at most one item per day
and association, whatever the number of requests. Time to answer is kept as a bounded
histogram (counts per bucket of hours), from which median and p90 are estimated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .paris_time import paris_day, parse_iso

# Upper bounds (hours) of the time-to-answer buckets; past the last one: "over".
ANSWER_BUCKETS = (1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720)
OVER = "over"

DECLINE_REASON_LABELS = {
    "complet": "Plus de place",
    "territoire": "Territoire non couvert",
    "profil": "Profil hors de l'action",
    "autre": "Autre raison",
}
CHANNEL_LABELS = {
    "form": "Formulaire jeune",
    "referent_form": "Formulaire référent",
    "api": "API",
    "email": "E-mail",
}

# Counters of a change, keyed (Paris day, association id or None for the network).
Counts = dict[tuple[str, str | None], dict[str, int]]


def week_start(day: str) -> str:
    """The Monday of a day's ISO week."""
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def period_days(today: str, weeks: int) -> tuple[str, str]:
    """The first and last day of the last `weeks` weeks, the current (partial) one
    included: from a Monday to `today`."""
    first = date.fromisoformat(week_start(today)) - timedelta(weeks=weeks - 1)
    return first.isoformat(), today


# -- what a change adds ------------------------------------------------------------------


def answer_bucket(seconds: int) -> str:
    """The histogram attribute a time to answer counts in: `h<upper bound in hours>`."""
    hours = max(seconds, 0) / 3600
    for upper in ANSWER_BUCKETS:
        if hours <= upper:
            return f"h{upper}"
    return f"h{OVER}"


def change_counts(
    events: Sequence[Any],
    request: Mapping[str, Any],
    assigned_before: int | None = None,
) -> Counts:
    """The counters one committed change adds, from its new timeline events.

    `events`: the change's events (domain Event objects or their dicts); `request`: the
    request's new record (its channel, and the association a bare event does not name);
    `assigned_before`: when the association that answers was given the request (epoch),
    for the time to answer (a decline may have routed it again since).
    """
    counts: Counts = defaultdict(lambda: defaultdict(int))
    received = False
    for e in events:
        kind, actor, at = _get(e, "type"), _get(e, "actor") or "", _get(e, "at")
        detail = _get(e, "detail") or {}
        day = paris_day(at)
        net = counts[(day, None)]
        if kind == "received":
            received = True
            net[f"received_{request.get('channel') or actor or 'unknown'}"] += 1
        elif kind in {"routed", "assigned"}:
            association = detail.get("association") or request.get("association_id")
            net["routed"] += 1
            if kind == "assigned":
                net["assigned"] += 1
            if received:
                net["first_routed"] += 1
            if association:
                counts[(day, association)]["routed"] += 1
        elif kind == "needs_triage":
            net["triage"] += 1
            if received:
                net["first_triage"] += 1
        elif kind in {"accepted", "declined"}:
            association = actor or request.get("association_id")
            if kind == "accepted":
                net["accepted"] += 1
            else:
                net[f"declined_{detail.get('reason') or 'autre'}"] += 1
            if association:
                per = counts[(day, association)]
                per[kind] += 1
                since = assigned_before if assigned_before is not None else request.get("assigned_at")
                if since is not None:
                    per[answer_bucket(int(parse_iso(at).timestamp()) - int(since))] += 1
        elif kind == "rerouted" and detail.get("mode") == "operator":
            net["rerouted_by_operator"] += 1  # not the association's silence: not its answer
        elif kind in {"rerouted", "bounced"}:
            what = "silence" if kind == "rerouted" else "bounced"
            net[what] += 1
            association = detail.get("association")
            if association:
                counts[(day, association)][what] += 1
        elif kind == "closed":
            net[f"closed_{detail.get('reason') or 'other'}"] += 1
    return {key: dict(values) for key, values in counts.items() if values}


def replay_counts(record: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> Counts:
    """What a stored request's changes added to the aggregates, from its timeline as
    stored (the recount of an upgraded deployment: services/recount.py).

    Each change is replayed through `change_counts`, as its transaction called it. A
    change is one event, followed by the routing step its transaction wrote with it at
    the same instant (`routed` or `needs_triage` after `received`, `declined`,
    `rerouted`, `bounced`); its context is rebuilt from the events before it (which
    association held the request, since when).
    """
    changes: list[list[Mapping[str, Any]]] = []
    for e in sorted(events, key=lambda e: (e.get("at") or "", int(e.get("seq") or 0))):
        if e.get("type") in _ROUTING_STEPS and changes and changes[-1][-1].get("at") == e.get("at"):
            changes[-1].append(e)
        else:
            changes.append([e])
    total: Counts = {}
    holder: str | None = None
    assigned: int | None = None
    for change in changes:
        context = {"channel": record.get("channel"), "association_id": holder}
        for key, counters in change_counts(change, context, assigned).items():
            add_counts(total.setdefault(key, {}), counters)
        for e in change:
            if e.get("type") in {"routed", "assigned"}:
                holder, assigned = (e.get("detail") or {}).get("association"), int(parse_iso(e["at"]).timestamp())
            elif e.get("type") == "needs_triage":
                holder = None
    return total


_ROUTING_STEPS = {"routed", "needs_triage"}


def _get(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, Mapping) else getattr(event, name, None)


def add_counts(into: dict[str, int], more: Mapping[str, int]) -> None:
    for name, n in more.items():
        into[name] = into.get(name, 0) + n


# -- what a period says ----------------------------------------------------------------


def quantile_hours(histogram: Mapping[str, int], q: float) -> float | None:
    """The q-quantile of a time-to-answer histogram, in hours, interpolated linearly
    inside its bucket; None with no sample. Past the last bucket: its lower bound."""
    bounds = [(f"h{u}", u) for u in ANSWER_BUCKETS] + [(f"h{OVER}", None)]
    total = sum(histogram.get(name, 0) for name, _ in bounds)
    if total == 0:
        return None
    rank = q * total
    seen, lower = 0, 0.0
    for name, upper in bounds:
        n = histogram.get(name, 0)
        if n and seen + n >= rank:
            if upper is None:
                return float(lower)
            return lower + (upper - lower) * max(rank - seen, 0) / n
        seen += n
        lower = float(upper) if upper is not None else lower
    return float(lower)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class AssociationFigures:
    id: str
    name: str
    routed: int
    accepted: int
    declined: int
    unanswered: int  # let go in silence, or its mail bounced
    median_hours: float | None
    p90_hours: float | None

    @property
    def concluded(self) -> int:
        return self.accepted + self.declined + self.unanswered

    @property
    def acceptance(self) -> float | None:
        return rate(self.accepted, self.concluded)


@dataclass(frozen=True)
class Report:
    first_day: str
    last_day: str
    weeks: list[str]  # Mondays, oldest first
    channels: list[str]
    weekly: dict[str, dict[str, int]]  # week -> channel -> requests received
    received: int
    first_routed: int
    first_triage: int
    accepted: int
    concluded: int  # accepted, declined, or let go unanswered
    declines: dict[str, int]  # reason -> count
    closed: dict[str, int]
    associations: list[AssociationFigures] = field(default_factory=list)

    @property
    def routed_rate(self) -> float | None:
        return rate(self.first_routed, self.first_routed + self.first_triage)

    @property
    def triage_rate(self) -> float | None:
        return rate(self.first_triage, self.first_routed + self.first_triage)

    @property
    def acceptance_rate(self) -> float | None:
        return rate(self.accepted, self.concluded)


def build_report(
    first_day: str,
    last_day: str,
    days: Iterable[tuple[str, Mapping[str, int]]],
    per_association: Iterable[tuple[str, str, Mapping[str, int]]],
    names: Mapping[str, str],
    channel_labels: Mapping[str, str] = CHANNEL_LABELS,
    shown: Iterable[str] = ("form", "referent_form", "email"),
) -> Report:
    """The figures of a period from its daily items: `days` (day, counters), and
    `per_association` (day, association id, counters); `names`: id -> name.
    `channel_labels`: the channels known, in order; `shown`: those listed even when empty
    (requests' by default; a volunteers' sign-up comes by "form" or "api")."""
    weeks: list[str] = []
    d = date.fromisoformat(week_start(first_day))
    while d.isoformat() <= last_day:
        weeks.append(d.isoformat())
        d += timedelta(weeks=1)
    total: dict[str, int] = {}
    weekly: dict[str, dict[str, int]] = {w: {} for w in weeks}
    for day, counters in days:
        if not first_day <= day <= last_day:
            continue
        add_counts(total, counters)
        week = weekly.setdefault(week_start(day), {})
        for name, n in counters.items():
            if name.startswith("received_"):
                channel = name.removeprefix("received_")
                week[channel] = week.get(channel, 0) + n
    known, always = list(channel_labels), set(shown)
    seen = {c for w in weekly.values() for c in w}
    channels = [c for c in known if c in seen or c in always] + sorted(seen - set(known))
    by_association: dict[str, dict[str, int]] = defaultdict(dict)
    for day, association, counters in per_association:
        if first_day <= day <= last_day:
            add_counts(by_association[association], counters)
    figures = [
        AssociationFigures(
            id=a,
            name=names.get(a, a),
            routed=c.get("routed", 0),
            accepted=c.get("accepted", 0),
            declined=c.get("declined", 0),
            unanswered=c.get("silence", 0) + c.get("bounced", 0),
            median_hours=quantile_hours(c, 0.5),
            p90_hours=quantile_hours(c, 0.9),
        )
        for a, c in by_association.items()
    ]
    figures.sort(key=lambda f: (-f.routed, f.name.lower()))
    declines = {k.removeprefix("declined_"): v for k, v in total.items() if k.startswith("declined_") and v}
    accepted = total.get("accepted", 0)
    return Report(
        first_day=first_day,
        last_day=last_day,
        weeks=weeks,
        channels=channels,
        weekly=weekly,
        received=sum(v for k, v in total.items() if k.startswith("received_")),
        first_routed=total.get("first_routed", 0),
        first_triage=total.get("first_triage", 0),
        accepted=accepted,
        concluded=accepted + sum(declines.values()) + total.get("silence", 0) + total.get("bounced", 0),
        declines=declines,
        closed={k.removeprefix("closed_"): v for k, v in total.items() if k.startswith("closed_") and v},
        associations=figures,
    )


def hours_label(hours: float | None) -> str:
    """A duration for people: "—", "45 min", "5 h", "3,5 j"."""
    if hours is None:
        return "—"
    if hours < 1:
        return f"{max(round(hours * 60), 1)} min"
    if hours < 48:
        return f"{hours:.0f} h" if hours >= 10 else f"{hours:.1f} h".replace(".", ",")
    return f"{hours / 24:.1f} j".replace(".", ",")


def percent_label(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"
