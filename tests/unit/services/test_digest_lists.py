"""What the operators' daily digest lists, line by line (services/digest.py): triage
counted from the request's last change, with its reason, read page after page up to a
bound; replies dated by the newest one on the timeline; the stored mails' retention."""

from __future__ import annotations

import re

from chalicelib.domain.mail_headers import UnsendableMail
from chalicelib.domain.operators import Operator, Role
from chalicelib.services import digest as digest_module
from chalicelib.services.digest import digest_for
from chalicelib.services.ports import Event
from tests.builders import association, youth

OPERATOR = Operator("operatrice@reseau.example.org", Role.OPERATOR)

OPERATORS = [OPERATOR]
DIRECTORY = [association("first-asso")]


def submit(services, **overrides):
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission
    from chalicelib.domain.vocabulary import Channel

    return services.intake.accept(
        NewRequest.from_submission(parse_submission(youth(**overrides), json=True), Channel.FORM)
    )


def in_paris(services):
    return submit(services, postal_code="75001", city="Paris")  # no association there: triage


def record_of(services, result):
    return services.stores.requests.get(result.id, services.clock.now().epoch).to_record()


def append(services, result, event):
    record = record_of(services, result)
    assert services.stores.requests.append_event(result.id, event, len(record["events"]), record["expires_at"])


def digest_text(services):
    assert digest_for(services).send() == 1
    (mail,) = [
        services.stores.outbox.mail_state(i)
        for i in services.stores.outbox.take_inserted()
        if services.stores.outbox.mail_state(i)["kind"] == "console_digest"
    ]
    return mail


def test_a_triage_line_gives_the_reference_the_time_and_the_reason(wired, clock):
    waiting = in_paris(wired)
    reason = record_of(wired, waiting)["triage_reason"]
    assert reason
    clock.advance(days=1, seconds=1)
    digest = digest_for(wired).compose()
    assert digest.triage_total == 1
    (line,) = digest.triage
    assert (line.reference, line.since, line.detail) == (
        waiting.reference,
        record_of(wired, waiting)["created_at"],
        reason,
    )
    text = digest_text(wired)["text"]
    (shown,) = [t for t in text.splitlines() if t.startswith(f"- {waiting.reference}")]
    assert shown.endswith(f" ({reason}) : http://127.0.0.1:8000/console/demandes/{waiting.reference}")


def test_exactly_a_day_in_triage_is_not_yet_listed(wired, clock):
    in_paris(wired)
    clock.advance(days=1)
    assert digest_for(wired).compose().triage_total == 0
    clock.advance(seconds=1)
    assert digest_for(wired).compose().triage_total == 1


def test_triage_time_counts_from_the_requests_last_change(wired, clock):
    from tests.builders import LINK

    routed = submit(wired)  # to first-asso, the only association
    link = LINK.search(wired.stores.outbox.mail_state(routed.mail_ids[0])["text"]).group(1)
    clock.advance(days=3)
    wired.answers.decline(link, "complet", None)  # nobody else: back to triage, today
    record = record_of(wired, routed)
    assert record["status"] == "needs_triage" and record["updated_at"] == clock.now().iso
    clock.advance(hours=23)
    assert digest_for(wired).compose().triage_total == 0  # created 4 days ago, in triage for 23 hours
    clock.advance(hours=2)
    (line,) = digest_for(wired).compose().triage
    assert (line.reference, line.since) == (routed.reference, record["updated_at"])


def test_triage_is_read_page_after_page_oldest_first(wired, clock, monkeypatch):
    monkeypatch.setattr(digest_module, "PAGE", 2)
    made = []
    for _ in range(5):
        made.append(in_paris(wired))
        clock.advance(minutes=1)
    clock.advance(days=2)
    digest = digest_for(wired).compose()
    assert digest.triage_total == 5
    assert [line.reference for line in digest.triage] == [r.reference for r in made]


def test_triage_reads_at_most_max_read_requests_the_newest(wired, clock, monkeypatch):
    monkeypatch.setattr(digest_module, "PAGE", 2)
    monkeypatch.setattr(digest_module, "MAX_READ", 4)
    made = []
    for _ in range(5):
        made.append(in_paris(wired))
        clock.advance(minutes=1)
    clock.advance(days=2)
    digest = digest_for(wired).compose()
    assert digest.triage_total == 4
    assert [line.reference for line in digest.triage] == [r.reference for r in made[1:]]


def test_triage_shows_fifty_lines_and_counts_the_rest(wired, clock, monkeypatch):
    monkeypatch.setattr(digest_module, "SHOWN", 2)
    made = []
    for _ in range(3):
        made.append(in_paris(wired))
        clock.advance(minutes=1)
    clock.advance(days=2)
    text = digest_text(wired)["text"]
    assert "Demandes à trier depuis plus d'un jour : 3" in text
    assert made[0].reference in text and made[1].reference in text and made[2].reference not in text
    assert "- et 1 autres." in text


def reply_event(services, text="Merci."):
    return Event(services.clock.now().iso, "reply_received", "email", {"from": "parent@example.net", "excerpt": text})


def test_a_reply_counts_from_the_newest_one_on_the_timeline(wired, clock):
    routed = submit(wired)
    append(wired, routed, reply_event(wired))
    wired.stores.mail_log.note_reply(
        clock.now().iso, routed.id, routed.reference, record_of(wired, routed)["expires_at"]
    )
    clock.advance(hours=1)
    append(wired, routed, Event(clock.now().iso, "viewed", OPERATOR.email))  # an operator read it
    clock.advance(hours=1)
    # A second reply, whose note for the digest was lost (the mail's note is a second write).
    append(wired, routed, reply_event(wired, "Encore une question."))
    second_at = clock.now().iso
    clock.advance(hours=1)
    (line,) = digest_for(wired).compose().replies
    assert (line.reference, line.since) == (routed.reference, second_at)


