"""The console's time limits at both edges, one second either side (docs/testing.md): a session
lasts twelve hours, a sign-in link fifteen minutes, and an address's budget of sign-in
links is the clock's hour: spent, it stays spent until the hour's last second and is
new at the next. In-memory stores, the settable clock."""

from __future__ import annotations

import pytest

from chalicelib.services.console_auth import SIGN_IN_LINKS_PER_HOUR
from chalicelib.services.ports import InvalidLink
from tests.unit.services.test_console_auth import DESK, OP, auth, last_token  # noqa: F401 - the fixture


def links_mailed(services) -> int:
    return len(services.stores.outbox.due_mails(10**12, 100))


def test_a_session_opens_the_console_until_twelve_hours_and_not_a_second_more(services, auth, clock):  # noqa: F811
    auth.request_link(OP, client=DESK)
    session = auth.sign_in(last_token(services))
    clock.advance(hours=12, seconds=-1)
    assert auth.session(session.cookie).operator.email == OP
    clock.advance(seconds=2)
    assert auth.session(session.cookie) is None


def test_a_sign_in_link_opens_until_fifteen_minutes_and_not_a_second_more(services, auth, clock):  # noqa: F811
    auth.request_link(OP, client=DESK)
    on_time = last_token(services)
    clock.advance(minutes=15, seconds=-1)
    assert auth.sign_in(on_time).operator.email == OP
    auth.request_link(OP, client=DESK)
    late = last_token(services)
    clock.advance(minutes=15, seconds=1)
    with pytest.raises(InvalidLink):
        auth.sign_in(late)


def test_the_sign_in_budget_is_spent_until_the_hours_last_second_and_new_the_next(services, auth, clock):  # noqa: F811
    for hour in range(1, 3):  # two hours running: each has its own budget, whatever the hour's number
        for _ in range(SIGN_IN_LINKS_PER_HOUR):
            auth.request_link(OP, client=DESK)
        assert links_mailed(services) == hour * SIGN_IN_LINKS_PER_HOUR
        clock.advance(seconds=3600 - clock.now().epoch % 3600 - 1)  # the hour's last second
        auth.request_link(OP, client=DESK)
        assert links_mailed(services) == hour * SIGN_IN_LINKS_PER_HOUR
        clock.advance(seconds=1)  # the next hour's first
    auth.request_link(OP, client=DESK)
    assert links_mailed(services) == 2 * SIGN_IN_LINKS_PER_HOUR + 1
