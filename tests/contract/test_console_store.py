"""ConsoleStore's contract, on both implementations: the operators' list, single-use
sign-in nonces, the hourly budget of links (refused with nothing written), the per-IP
counter of sign-in requests, and the sessions: open until they expire, are closed one by
one, all at once, or with their operator's removal."""

from __future__ import annotations

import pytest

from chalicelib.domain.operators import Operator, Role
from chalicelib.services.ports import Refusal, Rejected
from tests.contract.conftest import NOW, iso, mail


def test_the_operators_list_is_replaced_whole(stores):
    c = stores.console
    c.replace_operators([Operator("a@x.org", Role.OPERATOR), Operator("b@x.org", Role.ADMIN)])
    assert c.operator("b@x.org") == Operator("b@x.org", Role.ADMIN)
    c.replace_operators([Operator("b@x.org", Role.OPERATOR)])
    assert c.operator("a@x.org") is None
    assert c.operator("b@x.org") == Operator("b@x.org", Role.OPERATOR)


def test_a_nonce_is_consumed_once_and_not_after_it_expired(stores):
    c = stores.console
    c.open_sign_in("n1", "a@x.org", iso(NOW), NOW + 900, mail(), "k#1", 10, NOW + 3600)
    c.open_sign_in("n2", "a@x.org", iso(NOW), NOW + 900, mail(), "k#1", 10, NOW + 3600)
    assert c.consume_sign_in("n1", NOW + 899) == "a@x.org"
    assert c.consume_sign_in("n1", NOW + 899) is None
    assert c.consume_sign_in("n2", NOW + 900) is None
    assert c.consume_sign_in("unknown", NOW) is None


def test_the_link_and_its_mail_are_one_write_refused_over_the_budget(stores):
    c = stores.console
    first = mail()
    c.open_sign_in("n1", "a@x.org", iso(NOW), NOW + 900, first, "k#1", 1, NOW + 3600)
    assert first.id in stores.outbox.due_mails(NOW + 3600, 10)
    refused = mail()
    with pytest.raises(Rejected) as over:
        c.open_sign_in("n2", "a@x.org", iso(NOW), NOW + 900, refused, "k#1", 1, NOW + 3600)
    assert over.value.what is Refusal.RATE
    assert refused.id not in stores.outbox.due_mails(NOW + 3600, 10)
    assert c.consume_sign_in("n2", NOW) is None
    c.open_sign_in("n3", "a@x.org", iso(NOW), NOW + 900, mail(), "k#2", 1, NOW + 7200)  # the next hour


def test_a_per_ip_counter_takes_its_limit_and_refuses_the_next_its_own_way(stores):
    c = stores.console
    for _ in range(3):
        c.count_sign_in_request("signin:a#1", 3, NOW + 600)
    with pytest.raises(Rejected) as over:
        c.count_sign_in_request("signin:a#1", 3, NOW + 600)
    assert over.value.what is Refusal.RATE
    c.count_sign_in_request("signin:b#1", 3, NOW + 600)  # another sender
    c.count_sign_in_request("signin:a#2", 3, NOW + 1200)  # the next window
    with pytest.raises(Rejected):
        c.count_sign_in_request("signin:a#1", 3, NOW + 600)  # still full


def test_a_session_is_open_until_it_expires_or_is_closed(stores):
    c = stores.console
    c.open_session("s1", "a@x.org", NOW + 100)
    c.open_session("s2", "a@x.org", NOW + 100)
    assert c.session_email("s1", NOW + 99) == "a@x.org"
    assert c.session_email("s1", NOW + 100) is None, "expired, though storage still holds it"
    assert c.session_email("unknown", NOW) is None
    c.close_session("s1")
    assert c.session_email("s1", NOW) is None
    assert c.session_email("s2", NOW) == "a@x.org", "only that one"
    c.close_session("s1")  # closing it again changes nothing


def test_every_session_closes_at_once(stores):
    c = stores.console
    for i in range(30):
        c.open_session(f"s{i}", f"op{i % 3}@x.org", NOW + 100 + i)
    c.open_session("old", "a@x.org", NOW - 1)  # expired, not yet deleted by the TTL
    assert c.close_all_sessions() == 31
    assert [i for i in range(30) if c.session_email(f"s{i}", NOW) is not None] == []
    c.open_session("new", "a@x.org", NOW + 100)
    assert c.session_email("new", NOW) == "a@x.org", "a session opened after it is open"


def test_an_operator_removed_from_the_list_loses_every_session_and_no_one_else(stores):
    c = stores.console
    c.replace_operators([Operator("a@x.org", Role.OPERATOR), Operator("b@x.org", Role.ADMIN)])
    c.open_session("a1", "a@x.org", NOW + 100)
    c.open_session("a2", "a@x.org", NOW + 100)
    c.open_session("b1", "b@x.org", NOW + 100)
    c.replace_operators([Operator("b@x.org", Role.OPERATOR)])
    assert c.session_email("a1", NOW) is None and c.session_email("a2", NOW) is None
    assert c.session_email("b1", NOW) == "b@x.org", "a role changed: the session stays, the role is read again"