def test_a_noted_reply_missing_from_the_timeline_is_dated_by_its_note(wired, clock):
    routed = submit(wired)
    noted_at = clock.now().iso
    wired.stores.mail_log.note_reply(noted_at, routed.id, routed.reference, record_of(wired, routed)["expires_at"])
    clock.advance(hours=1)
    (line,) = digest_for(wired).compose().replies
    assert (line.reference, line.since) == (routed.reference, noted_at)


def test_a_reply_an_operator_acted_on_afterwards_is_not_listed(wired, clock):
    routed = submit(wired)
    append(wired, routed, reply_event(wired))
    wired.stores.mail_log.note_reply(
        clock.now().iso, routed.id, routed.reference, record_of(wired, routed)["expires_at"]
    )
    append(wired, routed, Event(clock.now().iso, "viewed", OPERATOR.email))  # the same instant counts
    assert digest_for(wired).compose().replies == []


def test_the_digest_mails_are_kept_mail_retention_days(wired, clock, settings):
    class Refuses:
        def send(self, mail, sender):
            raise UnsendableMail("To: refused")

    wired.outbox.sender = Refuses()
    in_paris(wired)
    clock.advance(days=2)
    mail = digest_text(wired)
    assert mail["to"] == [OPERATOR.email]
    assert re.fullmatch(r"Console Mentorat : 1 point en attente \(\d{4}-\d{2}-\d{2}\)", mail["subject"])
    wired.outbox.dispatch([mail["id"]])
    sent_at = clock.now().epoch
    assert [m["id"] for m in wired.outbox.failed_mails() if m["kind"] == "console_digest"] == [mail["id"]]
    clock.advance(seconds=settings.mail_retention_days * 86400 - 1)
    assert [m["id"] for m in wired.outbox.failed_mails() if m["kind"] == "console_digest"] == [mail["id"]]
    clock.advance(seconds=1)
    assert clock.now().epoch - sent_at == settings.mail_retention_days * 86400
    assert [m["id"] for m in wired.outbox.failed_mails() if m["kind"] == "console_digest"] == []


def test_no_operator_no_digest(wired, clock):
    wired.stores.console.replace_operators([])
    in_paris(wired)
    clock.advance(days=2)
    assert digest_for(wired).send() == 0
    # Nothing was marked sent for the day: an operator named later today gets it.
    wired.stores.console.replace_operators([OPERATOR])
    assert digest_for(wired).send() == 1


def test_nothing_to_say_marks_nothing_for_the_day(wired, clock):
    routed = submit(wired)
    assert digest_for(wired).send() == 0
    clock.advance(hours=1)  # the same day, a reply comes in
    append(wired, routed, reply_event(wired))
    wired.stores.mail_log.note_reply(
        clock.now().iso, routed.id, routed.reference, record_of(wired, routed)["expires_at"]
    )
    assert digest_for(wired).send() == 1


def note(services, result):
    append(services, result, reply_event(services))
    services.stores.mail_log.note_reply(
        services.clock.now().iso, result.id, result.reference, record_of(services, result)["expires_at"]
    )


def test_replies_are_listed_once_per_request_oldest_first_within_fourteen_days(wired, clock):
    old = submit(wired)
    note(wired, old)  # 14 days and an hour before the digest: history, not news
    clock.advance(hours=1)
    early, late = submit(wired), submit(wired)
    note(wired, late)
    clock.advance(hours=1)
    note(wired, early)
    clock.advance(hours=1)
    note(wired, late)  # a second reply on the same request
    clock.advance(days=14, hours=-2)  # 14 days and an hour after `old`'s reply, less after the others
    digest = digest_for(wired).compose()
    assert [line.reference for line in digest.replies] == [early.reference, late.reference]
    late_events = [e["at"] for e in record_of(wired, late)["events"] if e["type"] == "reply_received"]
    assert digest.replies[1].since == max(late_events)


def test_replies_show_at_most_fifty_requests(wired, clock, monkeypatch):
    monkeypatch.setattr(digest_module, "SHOWN", 2)
    made = [submit(wired) for _ in range(3)]
    for result in made:
        note(wired, result)
        clock.advance(minutes=1)
    digest = digest_for(wired).compose()
    assert len(digest.replies) == 2
    assert {line.reference for line in digest.replies} == {made[2].reference, made[1].reference}  # the newest


def test_the_quarantine_line_counts_and_dates_the_oldest(wired, clock):
    first_at = clock.now().iso
    wired.stores.mail_log.quarantine(
        first_at, {"reason": "r", "raw_key": "a.eml", "envelope_sender": ""}, clock.now().epoch + 86400 * 30
    )
    clock.advance(hours=3)
    wired.stores.mail_log.quarantine(
        clock.now().iso, {"reason": "r", "raw_key": "b.eml", "envelope_sender": ""}, clock.now().epoch + 86400 * 30
    )
    digest = digest_for(wired).compose()
    assert (digest.quarantined, digest.oldest_quarantined) == (2, first_at)
    mail = digest_text(wired)
    assert "Messages en quarantaine : 2 (le plus ancien reçu le " in mail["text"]
    assert "http://127.0.0.1:8000/console/quarantaine" in mail["text"]
    assert re.fullmatch(r"Console Mentorat : 2 points en attente \(\d{4}-\d{2}-\d{2}\)", mail["subject"])
