"""OutboxStore: pending -> sending (lease) -> sent | pending | failed (memory and DynamoDB)."""

from __future__ import annotations

from tests.contract.conftest import DAY, NOW, intake

GRACE = 120  # the stores' mail_grace_seconds (conftest)
LEASE = 120


def one_mail(stores, **kwargs):
    w = intake(**kwargs)
    stores.requests.commit_new(w)
    return w.mails[0]


def test_a_new_mail_is_pending_and_due_for_the_sweeper_only_after_the_grace(stores):
    m = one_mail(stores)
    state = stores.outbox.mail_state(m.id)
    assert (state["state"], state["attempts"]) == ("pending", 0)
    assert state["to"] == ["asso@example.org"] and state["message_id"] == m.message_id
    assert stores.outbox.due_mails(NOW + GRACE - 1, 10) == []
    assert stores.outbox.due_mails(NOW + GRACE, 10) == [m.id]
    assert stores.outbox.mail_state("no-such-mail") is None
    assert stores.outbox.claim_mail("no-such-mail", NOW, LEASE) is None


def test_due_mails_are_oldest_first_and_limited(stores):
    first, second, third = (one_mail(stores, created=NOW + i) for i in range(3))
    assert stores.outbox.due_mails(NOW + DAY, 2) == [first.id, second.id]
    assert stores.outbox.due_mails(NOW + DAY, 10) == [first.id, second.id, third.id]


def test_a_claim_takes_the_mail_once_until_its_lease_runs_out(stores):
    m = one_mail(stores)
    claimed = stores.outbox.claim_mail(m.id, NOW, LEASE)
    assert claimed.mail == m and not claimed.interrupted
    state = stores.outbox.mail_state(m.id)
    assert state["state"] == "sending" and state["attempt_at"] == NOW
    assert stores.outbox.claim_mail(m.id, NOW + LEASE - 1, LEASE) is None  # another worker holds it
    assert stores.outbox.due_mails(NOW + LEASE - 1, 10) == []
    assert stores.outbox.due_mails(NOW + LEASE, 10) == [m.id]  # never marked: the sweeper reconciles it
    again = stores.outbox.claim_mail(m.id, NOW + LEASE + 1, LEASE)
    assert again.interrupted and again.mail.id == m.id


def test_a_sent_mail_leaves_the_sweepers_list_and_cannot_be_claimed(stores):
    m = one_mail(stores)
    stores.outbox.claim_mail(m.id, NOW, LEASE)
    stores.outbox.mark_sent(m.id, NOW + 1, "ses-0001")
    state = stores.outbox.mail_state(m.id)
    assert (state["state"], state["provider_message_id"]) == ("sent", "ses-0001")
    assert stores.outbox.due_mails(NOW + DAY, 10) == []
    assert stores.outbox.claim_mail(m.id, NOW + DAY, LEASE) is None


def test_a_sure_failure_is_pending_again_at_its_retry_time_with_one_more_attempt(stores):
    m = one_mail(stores)
    stores.outbox.claim_mail(m.id, NOW, LEASE)
    stores.outbox.mark_failed(m.id, NOW + 1, NOW + 301, "MailNotSent: " + "x" * 600)
    state = stores.outbox.mail_state(m.id)
    assert (state["state"], state["attempts"]) == ("pending", 1)
    assert state["last_error"].startswith("MailNotSent") and len(state["last_error"]) == 500
    assert stores.outbox.due_mails(NOW + 300, 10) == []
    assert stores.outbox.due_mails(NOW + 301, 10) == [m.id]
    assert stores.outbox.claim_mail(m.id, NOW + 301, LEASE).mail.attempts == 1


def test_a_mail_given_up_is_listed_for_operators_newest_first(stores):
    early, late = one_mail(stores), one_mail(stores)
    for at, m in ((NOW + 10, early), (NOW + 20, late)):
        stores.outbox.claim_mail(m.id, at, LEASE)
        stores.outbox.mark_failed_permanently(m.id, at, "outcome unknown (interrupted)")
    assert stores.outbox.mail_state(early.id)["state"] == "failed"
    assert stores.outbox.due_mails(NOW + DAY, 10) == []
    assert stores.outbox.claim_mail(early.id, NOW + DAY, LEASE) is None
    listed = stores.outbox.failed_mails(NOW + 30, 10)
    assert [f["id"] for f in listed] == [late.id, early.id]
    assert listed[1] == {
        "id": early.id,
        "kind": "association_new_request",
        "request_id": early.request_id,
        "to": ["asso@example.org"],
        "state": "failed",
        "attempts": 1,
        "failed_at": "2026-11-24T09:00:10Z",
        "error": "outcome unknown (interrupted)",
    }
    assert [f["id"] for f in stores.outbox.failed_mails(NOW + 30, 1)] == [late.id]
    assert stores.outbox.failed_mails(NOW + 31 * DAY, 10) == []  # past the mails' retention


def test_a_mark_for_a_mail_not_stored_writes_nothing(stores):
    # An expired and deleted mail, or a wrong id: a mark must not create a bare item that
    # has no expiry (kept forever) and would sit on the sweeper's or operators' lists.
    stores.outbox.mark_sent("no-such-mail", NOW, "ses-0001")
    stores.outbox.mark_failed("no-such-mail", NOW, NOW + 60, "MailNotSent")
    stores.outbox.mark_failed_permanently("no-such-mail", NOW, "UnsendableMail")
    assert stores.outbox.mail_state("no-such-mail") is None
    assert stores.outbox.due_mails(NOW + DAY, 10) == []
    assert stores.outbox.failed_mails(NOW, 10) == []
