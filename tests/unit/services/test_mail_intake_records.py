"""Mail intake, what it stores (services/mail_intake.py): the request a mail makes (its
referent, inbound record, place), a reply's event and the digest's note, the quarantine
an operator reads, reprocesses and deletes; the recipients taken and the per-day limit's
UTC midnight."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from chalicelib.services.mail_intake import Quarantine
from tests.builders import association, make_memory_services

INTAKE = ["urgence@lementorat.fr"]


@pytest.fixture
def s(settings, clock, tmp_path):
    return make_memory_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock, directory=[association("asso-a")]
    )


@pytest.fixture
def quarantine(s):
    return Quarantine(mail_intake=s.mail_intake, store=s.stores.mail_log, clock=s.clock)


def mail(
    body="Bonjour, un élève de 4e, 14 ans, habite à Hondschoote 59122, a besoin de soutien scolaire.",
    subject="Demande de mentorat",
    sender="Mme CPE <cpe@college.example.fr>",
    message_id="<m1@college.example.fr>",
    html=None,
    **headers,
) -> bytes:
    m = EmailMessage()
    if sender is not None:
        m["From"] = sender
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = subject
    m["Message-ID"] = message_id
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    if body is not None:
        m.set_content(body)
    if html is not None:
        if body is None:
            m.set_content(html, subtype="html")
        else:
            m.add_alternative(html, subtype="html")
    return m.as_bytes()


def stored(s, reference):
    return s.stores.requests.get(reference, s.clock.now().epoch).to_record()


def test_a_mail_makes_a_request_with_its_sender_as_referent_and_its_inbound_record(s):
    outcome = s.mail_intake.ingest(mail(), "cpe@college.example.fr", INTAKE)
    assert (outcome.kind, outcome.status, outcome.acknowledged) == ("request", "routed", True)
    record = stored(s, outcome.reference)
    assert record["channel"] == "email"
    assert record["referent"] == {
        "name": "Mme CPE",
        "email": "cpe@college.example.fr",
        "phone": None,
        "structure_name": None,
        "structure_type": None,
    }
    assert record["inbound"] == {
        "message_id": "<m1@college.example.fr>",
        "subject": "Demande de mentorat",
        "raw_key": record["inbound"]["raw_key"],
        "attachments": [],
    }
    assert record["inbound"]["raw_key"]
    # 59122 holds several communes: the city the mail names picks the one.
    assert record["place"] == {
        "postal_code": "59122",
        "commune_code": "59309",
        "commune_name": "Hondschoote",
        "departement": "59",
        "region": "32",
    }
    assert record["fields"]["city"] == "Hondschoote" and record["fields"]["postal_code"] == "59122"


def test_a_long_subject_is_kept_to_200_characters(s):
    outcome = s.mail_intake.ingest(mail(subject="Demande " + "x" * 300), "cpe@college.example.fr", INTAKE)
    assert stored(s, outcome.reference)["inbound"]["subject"] == ("Demande " + "x" * 300)[:200]


@pytest.mark.parametrize(
    "recipient", ["<urgence@lementorat.fr>", " URGENCE@Lementorat.fr ", " <urgence@lementorat.fr> "]
)
def test_the_intake_address_is_taken_however_it_is_written(s, recipient):
    assert s.mail_intake.accepts_recipient(recipient)
    assert s.mail_intake.ingest(mail(), "cpe@college.example.fr", [recipient]).kind == "request"


def test_a_reply_is_stored_on_its_request_and_noted_for_the_digest(s, clock):
    first = s.mail_intake.ingest(mail(), "cpe@college.example.fr", INTAKE)
    clock.advance(minutes=7)
    reply = mail(
        subject=f"RE: Votre demande {first.reference}",
        body="Précision : il a 15 ans.",
        message_id="<m2@college.example.fr>",
    )
    outcome = s.mail_intake.ingest(reply, "cpe@college.example.fr", INTAKE)
    assert (outcome.kind, outcome.reference, outcome.status) == ("reply", first.reference, "routed")
    record = stored(s, first.reference)
    event = record["events"][-1]
    assert (event["type"], event["actor"], event["at"]) == ("reply_received", "email", clock.now().iso)
    assert event["detail"] == {
        "from": "cpe@college.example.fr",
        "subject": f"RE: Votre demande {first.reference}",
        "excerpt": "Précision : il a 15 ans.",
        "raw_key": event["detail"]["raw_key"],
        "message_id": "<m2@college.example.fr>",
        "sender": "unknown",
    }
    assert event["detail"]["raw_key"] and event["detail"]["raw_key"] != record["inbound"]["raw_key"]
    # The note the daily digest reads: at the reply's time, until the request's data expires.
    since = "2026-01-01T00:00:00"
    notes = s.stores.mail_log.replies_since(since, clock.now().epoch)
    assert notes == [{"at": clock.now().iso, "request_id": record["id"], "reference": first.reference}]
    assert s.stores.mail_log.replies_since(since, record["expires_at"] - 1) == notes
    assert s.stores.mail_log.replies_since(since, record["expires_at"]) == []


def test_a_mail_without_a_usable_sender_is_quarantined_with_its_reason(s, quarantine):
    outcome = s.mail_intake.ingest(mail(sender=None), "bounce@relay.example.fr", INTAKE)
    assert (outcome.kind, outcome.reason) == ("quarantined", "no usable sender address")
    (item,) = quarantine.list()
    assert item["reason"] == "no usable sender address" and item["envelope_sender"] == "bounce@relay.example.fr"
    read = quarantine.read(item["key"])
    assert (read.reason, read.envelope_sender) == ("no usable sender address", "bounce@relay.example.fr")


def quarantined_key(s, quarantine, raw):
    assert s.mail_intake.ingest(raw, None, INTAKE).kind == "quarantined"
    return quarantine.list()[0]["key"]


def test_the_operator_reads_a_quarantined_mails_headers_and_plain_text(s, quarantine):
    raw = mail(sender=None, body="Le texte brut.", html="<p>Le <b>HTML</b>.</p>")
    read = quarantine.read(quarantined_key(s, quarantine, raw))
    assert read.envelope_sender == ""
    assert [name for name, _ in read.headers] == ["To", "Subject", "Message-ID", "Content-Type"]
    assert dict(read.headers)["Subject"] == "Demande de mentorat"
    assert dict(read.headers)["To"] == "urgence@lementorat.fr"
    assert read.text == "Le texte brut.\n" and read.text_is_html_source is False
    assert read.size == len(raw)


def test_an_html_only_quarantined_mail_is_shown_as_its_source(s, quarantine):
    raw = mail(sender=None, body=None, html="<p>Seulement du <b>HTML</b>.</p>")
    read = quarantine.read(quarantined_key(s, quarantine, raw))
    assert read.text == "<p>Seulement du <b>HTML</b>.</p>\n" and read.text_is_html_source is True
    assert dict(read.headers)["Subject"] == "Demande de mentorat"


def test_a_quarantined_mail_without_text_shows_nothing(s, quarantine):
    m = EmailMessage()
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = "Pièce jointe seule"
    m.add_attachment(b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="fiche.pdf")
    read = quarantine.read(quarantined_key(s, quarantine, m.as_bytes()))
    assert read.text == "" and read.text_is_html_source is False
    assert dict(read.headers)["Subject"] == "Pièce jointe seule"


def test_a_long_quarantined_text_is_cut_at_50000_characters(s, quarantine):
    raw = mail(sender=None, body="a" * 60_000)
    read = quarantine.read(quarantined_key(s, quarantine, raw))
    assert read.text == "a" * 50_000


def test_a_mail_held_over_the_sender_limit_is_made_a_request_when_reprocessed(s, settings, quarantine):
    for i in range(settings.mail_intake_limit_per_day):
        assert s.mail_intake.ingest(mail(message_id=f"<n{i}@x.fr>"), "cpe@college.example.fr", INTAKE).kind == "request"
    held = s.mail_intake.ingest(mail(message_id="<held@x.fr>"), "cpe@college.example.fr", INTAKE)
    assert (held.kind, held.reason) == ("quarantined", "sender over daily limit")
    (item,) = quarantine.list()
    outcome = quarantine.reprocess(item["key"], "operatrice@reseau.example.org")
    assert outcome.kind == "request" and stored(s, outcome.reference)["status"] == "routed"
    assert quarantine.list() == []


def test_a_deleted_quarantined_mail_is_gone_with_its_raw_copy(s, quarantine):
    key = quarantined_key(s, quarantine, mail(sender=None))
    raw_key = quarantine.list()[0]["raw_key"]
    assert quarantine.delete(key, "operatrice@reseau.example.org") is True
    assert quarantine.list() == [] and quarantine.read(key) is None
    with pytest.raises((KeyError, FileNotFoundError)):
        s.mail_intake.raw_store.get(raw_key)
    assert quarantine.delete(key, "operatrice@reseau.example.org") is False


def test_the_per_sender_limit_starts_again_at_utc_midnight(s, settings, clock):
    start = datetime(2026, 11, 24, 23, 50, tzinfo=UTC)
    clock.advance(seconds=int(start.timestamp()) - clock.now().epoch)
    assert clock.now().iso.startswith("2026-11-24T23:50")
    for i in range(settings.mail_intake_limit_per_day):
        assert s.mail_intake.ingest(mail(message_id=f"<d{i}@x.fr>"), "cpe@college.example.fr", INTAKE).kind == "request"
    clock.advance(minutes=9)  # 23:59, the same UTC day
    assert s.mail_intake.ingest(mail(message_id="<late@x.fr>"), "cpe@college.example.fr", INTAKE).kind == "quarantined"
    clock.advance(minutes=2)  # 00:01, the next day
    assert s.mail_intake.ingest(mail(message_id="<next@x.fr>"), "cpe@college.example.fr", INTAKE).kind == "request"


def test_a_reprocessed_mail_that_fails_again_is_one_new_item(s, quarantine, clock):
    key = quarantined_key(s, quarantine, mail(sender=None))
    clock.advance(minutes=5)
    outcome = quarantine.reprocess(key, "operatrice@reseau.example.org")
    assert (outcome.kind, outcome.reason) == ("quarantined", "no usable sender address")
    (item,) = quarantine.list()
    assert item["key"] != key and item["at"] == clock.now().iso
    assert quarantine.read(key) is None and quarantine.read(item["key"]).reason == "no usable sender address"


def test_a_quarantined_mail_whose_raw_copy_cannot_be_read_shows_nothing_and_can_be_deleted(s, quarantine):
    outcome = s.mail_intake.ingest(mail(sender=None), None, INTAKE, raw_key="elsewhere/abc123")
    assert outcome.kind == "quarantined"
    (item,) = quarantine.list()
    assert item["raw_key"] == "elsewhere/abc123"
    read = quarantine.read(item["key"])
    assert (read.headers, read.text, read.text_is_html_source, read.size) == ([], "", False, 0)
    assert read.reason == "no usable sender address"
    assert quarantine.delete(item["key"], "operatrice@reseau.example.org") is True
    assert quarantine.list() == []
