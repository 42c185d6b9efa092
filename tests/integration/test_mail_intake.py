"""Mail intake against DynamoDB Local: the French set, threads, duplicates, quarantine."""

from __future__ import annotations

import json
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import SHARED, make_services
from tests.integration.test_intake import read_outbox

FR = SHARED / "corpus" / "fr"
EXPECTED = json.loads((FR / "expected.json").read_text())


@pytest.fixture
def mail_services(settings, clock, tmp_path):
    return make_services(replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock)


def human_mail(subject="Demande de mentorat", body="Bonjour, un élève de 4e, 14 ans, à Roubaix 59100, a besoin de soutien scolaire.",
               sender="cpe@college.example.fr", message_id="<m1@college.example.fr>", **headers) -> bytes:
    m = EmailMessage()
    m["From"] = f"Mme CPE <{sender}>"
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = subject
    m["Message-ID"] = message_id
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    return m.as_bytes()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_french_set_meets_expected(mail_services, settings, name):
    want = EXPECTED[name]
    raw = (FR / f"{name}.eml").read_bytes()
    outcome = mail_services.mail_intake.ingest(raw, "sender@example.fr", ["urgence@lementorat.fr"])
    acks = [m for m in read_outbox(settings.outbox_dir) if m["Auto-Submitted"] == "auto-replied"]
    if not want["request"]:
        assert outcome.kind == "automatic"
        assert read_outbox(settings.outbox_dir) == []
        assert mail_services.requests.list(None, None, 50, None)[0] == []
        return
    assert outcome.kind == "request"
    stored = mail_services.requests.get(outcome.reference)
    assert stored["channel"] == "email"
    for field in ("age", "situation", "postal_code", "need"):
        if field in want:
            assert stored[field] == want[field], field
    if "publics" in want:
        assert set(stored["publics"]) == set(want["publics"])
    if want.get("status"):
        assert stored["status"] == want["status"]
    assert stored["referent"]["email"]  # the sender is the referent
    assert stored["extraction"]  # what was found, with its words, for triage
    assert (len(acks) == 1) == want["ack"]
    if want["ack"]:
        ack = acks[0]
        assert outcome.reference in ack["Subject"]
        assert ack["In-Reply-To"]


def test_the_same_message_id_twice_makes_one_request(mail_services):
    raw = human_mail()
    first = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", ["urgence@lementorat.fr"])
    again = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", ["urgence@lementorat.fr"])
    assert first.kind == "request" and again.kind == "duplicate"
    assert again.reference == first.reference
    assert len(mail_services.requests.list(None, None, 50, None)[0]) == 1


def test_a_reply_joins_its_request_by_subject_or_by_in_reply_to(mail_services, settings, clock):
    first = mail_services.mail_intake.ingest(human_mail(), "cpe@college.example.fr", ["urgence@lementorat.fr"])
    clock.advance(minutes=5)
    by_subject = human_mail(subject=f"RE: Votre demande {first.reference}", body="Précision : il habite Tourcoing.",
                            message_id="<m2@college.example.fr>")
    assert mail_services.mail_intake.ingest(by_subject, "cpe@college.example.fr", ["urgence@lementorat.fr"]).kind == "reply"
    ack = next(m for m in read_outbox(settings.outbox_dir) if m["Auto-Submitted"] == "auto-replied")
    clock.advance(minutes=5)
    by_header = human_mail(subject="Re: réponse", body="Merci !", message_id="<m3@college.example.fr>",
                           In_Reply_To=ack["Message-ID"])
    outcome = mail_services.mail_intake.ingest(by_header, "cpe@college.example.fr", ["urgence@lementorat.fr"])
    assert outcome.kind == "reply" and outcome.reference == first.reference
    stored = mail_services.requests.get(first.reference)
    replies = [e for e in stored["events"] if e["type"] == "reply_received"]
    assert len(replies) == 2 and "Tourcoing" in replies[0]["detail"]["excerpt"]
    assert len(mail_services.requests.list(None, None, 50, None)[0]) == 1


def test_acknowledgements_are_rate_limited_per_sender(mail_services, settings):
    for i in range(settings.ack_limit_per_hour + 2):
        outcome = mail_services.mail_intake.ingest(human_mail(message_id=f"<n{i}@x.example.fr>"), "cpe@college.example.fr",
                                                   ["urgence@lementorat.fr"])
        assert outcome.kind == "request"
    acks = [m for m in read_outbox(settings.outbox_dir) if m["Auto-Submitted"] == "auto-replied"]
    assert len(acks) == settings.ack_limit_per_hour


def test_automatic_mail_makes_nothing(mail_services, settings):
    for headers, sender in (({"Auto_Submitted": "auto-replied"}, "x@example.fr"), ({"Precedence": "bulk"}, "x@example.fr"),
                            ({"List_Id": "<liste.example.fr>"}, "x@example.fr"), ({}, ""), ({"Auto_Submitted": "no"}, "x@example.fr")):
        outcome = mail_services.mail_intake.ingest(human_mail(message_id=f"<{len(str(headers))}{sender}@a>", **headers), sender,
                                                   ["urgence@lementorat.fr"])
        expected = "request" if headers.get("Auto_Submitted") == "no" else "automatic"
        assert outcome.kind == expected, headers


def test_unparseable_mail_is_quarantined_with_its_reason(mail_services, settings, tmp_path):
    outcome = mail_services.mail_intake.ingest(b"\x00\x01\x02 not a mail at all" * 10, "x@example.fr", ["urgence@lementorat.fr"])
    assert outcome.kind == "quarantined" and outcome.reason
    items = mail_services.store.list_quarantine(mail_services.clock.now().epoch, 10)
    assert items and items[0]["reason"] == outcome.reason
    kept = Path(mail_services.settings.raw_mail_dir) / items[0]["raw_key"]
    assert kept.read_bytes().startswith(b"\x00\x01\x02")  # the raw message, for an operator


def test_other_recipients_are_not_for_us(mail_services):
    assert mail_services.mail_intake.ingest(human_mail(), "x@example.fr", ["someone@lementorat.fr"]).kind == "not_for_us"
