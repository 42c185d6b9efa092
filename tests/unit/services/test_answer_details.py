"""What the association's answers leave behind, in the details a person reads: the refusal
message, the comment kept in the timeline, the reminder's wording, the counts a sweep
reports; and an API body replayed whatever the order of its keys. In-memory stores."""

from __future__ import annotations

import pytest

from chalicelib.domain.vocabulary import Channel
from chalicelib.services.answers import InvalidAnswer
from chalicelib.services.intake import Idempotency
from tests.builders import TWO_ASSOCIATIONS as DIRECTORY
from tests.builders import association_mail_id, link_for, request_of, youth
from tests.builders import make_memory_services as make_services
from tests.builders import submit_youth as submit
from tests.integration.mail_stream import read_outbox

DAY = 86400


@pytest.fixture
def s(settings, clock):
    return make_services(settings, clock, directory=DIRECTORY)


@pytest.mark.parametrize("reason", [None, "", "because"])
def test_a_decline_without_a_listed_reason_says_so_on_the_reason_field(s, reason):
    result = submit(s)
    with pytest.raises(InvalidAnswer) as refused:
        s.answers.decline(link_for(s, "first-asso"), reason, None)
    assert refused.value.field == "reason" and refused.value.message == "Choisissez la raison du refus."
    assert str(refused.value) == "Choisissez la raison du refus."
    assert s.requests.get(result.reference)["association"]["id"] == "first-asso"


def test_the_decline_comment_is_kept_trimmed_and_at_most_1000_characters(s):
    result = submit(s)
    s.answers.decline(link_for(s, "first-asso"), "complet", "  " + "é" * 1200 + "  ")
    declined = next(e for e in s.requests.get(result.reference)["events"] if e["type"] == "declined")
    assert declined["detail"] == {"reason": "complet", "comment": "é" * 1000}


def test_a_decline_without_comment_keeps_an_empty_one(s):
    result = submit(s)
    view = s.answers.decline(link_for(s, "first-asso"), "profil", None)
    assert view.state == "declined" and view.just_done == "declined"
    assert view.association.id == "first-asso"
    declined = next(e for e in s.requests.get(result.reference)["events"] if e["type"] == "declined")
    assert declined["detail"] == {"reason": "profil", "comment": ""}


def test_a_second_decline_on_the_same_link_changes_nothing(s):
    result = submit(s)
    token = link_for(s, "first-asso")
    s.answers.decline(token, "complet", None)
    again = s.answers.decline(token, "complet", None)
    assert again.state == "declined" and again.just_done is None
    assert [e["type"] for e in s.requests.get(result.reference)["events"]].count("declined") == 1


def test_the_accepted_view_holds_the_request_and_who_accepted(s):
    submit(s)
    view = s.answers.accept(link_for(s, "first-asso"))
    assert view.association.id == "first-asso" and view.assignment.association_id == "first-asso"
    assert view.record["status"] == "accepted" and view.record["fields"]["email"] == "lea.martin@example.net"


def test_one_sweep_reminds_and_moves_on_every_request_due(s, settings, clock):
    for _ in range(2):
        submit(s)
    clock.advance(seconds=settings.reminder_days * DAY)
    assert s.answers.sweep_silence() == (2, 0)
    clock.advance(seconds=(settings.reroute_days - settings.reminder_days) * DAY)
    assert s.answers.sweep_silence() == (0, 2)


def test_the_reminder_says_how_many_days_the_request_waited(s, settings, clock):
    result = submit(s)
    clock.advance(seconds=settings.reminder_days * DAY + 3600)
    s.answers.sweep_silence()
    (reminder,) = [m for m in read_outbox(s) if m["Subject"].startswith("Rappel")]
    text = reminder.get_body(("plain",)).get_content()
    assert result.reference in text and f"il y a {settings.reminder_days} jours." in text


def test_no_reminder_for_an_association_gone_from_the_directory(s, settings, clock):
    submit(s)
    s.directory.replace([DIRECTORY[1]])
    clock.advance(seconds=settings.reminder_days * DAY)
    assert s.answers.sweep_silence() == (0, 0)
    assert not [m for m in read_outbox(s) if m["Subject"].startswith("Rappel")]


def test_the_same_api_body_with_its_keys_in_another_order_is_replayed(s):
    body = youth()
    first = s.submit(request_of(body, Channel.API), Idempotency.of_api("k", body))
    reordered = dict(reversed(list(body.items())))
    again = s.submit(request_of(reordered, Channel.API), Idempotency.of_api("k", reordered))
    assert again.id == first.id and again.replayed


def test_silence_moving_a_request_on_says_so_in_its_timeline(s, settings, clock):
    result = submit(s)
    clock.advance(seconds=settings.reroute_days * DAY)
    s.answers.sweep_silence()
    rerouted = next(e for e in s.requests.get(result.reference)["events"] if e["type"] == "rerouted")
    assert rerouted["actor"] == "system"
    assert rerouted["detail"] == {"association": "first-asso", "reason": "no answer"}


def test_a_bounced_reminder_moves_the_request_on_and_flags_the_address_with_its_reason_and_time(s, settings, clock):
    result = submit(s)
    clock.advance(seconds=settings.reminder_days * DAY)
    s.answers.sweep_silence()
    reminder = association_mail_id(s, "first-asso", "Rappel")
    assert s.answers.association_mail_bounced(reminder, None, "mailbox full")  # the address read from the mail
    assert s.requests.get(result.reference)["association"]["id"] == "second-asso"
    (flag,) = s.stores.mail_log.address_flags()
    assert flag["address"] == "first-asso@asso.example.org" and flag["association"] == "first-asso"
    assert flag["reason"] == "mailbox full" and flag["at"] == clock.now().iso


def test_a_bounce_of_another_mail_or_an_unknown_one_moves_nothing(s):
    result = submit(s)
    read_outbox(s)
    ack = next(m for m in read_outbox(s) if m["To"] == "lea.martin@example.net")
    assert not s.answers.association_mail_bounced(ack["Message-ID"].strip("<>").split(".")[0], None, "Permanent")
    assert not s.answers.association_mail_bounced("no-such-mail", None, "Permanent")
    assert s.requests.get(result.reference)["association"]["id"] == "first-asso"
    assert s.stores.mail_log.address_flags() == []


def test_a_bounce_from_an_address_the_association_no_longer_has_only_flags_it(s):
    result = submit(s)
    first_mail = association_mail_id(s, "first-asso")
    assert not s.answers.association_mail_bounced(first_mail, "old@asso.example.org", "Permanent")
    assert s.requests.get(result.reference)["association"]["id"] == "first-asso"
    assert [f["address"] for f in s.stores.mail_log.address_flags()] == ["old@asso.example.org"]


def test_a_bounce_after_the_request_moved_on_changes_nothing_more(s):
    result = submit(s)
    first_mail = association_mail_id(s, "first-asso")
    s.answers.accept(link_for(s, "first-asso"))
    assert not s.answers.association_mail_bounced(first_mail, None, "Permanent")
    assert s.requests.get(result.reference)["status"] == "accepted"
