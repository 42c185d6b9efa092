"""ConsoleStore's contract, on both implementations: the operators' list, single-use
sign-in nonces, and the hourly budget of links per address (refused with nothing written)."""

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
