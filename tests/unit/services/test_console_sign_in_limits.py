"""Signing in to the console at its limits: a link dies at exactly 15 minutes, each
address has its own hourly budget of links from each sender, so that a stranger asking
for an operator's address a hundred times leaves the operator theirs; each sender has a
per-IP limit that every address counts on alike; the address typed is read under the
address rule (254 characters at most, case and surrounding spaces ignored), the session
read back from its cookie is the one opened (its forms accepted), and only an admin ends
every session. In-memory stores."""

from __future__ import annotations

import pytest

from chalicelib.domain.operators import Operator, Role
from chalicelib.services.console_auth import SIGN_IN_LINKS_PER_HOUR
from chalicelib.services.ports import InvalidLink
from chalicelib.services.rate_limit import RateLimited
from tests.builders import DESK, make_memory_services

ONE = "une@reseau.example.org"
TWO = "deux@reseau.example.org"
LONG = (
    "a" * 64 + "@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 55 + ".example.org"
)  # 254 characters, the most an address holds
STRANGER = "stranger-desk"  # another sender than DESK


@pytest.fixture
def services(settings, clock):
    s = make_memory_services(settings, clock)
    s.stores.console.replace_operators(
        [Operator(ONE, Role.OPERATOR), Operator(TWO, Role.ADMIN), Operator(LONG, Role.OPERATOR)]
    )
    return s


@pytest.fixture
def auth(services):
    return services.console_auth


def sign_in_mails(services):
    due = services.stores.outbox.due_mails(10**12, 1000)
    return [m for m in (services.stores.outbox.mail_state(i) for i in due) if "/console/lien/" in (m.get("text") or "")]


def links_to(services, address):
    return [m for m in sign_in_mails(services) if m["to"] == [address]]


def token_of(mail):
    return mail["text"].split("/console/lien/")[1].split()[0]


def test_a_link_is_refused_at_exactly_fifteen_minutes(services, auth, clock):
    auth.request_link(ONE, client=DESK)
    (mail,) = links_to(services, ONE)
    clock.advance(minutes=15)
    with pytest.raises(InvalidLink):
        auth.sign_in(token_of(mail))


def test_each_address_has_its_own_hourly_budget(services, auth):
    for _ in range(SIGN_IN_LINKS_PER_HOUR + 3):
        auth.request_link(ONE, client=DESK)
    assert len(links_to(services, ONE)) == SIGN_IN_LINKS_PER_HOUR
    auth.request_link(TWO, client=DESK)
    assert len(links_to(services, TWO)) == 1


def test_the_budget_is_given_again_the_next_hour(services, auth, clock):
    for _ in range(SIGN_IN_LINKS_PER_HOUR + 1):
        auth.request_link(ONE, client=DESK)
    clock.advance(hours=1)
    auth.request_link(ONE, client=DESK)
    assert len(links_to(services, ONE)) == SIGN_IN_LINKS_PER_HOUR + 1


def test_the_longest_address_signs_in_and_one_character_more_is_nobody(services, auth):
    auth.request_link("  " + LONG.upper() + "  ", client=DESK)
    assert len(links_to(services, LONG)) == 1
    auth.request_link(LONG + "g", client=DESK)  # 255 characters: no address, so no operator's
    assert len(sign_in_mails(services)) == 1


def test_the_session_read_from_its_cookie_is_the_one_opened(services, auth):
    auth.request_link(TWO, client=DESK)
    session = auth.sign_in(token_of(links_to(services, TWO)[0]))
    assert session.operator == Operator(TWO, Role.ADMIN)
    again = auth.session(session.cookie)
    assert again.session_id == session.session_id
    assert again.csrf == session.csrf
    assert auth.form_ok(again, session.csrf)
    assert not auth.form_ok(again, None)


def test_a_link_of_an_operator_removed_since_is_invalid(services, auth):
    auth.request_link(ONE, client=DESK)
    (mail,) = links_to(services, ONE)
    services.stores.console.replace_operators([Operator(TWO, Role.ADMIN)])
    with pytest.raises(InvalidLink) as invalid:
        auth.sign_in(token_of(mail))
    assert invalid.value.why == "invalid"


@pytest.mark.parametrize("cookie", [None, "", "forged.value"])
def test_no_or_a_forged_cookie_opens_no_session(auth, cookie):
    assert auth.session(cookie) is None


@pytest.mark.parametrize("typed", ["", None, "une.reseau.example.org", "inconnue@reseau.example.org"])
def test_an_address_that_is_no_operator_s_gets_no_mail(services, auth, typed):
    auth.request_link(typed, client=DESK)
    assert sign_in_mails(services) == []


def test_the_sign_in_mail_goes_to_the_operator_with_a_link(services, auth):
    auth.request_link("  Une@Reseau.Example.org ", client=DESK)
    (mail,) = sign_in_mails(services)
    assert mail["to"] == [ONE]
    assert mail["text"].count("http://127.0.0.1:8000/console/lien/") == 1
    assert "15 minutes" in mail["text"]


def ask_many(auth, address, client, times) -> int:
    """`times` requests; how many the per-IP limit refused."""
    refused = 0
    for _ in range(times):
        try:
            auth.request_link(address, client=client)
        except RateLimited:
            refused += 1
    return refused


def test_a_hundred_requests_from_a_stranger_leave_the_operator_ten_links_that_open(services, auth, settings):
    assert ask_many(auth, ONE, STRANGER, 100) == 100 - settings.rate_limit_count
    spent = [m["id"] for m in links_to(services, ONE)]
    assert len(spent) == SIGN_IN_LINKS_PER_HOUR, "the stranger had their own budget for this address"
    for _ in range(10):
        auth.request_link(ONE, client=DESK)
    mine = [m for m in links_to(services, ONE) if m["id"] not in spent]
    assert len(mine) == 10
    assert auth.sign_in(token_of(mine[-1])).operator.email == ONE


def test_the_per_ip_limit_takes_every_address_alike_so_it_tells_none(services, auth, settings, clock):
    for i in range(settings.rate_limit_count):
        auth.request_link(f"inconnu{i}@example.org", client=STRANGER)
    for address in (ONE, "inconnue@example.org", ""):
        with pytest.raises(RateLimited):
            auth.request_link(address, client=STRANGER)
    assert links_to(services, ONE) == []
    auth.request_link(ONE, client=DESK)  # another sender is not limited
    clock.advance(seconds=settings.rate_limit_seconds)  # the next window
    auth.request_link(ONE, client=STRANGER)
    assert len(links_to(services, ONE)) == 2


def test_only_an_admin_ends_every_session(services, auth):
    one, two = auth.open_session(Operator(ONE, Role.OPERATOR)), auth.open_session(Operator(TWO, Role.ADMIN))
    with pytest.raises(PermissionError):
        auth.end_all_sessions(one.operator)
    assert auth.session(one.cookie) is not None and auth.session(two.cookie) is not None
    auth.end_all_sessions(two.operator)
    assert auth.session(one.cookie) is None and auth.session(two.cookie) is None
