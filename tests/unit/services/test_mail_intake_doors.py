"""Mail intake's doors (services/mail_intake.py): which recipients it takes, the raw copy
SES already stored, the message a request keeps of the mail."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.builders import association, make_memory_services
from tests.builders import intake_mail as mail

BODY = "Bonjour, un élève de 4e, 14 ans, à Roubaix 59100, a besoin de soutien scolaire."


@pytest.fixture
def s(settings, clock, tmp_path):
    return make_memory_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock, directory=[association("asso-a")]
    )


def record(s, outcome):
    return s.stores.requests.get(outcome.reference, s.clock.now().epoch).to_record()


def test_a_mail_to_several_recipients_is_taken_when_one_is_ours(s):
    outcome = s.mail_intake.ingest(mail(), "cpe@college.example.fr", ["contact@lementorat.fr", "urgence@lementorat.fr"])
    assert outcome.kind == "request"
    assert (
        s.mail_intake.ingest(
            mail(message_id="<m9@x.fr>"), "cpe@college.example.fr", ["contact@lementorat.fr", "autre@lementorat.fr"]
        ).kind
        == "not_for_us"
    )


def test_a_mail_without_recipients_given_is_taken(s):
    assert s.mail_intake.ingest(mail(), "cpe@college.example.fr", []).kind == "request"


def test_an_intake_address_set_in_capitals_takes_the_mail(settings, clock, tmp_path):
    s = make_memory_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw"), intake_addresses=("Urgence@LeMentorat.fr",)),
        clock,
        directory=[association("asso-a")],
    )
    assert s.mail_intake.accepts_recipient("urgence@lementorat.fr")
    assert not s.mail_intake.accepts_recipient("urgence@lementorat.fr.example")


def test_the_raw_copy_ses_stored_is_the_one_kept(s):
    outcome = s.mail_intake.ingest(mail(), "cpe@college.example.fr", [], raw_key="inbound/abc123")
    assert record(s, outcome)["inbound"]["raw_key"] == "inbound/abc123"


def test_the_request_keeps_the_mails_own_text_as_its_message(s):
    outcome = s.mail_intake.ingest(mail(body=BODY + "\n\nCordialement,\n"), "cpe@college.example.fr", [])
    assert record(s, outcome)["fields"]["message"].startswith(BODY)


def from_(sender, message_id):
    from email.message import EmailMessage

    m = EmailMessage()
    m["From"] = sender
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = "Demande"
    m["Message-ID"] = message_id
    m.set_content(BODY)
    return m.as_bytes()


def test_one_sender_however_capitalised_has_one_daily_budget(s, settings):
    senders = ["cpe@college.example.fr", "CPE@College.Example.fr"]
    for i in range(settings.mail_intake_limit_per_day):
        outcome = s.mail_intake.ingest(from_(senders[i % 2], f"<c{i}@x.fr>"), None, [])
        assert outcome.kind == "request"
    held = s.mail_intake.ingest(from_("Cpe@college.example.fr", "<c-over@x.fr>"), None, [])
    assert (held.kind, held.reason) == ("quarantined", "sender over daily limit")
    acked = [
        m for m in map(s.stores.outbox.mail_state, s.stores.outbox.take_inserted()) if m["kind"] == "acknowledgement"
    ]
    assert len(acked) == settings.ack_limit_per_hour  # one hourly budget of acknowledgements too
