"""What an erasure (GDPR art. 17) reaches besides the request: the outbox's stored copies
of its mails, found through the request itself, never a Scan (memory and DynamoDB)."""

from __future__ import annotations

from tests.contract.conftest import DAY, NOW, intake, mail, transition

LEASE = 120
SAID = ("asso@example.org", "Nouvelle demande", "texte")


def stored(stores, rid, now):
    """The request as stored (its record), with its timeline and expiry."""
    return stores.requests.get(rid, now).to_record()


def assert_scrubbed(state):
    assert state["to"] == [] and state["subject"] == "" and state["text"] == "" and state["html"] == ""
    assert not any(word in str(state) for word in SAID)


def test_the_mails_of_a_request_are_found_from_it_intake_and_transitions_alike(stores):
    w = intake(mails=2)
    stores.requests.commit_new(w)
    other = intake()
    stores.requests.commit_new(other)
    seen = stored(stores, w.record.id, NOW + 10)
    t = transition(seen, NOW + 10, "routed")
    t.mails = [mail(w.record.id, kind="association_reminder")]
    stores.requests.commit_change(t)
    found = stores.requests.record_mail_ids(w.record.id, NOW + 20)
    assert sorted(found) == sorted([m.id for m in w.mails] + [t.mails[0].id])
    assert stores.requests.record_mail_ids("no-such-request", NOW) == []
    # The pointers are no part of the request as read.
    assert [e["type"] for e in stored(stores, w.record.id, NOW + 20)["events"]] == ["received", "routed", "routed"]


def test_an_erased_sent_mail_keeps_what_it_was_and_loses_what_it_said(stores):
    w = intake()
    stores.requests.commit_new(w)
    m = w.mails[0]
    stores.outbox.claim_mail(m.id, NOW, LEASE)
    stores.outbox.mark_sent(m.id, NOW + 1, "ses-1")
    assert stores.outbox.erase_mail(m.id, NOW + 5) == "sent"
    state = stores.outbox.mail_state(m.id)
    assert state["state"] == "sent" and state["id"] == m.id and state["kind"] == m.kind
    assert state["request_id"] == w.record.id
    assert_scrubbed(state)


def test_an_erased_failed_mail_leaves_the_operators_list(stores):
    w = intake()
    stores.requests.commit_new(w)
    m = w.mails[0]
    stores.outbox.claim_mail(m.id, NOW, LEASE)
    # A sender's error text may name the recipient: it goes with the rest.
    stores.outbox.mark_failed_permanently(m.id, NOW + 1, "SMTPRecipientsRefused: asso@example.org")
    assert [f["id"] for f in stores.outbox.failed_mails(NOW + 2, 10)] == [m.id]
    assert "asso@example.org" in stores.outbox.mail_state(m.id)["last_error"]
    assert stores.outbox.erase_mail(m.id, NOW + 5) == "failed"
    assert stores.outbox.failed_mails(NOW + 6, 10) == []
    state = stores.outbox.mail_state(m.id)
    assert_scrubbed(state)
    assert "last_error" not in state or not state["last_error"]


def test_an_erased_pending_mail_is_cancelled_never_sent(stores):
    w = intake()
    stores.requests.commit_new(w)
    m = w.mails[0]
    assert stores.outbox.erase_mail(m.id, NOW + 5) == "pending"
    state = stores.outbox.mail_state(m.id)
    assert state["state"] == "cancelled"
    assert_scrubbed(state)
    assert stores.outbox.due_mails(NOW + DAY, 10) == []
    assert stores.outbox.claim_mail(m.id, NOW + DAY, LEASE) is None
    assert stores.outbox.erase_mail(m.id, NOW + 6) == "cancelled"  # erasing again changes nothing
    assert stores.outbox.erase_mail("no-such-mail", NOW) is None


def test_a_mail_erased_while_being_sent_is_never_tried_again(stores):
    w = intake(mails=2)
    stores.requests.commit_new(w)
    failing, sending = w.mails
    for m in w.mails:
        stores.outbox.claim_mail(m.id, NOW, LEASE)
        assert stores.outbox.erase_mail(m.id, NOW + 1) == "sending"
    # The send in flight ends: a sure failure does not put it back on the sweeper's list ...
    stores.outbox.mark_failed(failing.id, NOW + 2, NOW + 60, "MailNotSent: down")
    assert stores.outbox.mail_state(failing.id)["state"] == "cancelled"
    stores.outbox.mark_failed_permanently(failing.id, NOW + 3, "outcome unknown")
    assert stores.outbox.mail_state(failing.id)["state"] == "cancelled"
    assert stores.outbox.failed_mails(NOW + 4, 10) == []
    # ... and one that left is told sent, its copy still scrubbed.
    stores.outbox.mark_sent(sending.id, NOW + 2, "ses-2")
    assert stores.outbox.mail_state(sending.id)["state"] == "sent"
    assert_scrubbed(stores.outbox.mail_state(sending.id))
    assert stores.outbox.due_mails(NOW + DAY, 10) == []
    assert stores.outbox.claim_mail(failing.id, NOW + DAY, LEASE) is None
