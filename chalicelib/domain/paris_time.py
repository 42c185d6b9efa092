"""Times as people in metropolitan France read them, from the stored UTC times.

The one place that turns a stored time (ISO UTC "...Z", or epoch seconds) into a
Europe/Paris day or a French label, for the statistics' days, the console's lists and
filters, the exports, the digest and the association's answer page. The EU summer-time
rule is written out (`paris_offset_hours`) instead of read from a time-zone database, so
that a Lambda without tzdata computes the same days and labels as a laptop with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def paris_offset_hours(moment: datetime) -> int:
    """The EU rule Paris follows: UTC+2 from the last Sunday of March 01:00 UTC to the
    last Sunday of October 01:00 UTC, UTC+1 otherwise."""
    utc = moment.astimezone(UTC)
    start = datetime.combine(_last_sunday(utc.year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
    end = datetime.combine(_last_sunday(utc.year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    return 2 if start <= utc < end else 1


def parse_iso(at: str) -> datetime:
    """The timeline's UTC ISO time ("...Z", with or without microseconds)."""
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)


def paris_wall_clock(at: str | int) -> datetime:
    """The Paris wall-clock time (naive) of an ISO UTC time or epoch seconds."""
    moment = datetime.fromtimestamp(at, UTC) if isinstance(at, int) else parse_iso(at)
    return (moment + timedelta(hours=paris_offset_hours(moment))).replace(tzinfo=None)


def paris_day(at: str | int) -> str:
    """The Europe/Paris date (YYYY-MM-DD) of an ISO UTC time or epoch seconds."""
    return paris_wall_clock(at).date().isoformat()


def paris_midnight_utc(day: date) -> str:
    """The UTC ISO time at which a Europe/Paris day starts (the lists' sort keys are UTC).
    Midnight in Paris is 22:00 or 23:00 UTC the day before, always before that night's
    01:00 UTC change of offset: the offset two hours before UTC midnight is the one."""
    utc_midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    start = utc_midnight - timedelta(hours=paris_offset_hours(utc_midnight - timedelta(hours=2)))
    return start.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def french_date(at: str | int) -> str:
    """`03/12/2026`: the day in Paris."""
    return paris_wall_clock(at).strftime("%d/%m/%Y")


def french_time(at: str, joiner: str = " ") -> str:
    """`24/11/2026 10:05` (or with `joiner=" à "`), Paris time; an unreadable time as it is."""
    try:
        return paris_wall_clock(at).strftime(f"%d/%m/%Y{joiner}%H:%M")
    except ValueError:
        return at


def french_long_date(at: str | int) -> str:
    """`jeudi 3 décembre 2026`, the day in Paris."""
    day = paris_wall_clock(at)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {first} {_MONTHS[day.month - 1]} {day.year}"
