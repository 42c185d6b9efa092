"""Paris days and labels at their edges: the summer-time change days (last Sunday of March
and of October, 01:00 UTC), the years when that Sunday is the month's last day, the start
of a Paris day in UTC on either side of a change, and the same answers whatever the
machine's own time zone (a laptop in Paris, a Lambda in UTC)."""

from __future__ import annotations

import calendar
import os
import time
from datetime import UTC, date, datetime, timezone

import pytest

from chalicelib.domain.paris_time import (
    french_date,
    french_long_date,
    french_time,
    paris_day,
    paris_midnight_utc,
    paris_offset_hours,
    paris_wall_clock,
    parse_iso,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def epoch(at: str) -> int:
    return calendar.timegm(parse_iso(at).timetuple())


# --- The summer-time rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    "moment, offset",
    [
        # 2026: last Sundays are 29 March and 25 October.
        (utc(2026, 3, 28, 12, 0), 1),
        (utc(2026, 3, 29, 0, 30), 1),
        (utc(2026, 3, 29, 0, 59, 59), 1),
        (utc(2026, 3, 29, 1, 0), 2),
        (utc(2026, 3, 29, 1, 30), 2),
        (utc(2026, 3, 29, 2, 0), 2),
        (utc(2026, 10, 25, 0, 30), 2),
        (utc(2026, 10, 25, 0, 59, 59), 2),
        (utc(2026, 10, 25, 1, 0), 1),
        (utc(2026, 10, 25, 1, 30), 1),
        (utc(2026, 10, 25, 2, 30), 1),
        (utc(2026, 7, 14, 12, 0), 2),
        (utc(2026, 12, 31, 23, 30), 1),
        (utc(2026, 1, 1, 0, 0), 1),
    ],
)
def test_offset_around_the_2026_changes(moment, offset):
    assert paris_offset_hours(moment) == offset


@pytest.mark.parametrize(
    "moment, offset",
    [
        # 2024: 31 March is a Sunday (the month's last day), so is the change; the
        # Sunday before (24 March) is still winter.
        (utc(2024, 3, 24, 12, 0), 1),
        (utc(2024, 3, 25, 12, 0), 1),
        (utc(2024, 3, 31, 0, 59), 1),
        (utc(2024, 3, 31, 1, 0), 2),
        (utc(2024, 10, 27, 0, 59), 2),
        (utc(2024, 10, 27, 1, 0), 1),
        # 2021: 31 October is a Sunday: the week before it is still summer.
        (utc(2021, 3, 28, 0, 59), 1),
        (utc(2021, 3, 28, 1, 0), 2),
        (utc(2021, 10, 27, 12, 0), 2),
        (utc(2021, 10, 31, 0, 59), 2),
        (utc(2021, 10, 31, 1, 0), 1),
        # 2020: 29 March (last day 31 a Tuesday), 25 October (last day 31 a Saturday).
        (utc(2020, 3, 29, 0, 59), 1),
        (utc(2020, 3, 29, 1, 0), 2),
        (utc(2020, 10, 25, 0, 59), 2),
        (utc(2020, 10, 25, 1, 0), 1),
        # 2025: 30 March (31 a Monday), 26 October (31 a Friday).
        (utc(2025, 3, 30, 0, 59), 1),
        (utc(2025, 3, 30, 1, 0), 2),
        (utc(2025, 10, 26, 0, 59), 2),
        (utc(2025, 10, 26, 1, 0), 1),
    ],
)
def test_offset_when_the_last_sunday_falls_on_any_day_of_the_months_end(moment, offset):
    assert paris_offset_hours(moment) == offset


def test_offset_of_a_moment_given_in_another_zone():
    from datetime import timedelta

    paris_summer = timezone(timedelta(hours=2))
    # 03:00 in Paris on 29 March 2026 is 01:00 UTC: summer time has just begun.
    assert paris_offset_hours(datetime(2026, 3, 29, 3, 0, tzinfo=paris_summer)) == 2
    assert paris_offset_hours(datetime(2026, 3, 29, 2, 59, tzinfo=paris_summer)) == 1


# --- Labels on the change days -----------------------------------------------------------


@pytest.mark.parametrize(
    "at, label",
    [
        ("2026-03-29T00:59:00Z", "29/03/2026 01:59"),
        ("2026-03-29T01:00:00Z", "29/03/2026 03:00"),
        ("2026-10-25T00:59:00Z", "25/10/2026 02:59"),
        ("2026-10-25T01:00:00Z", "25/10/2026 02:00"),
        ("2026-03-28T23:30:00.123456Z", "29/03/2026 00:30"),
        ("2026-10-24T22:30:00Z", "25/10/2026 00:30"),
        ("2026-12-31T23:00:00Z", "01/01/2027 00:00"),
    ],
)
def test_french_time_on_and_around_the_change_days(at, label):
    assert french_time(at) == label
    assert french_time(at, " à ") == label.replace(" ", " à ")


def test_french_time_of_an_unreadable_time_is_that_text():
    assert french_time("hier soir") == "hier soir"


