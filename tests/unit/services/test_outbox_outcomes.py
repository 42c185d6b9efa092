"""The outbox's outcomes on the in-memory stores, each as the operator sees it: the mail's
state, attempts and last error, SES's message id, the `mail_failed` event on the request's
timeline, the sweep's counts; the whole backoff series and the give-up (services/outbox.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.mail_headers import UnsendableMail
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.outbox import BACKOFF_SECONDS, LEASE_SECONDS
from chalicelib.services.ports import MailNotSent, MailOutcomeUnknown
from tests.builders import make_memory_services, request_of, youth


class Scripted:
    """A sender whose answer per mail kind is scripted: an exception to raise, or a value
    to return (SES's MessageId)."""

    def __init__(self, answers=None, default="ses-id", delivered=None):
        self.answers = answers or {}
        self.default = default
        self.sends = []
        if delivered is not None:
            self.delivered = lambda mail: delivered

    def send(self, mail, sender):
        self.sends.append(mail.kind)
        answer = self.answers.get(mail.kind, self.default)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def stack_sending_with(settings, clock, sender, **changes):
    return make_memory_services(replace(settings, **changes) if changes else settings, clock, sender=sender)


def by_kind(s, result):
    return {s.stores.outbox.mail_state(m)["kind"]: s.stores.outbox.mail_state(m) for m in result.mail_ids}


def mail_failed_events(s, result):
    return [e for e in s.requests.get(result.reference)["events"] if e["type"] == "mail_failed"]


def test_a_sent_mail_keeps_the_providers_message_id(settings, clock):
    s = stack_sending_with(settings, clock, Scripted(default="0100018c-abcdef-000000"))
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.failed, report.unknown) == (2, 0, 0)
    for mail in by_kind(s, result).values():
        assert mail["state"] == "sent" and mail["provider_message_id"] == "0100018c-abcdef-000000"


def test_a_sender_that_returns_no_id_leaves_none(settings, clock):
    s = stack_sending_with(settings, clock, Scripted(default={"not": "an id"}))
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    assert s.outbox.dispatch(result.mail_ids).sent == 2
    for mail in by_kind(s, result).values():
        assert mail["state"] == "sent" and "provider_message_id" not in mail


def test_an_unsendable_mail_is_given_up_at_once_and_the_next_one_still_goes(settings, clock):
    sender = Scripted({"association_new_request": UnsendableMail("To: no usable address")})
    s = stack_sending_with(settings, clock, sender)
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.failed, report.unknown) == (1, 1, 0)
    assert sender.sends == ["association_new_request", "acknowledgement"]
    mails = by_kind(s, result)
    failed = mails["association_new_request"]
    assert (failed["state"], failed["attempts"], failed["last_error"]) == ("failed", 1, "To: no usable address")
    assert mails["acknowledgement"]["state"] == "sent"
    (event,) = mail_failed_events(s, result)
    assert event["actor"] == "system" and event["at"] == clock.now().iso
    assert event["detail"] == {
        "mail_id": failed["id"],
        "kind": "association_new_request",
        "reason": "To: no usable address",
    }
    (listed,) = s.outbox.failed_mails()
    assert (listed["id"], listed["kind"], listed["error"]) == (
        failed["id"],
        "association_new_request",
        "To: no usable address",
    )


def test_a_mail_about_no_request_given_up_touches_no_timeline(settings, clock):
    s = stack_sending_with(settings, clock, Scripted({"console_sign_in": UnsendableMail("To: refused")}))
    mail = s.mails.console_sign_in("op@reseau.example.org", "http://127.0.0.1:8000/console/x", 15)
    assert s.stores.stats.store_digest("2026-11-24", [mail], clock.now().iso, clock.now().epoch + 86400)
    report = s.outbox.dispatch([mail.id])
    assert (report.sent, report.failed) == (0, 1)
    assert s.stores.outbox.mail_state(mail.id)["state"] == "failed"


def test_each_failed_send_waits_the_next_backoff_then_the_last_one_repeats(settings, clock):
    sender = Scripted(default=MailNotSent("Throttling"))
    s = stack_sending_with(settings, clock, sender, mail_max_attempts=7)
    result = s.intake.accept(request_of(youth(email=None, phone="0612345678"), Channel.API))  # one mail
    (mail_id,) = result.mail_ids
    report = s.outbox.dispatch([mail_id])
    assert (report.sent, report.failed, report.unknown) == (0, 1, 0)
    waits = [*BACKOFF_SECONDS, BACKOFF_SECONDS[-1], BACKOFF_SECONDS[-1]]
    for attempt, wait in enumerate(waits[:6], start=1):
        state = s.stores.outbox.mail_state(mail_id)
        assert (state["state"], state["attempts"]) == ("pending", attempt)
        assert state["last_error"] == "MailNotSent: Throttling"
        clock.advance(seconds=wait - 1)
        assert s.outbox.sweep().failed == 0 and len(sender.sends) == attempt  # not yet
        clock.advance(seconds=1)
        assert s.outbox.sweep().failed == 1 and len(sender.sends) == attempt + 1
    state = s.stores.outbox.mail_state(mail_id)
    assert (state["state"], state["attempts"]) == ("failed", 7)
    assert state["last_error"] == "MailNotSent after 7 attempts"
    (event,) = mail_failed_events(s, result)
    assert event["detail"] == {
        "mail_id": mail_id,
        "kind": "association_new_request",
        "reason": "MailNotSent after 7 attempts",
    }
    clock.advance(days=3)
    assert s.outbox.sweep().failed == 0 and len(sender.sends) == 7


