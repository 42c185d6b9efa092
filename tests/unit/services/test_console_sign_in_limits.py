"""Signing in to the console at its limits: a link dies at exactly 15 minutes, each
address has its own hourly budget of links, the address typed is read under the address
rule (254 characters at most, case and surrounding spaces ignored), and the session read back from its cookie is the one opened (its forms accepted).
In-memory stores."""

from __future__ import annotations

import pytest

from chalicelib.domain.operators import Operator, Role
from chalicelib.services.console_auth import SIGN_IN_LINKS_PER_HOUR
from chalicelib.services.ports import InvalidLink
from tests.conftest import make_memory_services

ONE = "une@reseau.example.org"
TWO = "deux@reseau.example.org"
LONG = "a" * 64 + "@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 55 + ".example.org"  # 254 characters, the most an address holds


@pytest.fixture
def services(settings, clock):
    s = make_memory_services(settings, clock)
    s.stores.console.replace_operators([Operator(ONE, Role.OPERATOR), Operator(TWO, Role.ADMIN),
                                        Operator(LONG, Role.OPERATOR)])
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
    auth.request_link(ONE)
    (mail,) = links_to(services, ONE)
    clock.advance(minutes=15)
    with pytest.raises(InvalidLink):
        auth.sign_in(token_of(mail))


def test_each_address_has_its_own_hourly_budget(services, auth):
    for _ in range(SIGN_IN_LINKS_PER_HOUR + 3):
        auth.request_link(ONE)
    assert len(links_to(services, ONE)) == SIGN_IN_LINKS_PER_HOUR
    auth.request_link(TWO)
    assert len(links_to(services, TWO)) == 1


def test_the_budget_is_given_again_the_next_hour(services, auth, clock):
    for _ in range(SIGN_IN_LINKS_PER_HOUR + 1):
        auth.request_link(ONE)
    clock.advance(hours=1)
    auth.request_link(ONE)
    assert len(links_to(services, ONE)) == SIGN_IN_LINKS_PER_HOUR + 1


def test_the_longest_address_signs_in_and_one_character_more_is_nobody(services, auth):
    auth.request_link("  " + LONG.upper() + "  ")
    assert len(links_to(services, LONG)) == 1
    auth.request_link(LONG + "g")  # 255 characters: no address, so no operator's
    assert len(sign_in_mails(services)) == 1


def test_the_session_read_from_its_cookie_is_the_one_opened(services, auth):
    auth.request_link(TWO)
    session = auth.sign_in(token_of(links_to(services, TWO)[0]))
    assert session.operator == Operator(TWO, Role.ADMIN)
    again = auth.session(session.cookie)
    assert again.session_id == session.session_id
    assert again.csrf == session.csrf
    assert auth.form_ok(again, session.csrf)
    assert not auth.form_ok(again, None)


def test_a_link_of_an_operator_removed_since_is_invalid(services, auth):
    auth.request_link(ONE)
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
    auth.request_link(typed)
    assert sign_in_mails(services) == []


def test_the_sign_in_mail_goes_to_the_operator_with_a_link(services, auth):
    auth.request_link("  Une@Reseau.Example.org ")
    (mail,) = sign_in_mails(services)
    assert mail["to"] == [ONE]
    assert mail["text"].count("http://127.0.0.1:8000/console/lien/") == 1
    assert "15 minutes" in mail["text"]
