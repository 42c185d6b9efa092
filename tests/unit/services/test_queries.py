"""What operators read after a bounce and in their lists (docs/testing.md: mutation survivors):
the bounce's timeline event, the flag of an address whose association left the
directory, the quarantine and the failed mails listed newest first, cut at the limit,
without what expired, with the time each mail was given up. In-memory stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.domain.vocabulary import Channel
from tests.builders import TWO_ASSOCIATIONS as DIRECTORY
from tests.builders import association_mail_id, request_of, youth
from tests.builders import make_memory_services as make_services
from tests.builders import submit_youth as submit
from tests.integration.mail_stream import deliver_mails


@pytest.fixture
def s(settings, clock):
    return make_services(settings, clock, directory=DIRECTORY)


# -- bounces ------------------------------------------------------------------------------


def test_a_bounce_is_in_the_timeline_with_the_address_and_its_reason(s):
    result = submit(s)
    mail_id = association_mail_id(s, "first-asso")
    assert s.answers.association_mail_bounced(mail_id, "first-asso@asso.example.org", "Permanent: no such user")
    events = s.requests.get(result.reference)["events"]
    (bounced,) = [e for e in events if e["type"] == "bounced"]
    assert bounced["actor"] == "mail"
    assert bounced["detail"] == {
        "association": "first-asso",
        "address": "first-asso@asso.example.org",
        "reason": "Permanent: no such user",
    }
    assert s.requests.get(result.reference)["association"]["id"] == "second-asso"


def test_a_bounce_for_an_association_gone_from_the_directory_flags_the_address_as_unknown(s, clock):
    result = submit(s)
    mail_id = association_mail_id(s, "first-asso")
    s.directory.replace([DIRECTORY[1]])  # first-asso left the directory; the request still waits on it
    assert not s.answers.association_mail_bounced(mail_id, None, "Permanent")
    (flag,) = s.stores.mail_log.address_flags()
    assert flag == {
        "association": "unknown",
        "address": "first-asso@asso.example.org",
        "at": clock.now().iso,
        "reason": "Permanent",
    }
    assert "bounced" not in [e["type"] for e in s.requests.get(result.reference)["events"]]


def test_a_report_without_recipient_about_a_scrubbed_mail_moves_nothing_and_does_not_fail(s):
    """An erased request's mails lost their recipients: a delivery report that names none
    (no Final-Recipient) is about nobody we still know: nothing to flag, nothing to route."""
    result = submit(s)
    mail_id = association_mail_id(s, "first-asso")
    s.stores.outbox.erase_mail(mail_id, s.clock.now().epoch)
    assert not s.answers.association_mail_bounced(mail_id, None, "Permanent")
    assert s.stores.mail_log.address_flags() == []
    assert s.requests.get(result.reference)["association"]["id"] == "first-asso"


# -- the quarantine -------------------------------------------------------------------------


def quarantine(s, n: int, expires_in: int) -> None:
    now = s.clock.now()
    s.stores.mail_log.quarantine(
        f"{now.iso}-{n:02d}", {"reason": f"reason {n}", "raw_key": f"q/{n}.eml"}, now.epoch + expires_in
    )


def test_the_quarantine_is_listed_newest_first_up_to_the_limit(s):
    for n in range(3):
        quarantine(s, n, 86400)
    assert [q["reason"] for q in s.requests.quarantined(10)] == ["reason 2", "reason 1", "reason 0"]
    assert [q["reason"] for q in s.requests.quarantined(2)] == ["reason 2", "reason 1"]


def test_a_quarantined_mail_is_listed_until_its_retention_ends(s, clock):
    quarantine(s, 0, 10)
    clock.advance(seconds=9)
    assert [q["raw_key"] for q in s.requests.quarantined(10)] == ["q/0.eml"]
    clock.advance(seconds=1)
    assert s.requests.quarantined(10) == []


# -- mails given up ---------------------------------------------------------------------------


class AlwaysDown:
    def send(self, mail, sender):
        raise ConnectionError("SES unreachable")


def utc(clock) -> str:
    return datetime.fromtimestamp(clock.now().epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_failed_mails_are_listed_newest_first_with_when_each_was_given_up(settings, clock):
    s = make_services(replace(settings, mail_max_attempts=1), clock, sender=AlwaysDown(), directory=DIRECTORY)
    first = s.submit(request_of(youth(), Channel.FORM))
    deliver_mails(s)
    first_failed_at = utc(clock)
    clock.advance(hours=2)
    second = s.submit(request_of(youth(), Channel.FORM))
    deliver_mails(s)
    listed = s.outbox.failed_mails(10)
    assert [m["request_id"] for m in listed] == [second.id] * 2 + [first.id] * 2
    assert [m["failed_at"] for m in listed] == [utc(clock)] * 2 + [first_failed_at] * 2
    assert all(m["state"] == "failed" and m["attempts"] == 1 for m in listed)
    newest = s.outbox.failed_mails(3)
    assert len(newest) == 3 and [m["request_id"] for m in newest[:2]] == [second.id] * 2


# -- A request's personal data is kept `retention_days` from its creation: readable (by id, by
# reference, in lists) until one second before, gone one second after, even before storage deletes
# it (both edges of every time limit). In-memory stores.


def test_a_request_is_read_until_its_retention_ends_and_not_a_second_more(services, clock, settings):
    result = services.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=settings.retention_days, seconds=-1)
    assert services.requests.get(result.id)["reference"] == result.reference
    assert services.requests.get(result.reference)["id"] == result.id
    assert [i["reference"] for i in services.requests.list(None, None, 50, None)[0]] == [result.reference]
    clock.advance(seconds=2)
    assert services.requests.get(result.id) is None
    assert services.requests.get(result.reference) is None
    assert services.requests.list(None, None, 50, None)[0] == []