@pytest.mark.parametrize(
    "at, day, short, long",
    [
        ("2026-02-28T23:30:00Z", "2026-03-01", "01/03/2026", "dimanche 1er mars 2026"),
        ("2026-03-28T23:00:00Z", "2026-03-29", "29/03/2026", "dimanche 29 mars 2026"),
        ("2026-03-28T22:59:00Z", "2026-03-28", "28/03/2026", "samedi 28 mars 2026"),
        ("2026-03-29T22:00:00Z", "2026-03-30", "30/03/2026", "lundi 30 mars 2026"),
        ("2026-10-24T22:00:00Z", "2026-10-25", "25/10/2026", "dimanche 25 octobre 2026"),
        ("2026-10-25T22:30:00Z", "2026-10-25", "25/10/2026", "dimanche 25 octobre 2026"),
        ("2026-10-25T23:00:00Z", "2026-10-26", "26/10/2026", "lundi 26 octobre 2026"),
        ("2026-12-31T22:59:59Z", "2026-12-31", "31/12/2026", "jeudi 31 décembre 2026"),
        ("2026-12-31T23:00:00Z", "2027-01-01", "01/01/2027", "vendredi 1er janvier 2027"),
        ("2026-08-14T22:00:00Z", "2026-08-15", "15/08/2026", "samedi 15 août 2026"),
    ],
)
def test_days_and_dates_shown(at, day, short, long):
    for given in (at, epoch(at)):
        assert paris_day(given) == day
        assert french_date(given) == short
        assert french_long_date(given) == long


def test_wall_clock_from_iso_and_from_epoch_seconds():
    assert paris_wall_clock("2026-03-29T01:00:00Z") == datetime(2026, 3, 29, 3, 0)
    assert paris_wall_clock(epoch("2026-03-29T01:00:00Z")) == datetime(2026, 3, 29, 3, 0)
    assert paris_wall_clock("2026-10-25T01:00:00.5Z") == datetime(2026, 10, 25, 2, 0, 0, 500000)


def test_parse_iso_reads_utc():
    assert parse_iso("2026-03-29T01:00:00Z") == utc(2026, 3, 29, 1, 0)
    assert parse_iso("2026-03-29T01:00:00.250000Z").utcoffset().total_seconds() == 0
    assert parse_iso("2026-03-29T03:00:00+02:00") == utc(2026, 3, 29, 1, 0)


# --- When a Paris day starts, in UTC -----------------------------------------------------


@pytest.mark.parametrize(
    "day, start",
    [
        (date(2026, 3, 28), "2026-03-27T23:00:00.000000Z"),
        (date(2026, 3, 29), "2026-03-28T23:00:00.000000Z"),  # the change day: still winter at midnight
        (date(2026, 3, 30), "2026-03-29T22:00:00.000000Z"),
        (date(2026, 10, 24), "2026-10-23T22:00:00.000000Z"),
        (date(2026, 10, 25), "2026-10-24T22:00:00.000000Z"),  # the change day: still summer at midnight
        (date(2026, 10, 26), "2026-10-25T23:00:00.000000Z"),
        (date(2026, 1, 1), "2025-12-31T23:00:00.000000Z"),
        (date(2026, 7, 14), "2026-07-13T22:00:00.000000Z"),
        (date(2024, 3, 31), "2024-03-30T23:00:00.000000Z"),
        (date(2024, 4, 1), "2024-03-31T22:00:00.000000Z"),
        (date(2021, 10, 31), "2021-10-30T22:00:00.000000Z"),
        (date(2021, 11, 1), "2021-10-31T23:00:00.000000Z"),
    ],
)
def test_paris_midnight_in_utc(day, start):
    assert paris_midnight_utc(day) == start
    # That instant is the Paris day's first: shown as midnight of `day`.
    assert paris_day(start) == day.isoformat()
    assert french_time(start) == f"{day:%d/%m/%Y} 00:00"


# --- Whatever the machine's own time zone ------------------------------------------------


@pytest.fixture(params=["CET-1CEST,M3.5.0,M10.5.0/3", "HST10", "XYZ-14", "UTC0"])
def machine_zone(request):
    if not hasattr(time, "tzset"):
        pytest.skip("no time.tzset on this platform")
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    try:
        yield request.param
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_same_answers_whatever_the_machines_time_zone(machine_zone):
    assert french_time("2026-03-29T00:59:00Z") == "29/03/2026 01:59"
    assert french_time("2026-03-29T01:00:00Z") == "29/03/2026 03:00"
    assert french_time("2026-10-25T01:00:00Z") == "25/10/2026 02:00"
    assert paris_wall_clock(epoch("2026-03-29T01:00:00Z")) == datetime(2026, 3, 29, 3, 0)
    assert paris_day(epoch("2026-12-31T23:00:00Z")) == "2027-01-01"
    assert french_long_date(epoch("2026-10-24T22:00:00Z")) == "dimanche 25 octobre 2026"
    assert parse_iso("2026-03-29T01:00:00Z").utcoffset().total_seconds() == 0
    assert paris_midnight_utc(date(2026, 3, 29)) == "2026-03-28T23:00:00.000000Z"
    assert paris_midnight_utc(date(2026, 3, 30)) == "2026-03-29T22:00:00.000000Z"
    assert paris_midnight_utc(date(2026, 10, 25)) == "2026-10-24T22:00:00.000000Z"
    assert paris_midnight_utc(date(2026, 10, 26)) == "2026-10-25T23:00:00.000000Z"
