"""The counters' expiry, one function for both storage families and both kinds of record."""

from __future__ import annotations

from chalicelib.adapters.counters import counter_expiry


def test_a_counter_lives_until_the_end_of_the_utc_day_its_records_expire():
    day = 20_000 * 86400
    assert counter_expiry(day) == day + 86400  # the first second of a day: that day's end
    assert counter_expiry(day + 86399) == day + 86400
    assert counter_expiry(day - 1) == day
    assert counter_expiry(float(day + 5)) == day + 86400  # stored numbers may come back as floats
