"""Mail intake, the answers it sends and the threads it follows (services/mail_intake.py):
the acknowledgement of a mail (auto-replied, in its thread, no echoed name), its hourly
budget per sender, replies found by References or a lowercase subject, excerpts cut,
the same mail told again by its SES id, bad quarantine keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from chalicelib.services.mail_intake import Quarantine
from tests.builders import association, make_memory_services
from tests.builders import intake_mail as mail

INTAKE = ["urgence@lementorat.fr"]


@pytest.fixture
def s(settings, clock, tmp_path):
    return make_memory_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock, directory=[association("asso-a")]
    )


def acks(s):
    states = [s.stores.outbox.mail_state(i) for i in s.stores.outbox.take_inserted()]
    return [m for m in states if m["kind"] == "acknowledgement"]


def test_the_acknowledgement_of_a_mail_answers_in_its_thread(s):
    outcome = s.mail_intake.ingest(mail(), "cpe@college.example.fr", INTAKE)
    (ack,) = acks(s)
    assert ack["to"] == ["cpe@college.example.fr"]
    assert ack["auto_submitted"] == "auto-replied"  # an answer to a mail (RFC 3834)
    assert ack["in_reply_to"] == "<m1@college.example.fr>"
    assert ack["reply_to"] == "urgence@lementorat.fr"
    assert ack["subject"] == f"Votre demande de mentorat {outcome.reference} est bien reçue"
    # The From's display name is unverified: never echoed in our greeting.
    assert ack["text"].startswith(
        "Bonjour,\n\nNous avons bien reçu la demande de mentorat que vous avez faite pour "
        "le ou la jeune que vous accompagnez.\n"
    )
    assert "Jean Dupont" not in ack["text"] and "Jean Dupont" not in ack["html"]


def test_acknowledgements_per_sender_start_again_each_hour(s, settings, clock):
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    clock.advance(seconds=int(start.timestamp()) - clock.now().epoch - 60)  # 09:59
    for i in range(settings.ack_limit_per_hour):
        assert s.mail_intake.ingest(mail(message_id=f"<a{i}@x.fr>"), "x", INTAKE).acknowledged
    over = s.mail_intake.ingest(mail(message_id="<over@x.fr>"), "x", INTAKE)
    assert over.kind == "request" and over.acknowledged is False
    assert len(acks(s)) == settings.ack_limit_per_hour
    clock.advance(seconds=60)  # 10:00, a new hour
    assert s.mail_intake.ingest(mail(message_id="<next@x.fr>"), "x", INTAKE).acknowledged
    assert len(acks(s)) == 1


def test_a_reply_found_by_its_references_header(s, clock):
    first = s.mail_intake.ingest(mail(), "cpe@college.example.fr", INTAKE)
    (ack,) = acks(s)
    clock.advance(minutes=1)
    reply = mail(
        subject="Re: réponse",
        body="Merci.",
        message_id="<m2@college.example.fr>",
        References=f"<other@x.fr> {ack['message_id']}",
    )
    outcome = s.mail_intake.ingest(reply, "cpe@college.example.fr", INTAKE)
    assert (outcome.kind, outcome.reference) == ("reply", first.reference)
    assert acks(s) == []  # a reply is not acknowledged


def test_a_reply_with_a_lowercase_reference_in_its_subject(s, clock):
    first = s.mail_intake.ingest(mail(), "cpe@college.example.fr", INTAKE)
    clock.advance(minutes=1)
    reply = mail(subject=f"re: demande {first.reference.lower()}", body="x" * 1500, message_id="<m3@x.fr>")
    outcome = s.mail_intake.ingest(reply, "cpe@college.example.fr", INTAKE)
    assert (outcome.kind, outcome.reference) == ("reply", first.reference)
    event = s.stores.requests.get(first.reference, clock.now().epoch).events[-1]
    assert event["detail"]["excerpt"] == "x" * 1000


def test_an_unknown_reference_makes_a_new_request(s):
    outcome = s.mail_intake.ingest(mail(subject="Suite de MNT-2345-6789"), "cpe@college.example.fr", INTAKE)
    assert outcome.kind == "request"
    assert len(s.requests.list(None, None, 50, None)[0]) == 1


def test_without_a_message_id_the_ses_id_tells_the_same_mail(s):
    raw = mail(message_id=None)
    first = s.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE, source_id="ses-1")
    again = s.mail_intake.ingest(raw + b"\n", "cpe@college.example.fr", INTAKE, source_id="ses-1")
    other = s.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE, source_id="ses-2")
    assert (first.kind, again.kind, other.kind) == ("request", "duplicate", "request")
    assert again.reference == first.reference and other.reference != first.reference


def test_without_any_id_the_same_bytes_are_the_same_mail(s):
    raw = mail(message_id=None)
    first = s.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE)
    again = s.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE)
    changed = s.mail_intake.ingest(raw + b"\n", "cpe@college.example.fr", INTAKE)
    assert (first.kind, again.kind, changed.kind) == ("request", "duplicate", "request")


def test_a_mail_for_several_youths_goes_to_triage_with_that_reason(s):
    body = (
        "Bonjour, je vous signale deux élèves : Tom, 14 ans, en 4e, et Lina, 16 ans, en seconde, "
        "à Roubaix 59100, qui ont besoin de soutien scolaire."
    )
    outcome = s.mail_intake.ingest(mail(body=body), "cpe@college.example.fr", INTAKE)
    record = s.requests.get(outcome.reference)
    assert (record["status"], record["triage_reason"]) == ("needs_triage", "plusieurs jeunes dans un même mail")
    assert record["association"] is None


@pytest.mark.parametrize("key", ["", "!!!", "bm90LWEta2V5", "MjAyNi0xMS0yNFQwOTowMDowMC4wMDBaI1hZWg"])
def test_a_bad_quarantine_key_finds_nothing(s, key):
    quarantine = Quarantine(mail_intake=s.mail_intake, store=s.stores.mail_log, clock=s.clock)
    assert quarantine.read(key) is None
    assert quarantine.reprocess(key, "op@reseau.example.org") is None
    assert quarantine.delete(key, "op@reseau.example.org") is False


def test_a_listed_quarantined_mail_is_found_by_its_key(s):
    quarantine = Quarantine(mail_intake=s.mail_intake, store=s.stores.mail_log, clock=s.clock)
    m = EmailMessage()
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = "Sans expéditeur"
    m.set_content("texte")
    s.mail_intake.ingest(m.as_bytes(), None, INTAKE)
    (item,) = quarantine.list()
    assert "=" not in item["key"]  # base64url without padding: a path segment as is
    assert quarantine.read(item["key"]).at == item["at"]
    assert quarantine.read(item["key"] + "==").at == item["at"]