def test_at_most_one_attempt_when_max_attempts_is_below_one(settings, clock):
    sender = Scripted(default=ConnectionError("down"))
    s = stack_sending_with(settings, clock, sender, mail_max_attempts=0)
    result = s.intake.accept(request_of(youth(email=None, phone="0612345678"), Channel.API))
    s.outbox.dispatch(result.mail_ids)
    state = s.stores.outbox.mail_state(result.mail_ids[0])
    assert (state["state"], state["last_error"]) == ("failed", "ConnectionError after 1 attempts")


def interrupted(s, clock, result):
    """Each mail claimed by a worker that died before its mark: found `sending` later."""
    for mail_id in result.mail_ids:
        assert s.stores.outbox.claim_mail(mail_id, clock.now().epoch, LEASE_SECONDS) is not None
    clock.advance(seconds=LEASE_SECONDS + 1)


def test_an_interrupted_attempt_the_sender_says_went_out_counts_as_sent_once(settings, clock):
    sender = Scripted(delivered=True)
    s = stack_sending_with(settings, clock, sender)
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    interrupted(s, clock, result)
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.failed, report.unknown) == (2, 0, 0)
    assert sender.sends == []  # never sent again
    assert all(m["state"] == "sent" for m in by_kind(s, result).values())


def test_an_interrupted_attempt_the_sender_says_never_left_is_retried_after_the_backoff(settings, clock):
    sender = Scripted(delivered=False)
    s = stack_sending_with(settings, clock, sender)
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    interrupted(s, clock, result)
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.failed, report.unknown) == (0, 2, 0)
    for mail in by_kind(s, result).values():
        assert (mail["state"], mail["attempts"]) == ("pending", 1)
        assert mail["last_error"] == "RuntimeError: not sent (interrupted)"
    clock.advance(seconds=BACKOFF_SECONDS[0])
    assert s.outbox.sweep().sent == 2 and len(sender.sends) == 2


def test_an_interrupted_attempt_nobody_can_settle_is_given_up_for_an_operator(settings, clock):
    sender = Scripted()  # as SES: cannot tell whether a mail went out
    s = stack_sending_with(settings, clock, sender)
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    interrupted(s, clock, result)
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.failed, report.unknown) == (0, 0, 2)
    assert sender.sends == []
    for mail in by_kind(s, result).values():
        assert (mail["state"], mail["last_error"]) == ("failed", "outcome unknown (interrupted)")
    assert {e["detail"]["reason"] for e in mail_failed_events(s, result)} == {"outcome unknown (interrupted)"}


def test_one_sweep_sends_every_due_mail_batch_after_batch(settings, clock):
    sender = Scripted()
    s = stack_sending_with(settings, clock, sender)
    results = [s.intake.accept(request_of(youth(), Channel.FORM)) for _ in range(3)]  # six mails
    clock.advance(seconds=settings.mail_grace_seconds)
    report = s.outbox.sweep(batch=1)
    assert (report.sent, report.failed, report.unknown) == (6, 0, 0)
    assert len(sender.sends) == 6
    assert all(m["state"] == "sent" for r in results for m in by_kind(s, r).values())


def test_a_sweep_stops_at_a_batch_that_only_fails(settings, clock):
    sender = Scripted(default=MailNotSent("down"))
    s = stack_sending_with(settings, clock, sender)
    for _ in range(3):
        s.intake.accept(request_of(youth(), Channel.FORM))
    clock.advance(seconds=settings.mail_grace_seconds)
    report = s.outbox.sweep(batch=2)
    assert (report.sent, report.failed, report.unknown) == (0, 2, 0)
    assert len(sender.sends) == 2  # the rest waits for the next sweep


@pytest.mark.parametrize("batch", [1, 2])
def test_a_sweep_goes_on_after_a_batch_of_unknown_outcomes(settings, clock, batch):
    sender = Scripted()
    s = stack_sending_with(settings, clock, sender)
    first = s.intake.accept(request_of(youth(), Channel.FORM))
    interrupted(s, clock, first)  # two mails cut off: unknown, given up
    clock.advance(seconds=1)
    report = s.outbox.sweep(batch=batch)
    assert (report.sent, report.unknown) == (0, 2)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (MailOutcomeUnknown("connection closed mid-way"), "outcome unknown (connection closed mid-way)"),
        (MailOutcomeUnknown(), "outcome unknown (MailOutcomeUnknown)"),
    ],
)
def test_a_send_of_unknown_outcome_is_given_up_with_its_reason(settings, clock, error, reason):
    sender = Scripted(default=error)
    s = stack_sending_with(settings, clock, sender)
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.failed, report.unknown) == (0, 0, 2)
    for mail in by_kind(s, result).values():
        assert (mail["state"], mail["attempts"], mail["last_error"]) == ("failed", 1, reason)
    clock.advance(days=1)
    assert s.outbox.sweep().unknown == 0 and len(sender.sends) == 2  # never sent again


def test_a_sender_that_can_tell_settles_an_unknown_outcome(settings, clock):
    sender = Scripted(default=MailOutcomeUnknown("read timeout"), delivered=True)
    s = stack_sending_with(settings, clock, sender)
    result = s.intake.accept(request_of(youth(), Channel.FORM))
    report = s.outbox.dispatch(result.mail_ids)
    assert (report.sent, report.failed, report.unknown) == (2, 0, 0)
    assert all(m["state"] == "sent" for m in by_kind(s, result).values())
