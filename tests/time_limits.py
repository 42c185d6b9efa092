"""Both edges of every time limit: one second before it, the first behaviour; one second
after, the other. The clock is the settable one of tests/conftest.py, so nothing sleeps.

The tests themselves, collected by two levels with their own `store_kind` fixture:
tests/integration/test_time_limits.py on DynamoDB Local, tests/unit/services/
test_time_limits.py on the in-memory stores (among the fast tests: make mutation)."""

from __future__ import annotations

import email
from dataclasses import replace
from email import policy
from pathlib import Path

import pytest

from chalicelib.adapters.links import InvalidLink
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.intake import Idempotency, IdempotencyConflict, RateLimited
from tests.builders import LINK, request_of, wired_services, youth
from tests.integration.mail_stream import deliver_mails

DAY = 86400


@pytest.fixture
def s(settings, clock, store_kind):
    return wired_services(settings, clock, store_kind)


def link_for(s, association_id: str) -> str:
    """The answer link's token in the newest mail to this association, once sent."""
    if s.table is None:
        for mail_id in s.stores.outbox.take_inserted():
            s.send_new_mail(mail_id)
    else:
        deliver_mails(s)
    folder = Path(s.settings.outbox_dir)
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in folder.glob("*.eml")]
    mine = sorted((m for m in mails if m["To"] == f"{association_id}@asso.example.org"), key=lambda m: m["Date"])
    assert mine, f"no mail to {association_id}"
    return LINK.search(mine[-1].get_body(("plain",)).get_content()).group(1)


def event_types(s, reference):
    return [e["type"] for e in s.requests.get(reference)["events"]]


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


def test_the_delays_are_the_settings_not_the_defaults(settings, clock, store_kind):
    s = wired_services(replace(settings, reminder_days=2, reroute_days=3), clock, store_kind)
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


def test_an_idempotency_key_past_its_retention_makes_a_new_request(s, settings, clock):
    body = youth()
    first = submit(s, body, idempotency=Idempotency.of_api("k", body))
    clock.advance(seconds=settings.idempotency_hours * 3600 + 1)
    later = submit(s, body, idempotency=Idempotency.of_api("k", body))
    assert later.id != first.id and not later.replayed


def test_a_form_submission_id_is_remembered_as_long(s, settings, clock):
    first = submit(s, idempotency=Idempotency.of_form("sub-1"))
    clock.advance(seconds=settings.idempotency_hours * 3600 - 1)
    assert submit(s, idempotency=Idempotency.of_form("sub-1")).id == first.id
    clock.advance(seconds=2)
    assert submit(s, idempotency=Idempotency.of_form("sub-1")).id != first.id


# -- per-IP limit: RATE_LIMIT -----------------------------------------------------------


def test_the_per_ip_window_counts_until_its_last_second_and_restarts_the_next(settings, clock, store_kind):
    s = wired_services(replace(settings, rate_limit_count=2, rate_limit_seconds=600), clock, store_kind)
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
