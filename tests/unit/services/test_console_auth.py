"""Signing in to the console, on the in-memory stores: one use per link, 15 minutes,
a session only while the address is on the operators' list, and no account revealed."""

from __future__ import annotations

import pytest

from chalicelib.domain.operators import Operator, Role, parse_operators
from chalicelib.services.console_auth import SIGN_IN_LINKS_PER_HOUR
from chalicelib.services.ports import InvalidLink
from tests.builders import DESK

OP = "operatrice@reseau.example.org"


@pytest.fixture
def auth(services):
    services.stores.console.replace_operators(parse_operators(f"{OP}, Admin@Reseau.example.org:admin"))
    return services.console_auth


def last_token(services) -> str:
    due = services.stores.outbox.due_mails(10**12, 100)
    mail = services.stores.outbox.mail_state(due[-1])
    text = mail.get("text") or mail["body"]["text"] if isinstance(mail, dict) else ""
    return text.split("/console/lien/")[1].split()[0]


def test_operators_come_from_the_setting_with_their_roles():
    assert parse_operators("a@x.org, B@X.org:admin,not-an-address, a@x.org") == [
        Operator("a@x.org", Role.OPERATOR),
        Operator("b@x.org", Role.ADMIN),
    ]


def test_a_link_opens_one_session_once(services, auth):
    auth.request_link(OP.upper(), client=DESK)
    token = last_token(services)
    session = auth.sign_in(token)
    assert session.operator == Operator(OP, Role.OPERATOR)
    assert auth.session(session.cookie).operator.email == OP
    assert auth.form_ok(session, session.csrf) and not auth.form_ok(session, "forged")
    with pytest.raises(InvalidLink) as used:
        auth.sign_in(token)
    assert used.value.why == "used"


def test_a_link_lives_fifteen_minutes_and_a_session_twelve_hours(services, auth, clock):
    auth.request_link(OP, client=DESK)
    token = last_token(services)
    clock.advance(minutes=14, seconds=59)
    session = auth.sign_in(token)
    auth.request_link(OP, client=DESK)
    late = last_token(services)
    clock.advance(minutes=15, seconds=1)
    with pytest.raises(InvalidLink):
        auth.sign_in(late)
    clock.advance(hours=11, minutes=44)
    assert auth.session(session.cookie) is not None
    clock.advance(minutes=2)
    assert auth.session(session.cookie) is None


def test_an_unknown_address_gets_nothing_and_a_removed_operator_loses_the_session(services, auth):
    before = services.stores.outbox.due_mails(10**12, 100)
    auth.request_link("inconnu@example.org", client=DESK)
    assert services.stores.outbox.due_mails(10**12, 100) == before
    auth.request_link(OP, client=DESK)
    session = auth.sign_in(last_token(services))
    services.stores.console.replace_operators([])
    assert auth.session(session.cookie) is None


def test_an_address_gets_at_least_ten_links_an_hour(services, auth):
    for _ in range(SIGN_IN_LINKS_PER_HOUR + 3):
        auth.request_link(OP, client=DESK)
    sent = services.stores.outbox.due_mails(10**12, 100)
    assert 10 <= len(sent) == SIGN_IN_LINKS_PER_HOUR


# -- the console's time limits at both edges, one second either side: a session
# lasts twelve hours, a sign-in link fifteen minutes, and an address's budget of sign-in
# links is the clock's hour: spent, it stays spent until the hour's last second and is
# new at the next. In-memory stores, the settable clock.


def links_mailed(services) -> int:
    return len(services.stores.outbox.due_mails(10**12, 100))


def test_a_session_opens_the_console_until_twelve_hours_and_not_a_second_more(services, auth, clock):
    auth.request_link(OP, client=DESK)
    session = auth.sign_in(last_token(services))
    clock.advance(hours=12, seconds=-1)
    assert auth.session(session.cookie).operator.email == OP
    clock.advance(seconds=2)
    assert auth.session(session.cookie) is None


def test_a_sign_in_link_opens_until_fifteen_minutes_and_not_a_second_more(services, auth, clock):
    auth.request_link(OP, client=DESK)
    on_time = last_token(services)
    clock.advance(minutes=15, seconds=-1)
    assert auth.sign_in(on_time).operator.email == OP
    auth.request_link(OP, client=DESK)
    late = last_token(services)
    clock.advance(minutes=15, seconds=1)
    with pytest.raises(InvalidLink):
        auth.sign_in(late)


def test_the_sign_in_budget_is_spent_until_the_hours_last_second_and_new_the_next(services, auth, clock):
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
