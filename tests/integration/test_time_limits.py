"""Both edges of every time limit: one second before it, the first behaviour; one second
after, the other. The clock is the settable one of tests/conftest.py, so nothing sleeps."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.adapters.links import InvalidLink
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.intake import Idempotency, IdempotencyConflict, RateLimited
from tests.conftest import association, make_services, request_of, youth
from tests.integration.test_answers import event_types, link_for

DAY = 86400
DIRECTORY = [
    association("first-asso", departements=[], communes=["59512"], needs=["scolaire"]),
    association("second-asso", needs=["scolaire"]),
]


@pytest.fixture
def s(settings, clock):
    return make_services(settings, clock, directory=DIRECTORY)


def submit(s, body=None, **kwargs):
    return s.submit(request_of(body or youth(), Channel.API), **kwargs)


# -- answer links: LINK_MAX_AGE_DAYS ---------------------------------------------------


def test_an_answer_link_opens_until_its_last_second_and_is_expired_the_next(s, settings, clock):
    submit(s)
    token = link_for(s, "first-asso")
    clock.advance(seconds=settings.link_max_age_days * DAY)
    assert s.answers.view(token).state == "open"
    clock.advance(seconds=1)
    with pytest.raises(InvalidLink) as expired:
        s.answers.view(token)
    assert expired.value.why == "expired"


def test_an_expired_link_cannot_accept(s, settings, clock):
    result = submit(s)
    token = link_for(s, "first-asso")
    clock.advance(seconds=settings.link_max_age_days * DAY + 1)
    with pytest.raises(InvalidLink):
        s.answers.accept(token)
    assert s.requests.get(result.reference)["status"] == "routed"


# -- silence: REMINDER_DAYS, then REROUTE_DAYS ------------------------------------------


def test_the_reminder_comes_at_reminder_days_not_a_second_before(s, settings, clock):
    result = submit(s)
    clock.advance(seconds=settings.reminder_days * DAY - 1)
    assert s.answers.sweep_silence() == (0, 0)
    clock.advance(seconds=1)
    assert s.answers.sweep_silence() == (1, 0)
    assert event_types(s, result.reference)[-1] == "reminded"


def test_the_request_moves_on_at_reroute_days_not_a_second_before(s, settings, clock):
    result = submit(s)
    clock.advance(seconds=settings.reminder_days * DAY)
    assert s.answers.sweep_silence() == (1, 0)
    clock.advance(seconds=(settings.reroute_days - settings.reminder_days) * DAY - 1)
    assert s.answers.sweep_silence() == (0, 0)
    assert s.requests.get(result.reference)["association"]["id"] == "first-asso"
    clock.advance(seconds=1)
    assert s.answers.sweep_silence() == (0, 1)
    assert s.requests.get(result.reference)["association"]["id"] == "second-asso"


def test_the_delays_are_the_settings_not_the_defaults(settings, clock):
    s = make_services(replace(settings, reminder_days=2, reroute_days=3), clock, directory=DIRECTORY)
    result = submit(s)
    clock.advance(seconds=2 * DAY - 1)
    assert s.answers.sweep_silence() == (0, 0)
    clock.advance(seconds=1)
    assert s.answers.sweep_silence() == (1, 0)
    clock.advance(seconds=DAY)
    assert s.answers.sweep_silence() == (0, 1)
    assert s.requests.get(result.reference)["association"]["id"] == "second-asso"


# -- idempotency: IDEMPOTENCY_HOURS -----------------------------------------------------


def test_an_idempotency_key_is_remembered_until_its_last_second(s, settings, clock):
    body = youth()
    first = submit(s, body, idempotency=Idempotency.of_api("k", body))
    clock.advance(seconds=settings.idempotency_hours * 3600 - 1)
    again = submit(s, body, idempotency=Idempotency.of_api("k", body))
    assert again.id == first.id and again.replayed
    other = youth(age=16)
    with pytest.raises(IdempotencyConflict):
        submit(s, other, idempotency=Idempotency.of_api("k", other))


# -- per-IP limit: RATE_LIMIT -----------------------------------------------------------


def test_the_per_ip_window_counts_until_its_last_second_and_restarts_the_next(settings, clock):
    s = make_services(replace(settings, rate_limit_count=2, rate_limit_seconds=600), clock, directory=DIRECTORY)
    # Windows are fixed (epoch // 600): start 2 s before the end of one.
    clock.advance(seconds=600 - clock.now().epoch % 600 - 2)
    submit(s, rate_key="ip")
    clock.advance(seconds=1)  # the window's last second
    submit(s, rate_key="ip")
    with pytest.raises(RateLimited):
        submit(s, rate_key="ip")
    clock.advance(seconds=1)  # the next window's first second
    submit(s, rate_key="ip")
    submit(s, rate_key="ip")
    with pytest.raises(RateLimited):
        submit(s, rate_key="ip")
