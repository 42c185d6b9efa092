"""The erasure use case (services/erasure.py) as the console wires it (web/views.py), on
the in-memory stores: what follows an erasure (replies, automatic mail, a second
erasure, the sweeper) and each copy it reaches besides the record (raw mail, quarantine,
the sent `.eml` files). tests/integration/test_erasure_everywhere.py reads everything
after it on DynamoDB Local."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.adapters.memory.state import Transaction
from chalicelib.domain.change import Event
from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.operators import Operator, Role
from chalicelib.web import views
from tests.builders import association, delivery_report, human_mail, make_memory_services, volunteer
from tests.integration.mail_stream import deliver_mails, read_outbox

ADMIN = Operator("admin@reseau.example.org", Role.ADMIN)
INTAKE = ["urgence@lementorat.fr"]
REFERENT = "cpe@college.example.fr"
DIRECTORY = [association("nord-asso", recruits_mentors=True), association("relais-asso", recruits_mentors=True)]
BODY = "Bonjour, Yanis Belkacemi, 14 ans, en 4e à Roubaix 59100, a besoin de soutien scolaire."


@pytest.fixture
def s(settings, clock, tmp_path):
    return make_memory_services(replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock, directory=DIRECTORY)


@pytest.fixture
def console(s):
    return views.console_queue(s).service


@pytest.fixture
def volunteers(s):
    return views.console_volunteers(s).service


def raw_files(s) -> dict[str, bytes]:
    folder = Path(s.settings.raw_mail_dir)
    return {p.name: p.read_bytes() for p in folder.glob("*.eml")} if folder.exists() else {}


def by_mail(s, body=BODY, message_id="<m1@college.example.fr>"):
    outcome = s.mail_intake.ingest(human_mail(body=body, message_id=message_id), REFERENT, INTAKE)
    assert outcome.kind == "request"
    return outcome.reference


def events(s, reference):
    return s.requests.get(reference)["events"]


def test_a_reply_after_the_erasure_is_dropped_and_its_raw_copy_deleted(s, console, clock):
    reference = by_mail(s)
    ack = next(m for m in read_outbox(s) if m["To"] == REFERENT)
    console.erase(reference, ADMIN)
    stub = s.requests.get(reference)
    assert raw_files(s) == {}
    clock.advance(minutes=5)
    for n, mail in enumerate(
        (
            human_mail(
                subject=f"RE: {reference}", body="Yanis Belkacemi a déménagé.", message_id="<r1@college.example.fr>"
            ),
            human_mail(
                subject="Re: merci",
                body="Yanis Belkacemi a déménagé.",
                message_id="<r2@college.example.fr>",
                In_Reply_To=ack["Message-ID"],
            ),
        )
    ):
        outcome = s.mail_intake.ingest(mail, REFERENT, INTAKE)
        assert (outcome.kind, outcome.reference) == ("reply_to_erased", reference), n
    assert s.requests.get(reference) == stub  # nothing attached to the stub
    assert raw_files(s) == {}
    assert s.stores.mail_log.replies_since("", clock.now().epoch) == []  # nothing for the digest
    assert len(s.requests.list(None, None, 10, None)[0]) == 1  # nor a new request


def test_a_second_erasure_is_harmless_and_cleans_what_an_older_version_threaded_onto_the_stub(s, console, clock):
    reference = by_mail(s)
    first = console.erase(reference, ADMIN)
    again = console.erase(reference, ADMIN)
    assert again.erased and replace(again, events=()) == replace(first, events=())
    assert [e["type"] for e in events(s, reference)].count("erased") == 1
    # What an older version did: a reply threaded onto the stub, its raw mail kept.
    raw = human_mail(
        subject=f"Re: {reference}", body="Yanis Belkacemi est malade.", message_id="<old@college.example.fr>"
    )
    key = s.mail_intake.raw_store.put(raw)
    store = s.stores.requests
    stub = store.get(reference, clock.now().epoch).to_record()
    with store.state.lock:
        tx = Transaction()
        store._add_events(
            tx,
            stub["id"],
            [
                Event(
                    clock.now().iso,
                    "reply_received",
                    "email",
                    {
                        "from": REFERENT,
                        "subject": f"Re: {reference}",
                        "excerpt": "Yanis Belkacemi est malade.",
                        "raw_key": key,
                    },
                )
            ],
            len(stub["events"]),
            stub["expires_at"],
        )
        tx.commit()
    assert console.request_page(reference, ADMIN).actions["erase"]  # offered again: something is left
    console.erase(reference, ADMIN)
    assert "Belkacemi" not in str(s.requests.get(reference)) and raw_files(s) == {}
    assert [e["type"] for e in events(s, reference)][-1] == "reply_received"  # the step stays, scrubbed
    assert not console.request_page(reference, ADMIN).actions["erase"]


def test_automatic_mail_is_not_kept_once_handled(s):
    reference = by_mail(s)
    (to_association,) = [m for m in read_outbox(s) if m["To"] == "nord-asso@asso.example.org"]
    out_of_office = human_mail(
        subject=f"Réponse automatique : {to_association['Subject']}",
        sender="nord-asso@asso.example.org",
        body="Je suis absente.\n> " + to_association.get_body(("plain",)).get_content().replace("\n", "\n> "),
        message_id="<ooo@asso.example.org>",
        Auto_Submitted="auto-replied",
        In_Reply_To=to_association["Message-ID"],
    )
    assert b"Roubaix" in out_of_office
    before = set(raw_files(s))
    assert s.mail_intake.ingest(out_of_office, "nord-asso@asso.example.org", INTAKE).kind == "automatic"
    report = delivery_report(to_association["Message-ID"], "nord-asso@asso.example.org")
    assert s.mail_intake.ingest(report, "", INTAKE).kind == "automatic"
    assert set(raw_files(s)) == before  # neither kept, the request's own mail still there
    assert s.requests.get(reference)["association"]["id"] == "relais-asso"  # the bounce was handled first


def test_the_log_of_automatic_mail_names_the_kind_of_signal_not_the_subject(s, caplog):
    caplog.set_level(logging.INFO, logger="chalicelib")
    mail = human_mail(subject="Réponse automatique : Yanis Belkacemi", message_id="<a1@x.example.fr>")
    assert s.mail_intake.ingest(mail, "x@x.example.fr", INTAKE).kind == "automatic"
    (record,) = [r for r in caplog.records if r.getMessage() == "automatic mail ignored"]
    assert record.why == "subject" and "Belkacemi" not in str(vars(record))


def test_the_log_of_a_quarantined_mail_names_the_kind_of_reason_not_what_the_parser_quoted(s, caplog, monkeypatch):
    from chalicelib.domain.inbound_mail import UnparseableMail

    def refusing(raw, envelope_sender):
        raise UnparseableMail("parser error: HeaderParseError: invalid address 'Yanis Belkacemi <yanis@'")

    caplog.set_level(logging.INFO, logger="chalicelib")
    monkeypatch.setattr(s.mail_intake.reader, "read", refusing)
    assert s.mail_intake.ingest(human_mail(), REFERENT, INTAKE).kind == "quarantined"
    (record,) = [r for r in caplog.records if r.getMessage() == "inbound mail quarantined"]
    assert record.why == "parser error" and "Belkacemi" not in str(vars(record))
    (held,) = s.stores.mail_log.list_quarantine(s.clock.now().epoch, 10)
    assert "Yanis Belkacemi" in held["reason"]  # the operator reads it all, in the item (RETENTION_DAYS)


def test_a_mail_delivered_again_keeps_only_the_requests_own_raw_copy(s):
    raw = human_mail(body=BODY)
    reference = by_mail(s)
    assert s.mail_intake.ingest(raw, REFERENT, INTAKE).kind == "duplicate"  # same bytes, same file: the request's
    (own,) = raw_files(s)
    copy = Path(s.settings.raw_mail_dir) / "ses-delivery-2.eml"  # SES stores each delivery apart
    copy.write_bytes(raw)
    outcome = s.mail_intake.ingest(raw, REFERENT, INTAKE, raw_key=copy.name)
    assert (outcome.kind, outcome.reference) == ("duplicate", reference)
    assert list(raw_files(s)) == [own]


def test_the_quarantined_mail_that_names_a_record_goes_with_its_erasure(s, console):
    reference = by_mail(s)
    naming = (
        f"From: Claire Dupuis\r\nTo: urgence@lementorat.fr\r\nSubject: Re: {reference}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nYanis Belkacemi sera absent.\r\n"
    ).encode()
    other = (
        b"From: Claire Dupuis\r\nTo: urgence@lementorat.fr\r\nSubject: Bonjour\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nAutre chose.\r\n"
    )
    for raw in (naming, other):
        assert s.mail_intake.ingest(raw, "someone@example.fr", INTAKE).kind == "quarantined"
    now = s.clock.now().epoch
    assert sorted(q["references"] for q in s.stores.mail_log.list_quarantine(now, 10)) == [[], [reference]]
    console.erase(reference, ADMIN)
    (left,) = s.stores.mail_log.list_quarantine(now, 10)
    assert left["references"] == [] and list(raw_files(s)) == [left["raw_key"]]


def test_an_erased_record_is_reminded_of_to_no_association(s, console, clock):
    reference = by_mail(s)
    deliver_mails(s)
    console.erase(reference, ADMIN)
    clock.advance(days=s.settings.reminder_days)
    assert s.answers.sweep_silence() == (0, 0)
    assert deliver_mails(s) == 0
    clock.advance(days=s.settings.reroute_days)
    assert s.answers.sweep_silence() == (0, 1)
    stub = s.requests.get(reference)
    assert (stub["status"], stub["triage_reason"]) == ("needs_triage", "personal data erased")
    assert deliver_mails(s) == 0


def test_a_sign_up_erased_loses_its_mails_and_their_sent_copies(s, volunteers):
    made = s.mentors.sign_up(parse_mentor_submission(volunteer(), json=True), "api")
    sent = read_outbox(s)
    assert sorted(m["To"] for m in sent) == ["nord-asso@asso.example.org", "paul.durand@example.net"]
    outbox = Path(s.settings.outbox_dir)
    assert len(list(outbox.glob("*.eml"))) == 2
    erased = volunteers.erase(made.reference, ADMIN)
    assert erased.erased and erased.fields == {
        "needs": ["orientation"],
        "youth_ages": ["15-18"],
        "modes": ["presentiel"],
    }
    assert list(outbox.glob("*.eml")) == []
    mail_ids = s.stores.mentors.record_mail_ids(made.id, s.clock.now().epoch)
    states = [s.stores.outbox.mail_state(i) for i in mail_ids]
    assert len(states) == 2 and all(m["to"] == [] and m["text"] == "" for m in states)
    assert "Durand" not in str(s.mentor_queries.get(made.reference))
    again = volunteers.erase(made.reference, ADMIN)  # asked again: done, nothing changed
    assert replace(again, events=()) == replace(erased, events=())
