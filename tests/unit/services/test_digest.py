"""The operators' daily digest (services/digest.py) on the in-memory stores, with the
settable clock: what it lists, to whom, once a day, and nothing when nothing waits."""

from __future__ import annotations

from chalicelib.domain.operators import Operator, Role
from chalicelib.services.digest import digest_for
from chalicelib.services.ports import Event
from tests.builders import association, youth

OPERATORS = [Operator("operatrice@reseau.example.org", Role.OPERATOR), Operator("admin@reseau.example.org", Role.ADMIN)]

# One association, in the Nord: a request from Paris goes to triage.
DIRECTORY = [association("first-asso")]


def submit(services, **overrides):
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission
    from chalicelib.domain.vocabulary import Channel

    return services.intake.accept(
        NewRequest.from_submission(parse_submission(youth(**overrides), json=True), Channel.FORM)
    )


def digest_mails(services):
    s = services.stores.outbox.state
    return [
        services.stores.outbox.mail_state(i)
        for i in s.inserted_mails
        if services.stores.outbox.mail_state(i)["kind"] == "console_digest"
    ]


def reply(services, result, text="Merci, je rappelle demain."):
    record = services.stores.requests.get(result.id, services.clock.now().epoch).to_record()
    now = services.clock.now()
    event = Event(now.iso, "reply_received", "email", {"from": "parent@example.net", "excerpt": text})
    services.stores.requests.append_event(result.id, event, len(record["events"]), record["expires_at"])
    services.stores.mail_log.note_reply(now.iso, result.id, result.reference, record["expires_at"])


def test_nothing_waiting_sends_nothing(wired):
    submit(wired, postal_code="75001", city="Paris")  # in triage, but for less than a day
    assert digest_for(wired).send() == 0 and digest_mails(wired) == []


def test_the_digest_lists_old_triage_unanswered_replies_quarantine_and_bounces_to_each_operator(wired, clock):
    old = submit(wired, postal_code="75001", city="Paris")
    routed = submit(wired)
    clock.advance(hours=25)
    fresh = submit(wired, postal_code="75002", city="Paris")
    reply(wired, routed)
    answered = submit(wired)
    reply(wired, answered)
    clock.advance(minutes=5)
    record = wired.stores.requests.get(answered.id, clock.now().epoch).to_record()
    acted = Event(clock.now().iso, "viewed", "operatrice@reseau.example.org")
    wired.stores.requests.append_event(answered.id, acted, len(record["events"]), record["expires_at"])
    now = clock.now()
    wired.stores.mail_log.quarantine(
        now.iso, {"reason": "no usable sender address", "raw_key": "x.eml", "envelope_sender": ""}, now.epoch + 86400
    )
    wired.stores.mail_log.flag_address("first-asso", "contact@first.example.org", now.iso, "mailbox full")

    assert digest_for(wired).send() == 2
    mails = digest_mails(wired)
    assert sorted(m["to"][0] for m in mails) == sorted(o.email for o in OPERATORS)
    text = mails[0]["text"]
    assert old.reference in text and fresh.reference not in text
    assert "Demandes à trier depuis plus d'un jour : 1" in text
    assert routed.reference in text and answered.reference not in text, "a reply an operator acted on is not news"
    assert "Messages en quarantaine : 1" in text
    assert "first-asso : contact@first.example.org" in text
    assert f"http://127.0.0.1:8000/console/demandes/{old.reference}" in text
    assert "4 points en attente" in mails[0]["subject"]
    assert "parent@example.net" not in text and "Merci, je rappelle" not in text, "no reply's content in a mail"

    assert digest_for(wired).send() == 0, "once a day"
    clock.advance(days=1)
    assert digest_for(wired).send() == 2
