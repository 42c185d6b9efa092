"""Both edges of the outbox's delays, on the in-memory stores: the sweeper leaves a new
mail to the stream for MAIL_GRACE_SECONDS, waits the backoff after a failed send, and
leaves a claimed mail alone for its lease."""

from __future__ import annotations

from pathlib import Path

from chalicelib.domain.vocabulary import Channel
from chalicelib.services.outbox import BACKOFF_SECONDS, LEASE_SECONDS
from chalicelib.services.ports import MailNotSent
from tests.builders import make_memory_services, request_of, youth


def eml_count(s) -> int:
    folder = Path(s.settings.outbox_dir)
    return len(list(folder.glob("*.eml"))) if folder.exists() else 0


def test_the_sweeper_leaves_a_new_mail_to_the_stream_for_the_grace_period(settings, clock):
    s = make_memory_services(settings, clock)
    s.submit(request_of(youth(), Channel.FORM))  # two mails; the stream never delivers them here
    clock.advance(seconds=settings.mail_grace_seconds - 1)
    assert s.outbox.sweep().sent == 0 and eml_count(s) == 0
    clock.advance(seconds=1)
    assert s.outbox.sweep().sent == 2 and eml_count(s) == 2


class FailsOnce:
    """An SES that refuses the first send (surely not sent), then takes every mail."""

    def __init__(self, real):
        self.real, self.failed = real, False
        self.directory = real.directory

    def send(self, mail, sender):
        if not self.failed:
            self.failed = True
            raise MailNotSent("throttled")
        return self.real.send(mail, sender)

    def delivered(self, mail):
        return self.real.delivered(mail)


def test_a_failed_send_is_tried_again_after_the_first_backoff_not_before(settings, clock):
    s = make_memory_services(settings, clock)
    s.outbox.sender = FailsOnce(s.outbox.sender)
    s.submit(request_of(youth(email=None, phone="0612345678"), Channel.API))  # one mail: the association's
    for mail_id in s.stores.outbox.take_inserted():
        s.send_new_mail(mail_id)  # the stream's attempt fails
    assert eml_count(s) == 0
    clock.advance(seconds=BACKOFF_SECONDS[0] - 1)
    assert s.outbox.sweep().sent == 0
    clock.advance(seconds=1)
    assert s.outbox.sweep().sent == 1 and eml_count(s) == 1


def test_a_claimed_mail_is_left_alone_for_its_lease_then_settled_and_sent_once(settings, clock):
    s = make_memory_services(settings, clock)
    s.submit(request_of(youth(email=None, phone="0612345678"), Channel.API))
    (mail_id,) = s.stores.outbox.take_inserted()
    # A worker claimed it and died before sending: the mail stays `sending`.
    assert s.stores.outbox.claim_mail(mail_id, clock.now().epoch, LEASE_SECONDS) is not None
    clock.advance(seconds=max(settings.mail_grace_seconds, LEASE_SECONDS) - 1)
    s.outbox.sweep()
    assert eml_count(s) == 0 and s.stores.outbox.mail_state(mail_id)["state"] == "sending"
    clock.advance(seconds=2)
    s.outbox.sweep()  # settled: no .eml, so it never left; back to pending, as a failed send
    assert eml_count(s) == 0 and s.stores.outbox.mail_state(mail_id)["state"] == "pending"
    clock.advance(seconds=BACKOFF_SECONDS[0])
    assert s.outbox.sweep().sent == 1
    assert eml_count(s) == 1 and s.stores.outbox.mail_state(mail_id)["state"] == "sent"
    assert s.outbox.sweep().sent == 0  # once
