"""Verified senders (services/mail_intake.py, domain/inbound_mail/sender_verdict.py): the
trusted relay's `Authentication-Results` header decides whether a mail's `From` may cost
anyone anything: an acknowledgement, an association's place, a reply on a request, a
sender's budget. Real mails of the French corpus, with the header our relay would add."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.inbound_mail.sender_verdict import SenderVerdict
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.console_request import timeline_entry
from chalicelib.services.mail_intake import Quarantine
from tests.builders import (
    CPE,
    FAILS_DMARC,
    association,
    corpus_mail,
    delivery_report,
    make_memory_services,
    request_of,
    youth,
)

INTAKE = ["urgence@lementorat.fr"]
PASSES_DMARC = (
    "lementorat.fr; spf=pass smtp.mailfrom=ac-lille.fr; dkim=pass header.d=ac-lille.fr; "
    "dmarc=pass header.from=ac-lille.fr"
)


@pytest.fixture
def s(settings, clock, tmp_path):
    # One association for Roubaix (fr-01's youth), three places.
    return make_memory_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock, directory=[association("asso-a", capacity=3)]
    )


def acks(s):
    states = [s.stores.outbox.mail_state(i) for i in s.stores.outbox.take_inserted()]
    return [m for m in states if m["kind"] == "acknowledgement"]


def events(s, reference):
    return s.requests.get(reference)["events"]


def load_of(s, association_id):
    return s.stores.directory.load_counts().get(association_id, 0)


def test_a_mail_that_fails_dmarc_gets_no_acknowledgement_is_not_routed(s):
    outcome = s.mail_intake.ingest(corpus_mail(FAILS_DMARC), CPE, INTAKE)
    assert (outcome.kind, outcome.status, outcome.acknowledged) == ("request", "needs_triage", False)
    stored = s.requests.get(outcome.reference)
    assert stored["triage_reason"] == "unverified sender"
    assert stored["postal_code"] == "59100"  # still read: an operator may route it
    assert acks(s) == [] and load_of(s, "asso-a") == 0
    assert [e["type"] for e in stored["events"]] == ["received", "needs_triage", "sender_unverified"]
    note = stored["events"][-1]
    assert note["detail"] == {"spf": "fail", "dkim": "none", "dmarc": "fail"}
    assert timeline_entry(note).label.startswith("Expéditeur non vérifié")


def test_a_forged_reply_is_never_threaded_onto_its_request(s, clock):
    first = s.mail_intake.ingest(corpus_mail(PASSES_DMARC), CPE, INTAKE)
    assert first.status == "routed"
    before = events(s, first.reference)
    clock.advance(minutes=5)
    # The association's address, forged, with the reference in the subject.
    forged = corpus_mail(
        FAILS_DMARC,
        sender="asso-a@asso.example.org",
        message_id="<forged@x.example>",
        subject=f"RE: Nouvelle demande {first.reference} - nous acceptons",
    )
    outcome = s.mail_intake.ingest(forged, "asso-a@asso.example.org", INTAKE)
    assert outcome.kind == "request" and outcome.reference != first.reference
    assert events(s, first.reference) == before  # no "Réponse reçue"
    assert s.stores.mail_log.replies_since("2026-01-01T00:00:00", clock.now().epoch) == []  # nor in the digest
    kept = s.requests.get(outcome.reference)
    assert (kept["status"], kept["triage_reason"]) == ("needs_triage", "unverified sender")
    assert first.reference in kept["inbound"]["subject"]  # for the operator who reads it


def test_with_dmarc_pass_it_works_as_today(s, clock):
    outcome = s.mail_intake.ingest(corpus_mail(PASSES_DMARC), CPE, INTAKE)
    stored = s.requests.get(outcome.reference)
    assert (stored["status"], stored["association"]["id"]) == ("routed", "asso-a")
    assert [e["type"] for e in stored["events"]] == ["received", "routed"]  # nothing to say of the sender
    (ack,) = acks(s)
    assert ack["to"] == [CPE]
    clock.advance(minutes=5)
    reply = corpus_mail(PASSES_DMARC, message_id="<fr-01-2@ac-lille.fr>", subject=f"RE: {outcome.reference}")
    assert s.mail_intake.ingest(reply, CPE, INTAKE).kind == "reply"
    assert events(s, outcome.reference)[-1]["detail"]["sender"] == "verified"


def test_a_header_of_another_authserv_id_is_ignored(s):
    # The sender's own server, or the forger, wrote it: as if there were none.
    outcome = s.mail_intake.ingest(corpus_mail("mx.ac-lille.fr; dmarc=fail header.from=ac-lille.fr"), CPE, INTAKE)
    assert (outcome.status, outcome.acknowledged) == ("routed", True)
    # And one with our id below our relay's is older than ours: forged, it never counts.
    forged = corpus_mail(FAILS_DMARC, "lementorat.fr; dmarc=pass", message_id="<other@ac-lille.fr>")
    assert s.mail_intake.ingest(forged, CPE, INTAKE).status == "needs_triage"


@pytest.mark.parametrize(
    "results, status",
    [
        (
            "lementorat.fr; spf=fail smtp.mailfrom=ac-lille.fr; dkim=fail header.d=ac-lille.fr; dmarc=none",
            "needs_triage",
        ),
        ("lementorat.fr; spf=softfail smtp.mailfrom=ac-lille.fr; dkim=fail header.d=ac-lille.fr", "needs_triage"),
        ("lementorat.fr; spf=fail smtp.mailfrom=ac-lille.fr; dkim=pass header.d=ac-lille.fr; dmarc=none", "routed"),
    ],
)
def test_without_dmarc_failing_both_spf_and_dkim_is_unverified(s, results, status):
    outcome = s.mail_intake.ingest(corpus_mail(results), CPE, INTAKE)
    assert outcome.status == status
    assert outcome.acknowledged is (status == "routed")
    if status == "needs_triage":
        assert s.requests.get(outcome.reference)["triage_reason"] == "unverified sender"


@pytest.mark.parametrize("results", [(), ("lementorat.fr; dmarc=pass (unclosed comment",)])
def test_no_verdict_keeps_todays_behaviour_and_says_so_on_the_timeline(s, clock, results):
    outcome = s.mail_intake.ingest(corpus_mail(*results), CPE, INTAKE)
    stored = s.requests.get(outcome.reference)
    assert (stored["status"], stored["association"]["id"], outcome.acknowledged) == ("routed", "asso-a", True)
    assert len(acks(s)) == 1
    assert [e["type"] for e in stored["events"]] == ["received", "routed", "sender_no_verdict"]
    entry = timeline_entry(stored["events"][-1])
    assert entry.label == "Expéditeur non vérifié : aucun résultat SPF, DKIM ou DMARC concluant"
    clock.advance(minutes=5)
    reply = corpus_mail(*results, message_id="<fr-01-2@ac-lille.fr>", subject=f"RE: {outcome.reference}")
    assert s.mail_intake.ingest(reply, CPE, INTAKE).kind == "reply"  # threaded, as today
    assert timeline_entry(events(s, outcome.reference)[-1]).reply["unverified"] is True


def test_fifteen_forged_senders_fill_no_association_send_no_acknowledgement_nor_use_a_real_budget(s, settings):
    forged = [f"prof{i}@college{i}.example.fr" for i in range(14)] + [CPE]
    outcomes = [
        s.mail_intake.ingest(
            corpus_mail(FAILS_DMARC, sender=sender, message_id=f"<forged-{i}@x.example>"), sender, INTAKE
        )
        for i, sender in enumerate(forged)
    ]
    assert acks(s) == []
    made = [o for o in outcomes if o.kind == "request"]
    # One budget for all of them, however many senders they claim.
    assert len(made) == settings.mail_intake_limit_per_day
    assert all(o.status == "needs_triage" for o in made)
    held = [o for o in outcomes if o.kind == "quarantined"]
    assert len(held) == 15 - settings.mail_intake_limit_per_day
    assert {o.reason for o in held} == {"unverified senders over daily limit"}
    assert load_of(s, "asso-a") == 0
    # A genuine form request still finds its place...
    form = s.submit(request_of(youth(), Channel.FORM))
    assert form.status == "routed" and form.association["id"] == "asso-a"
    acks(s)  # the form's own acknowledgement, to the youth
    # ...and the real CPE, whose address was forged, still has her own budgets.
    real = s.mail_intake.ingest(corpus_mail(PASSES_DMARC, message_id="<real@ac-lille.fr>"), CPE, INTAKE)
    assert (real.kind, real.status, real.acknowledged) == ("request", "routed", True)
    assert [a["to"] for a in acks(s)] == [[CPE]]


def test_a_bounce_from_an_unverified_sender_moves_no_request_on(settings, clock, tmp_path):
    s = make_memory_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw")),
        clock,
        directory=[association("asso-a"), association("asso-b")],
    )
    routed = s.submit(request_of(youth(), Channel.FORM))
    holder = routed.association["id"]
    (sent,) = [
        m
        for m in (s.stores.outbox.mail_state(i) for i in s.stores.outbox.take_inserted())
        if m["to"] == [f"{holder}@asso.example.org"]
    ]
    report = delivery_report(sent["message_id"], f"{holder}@asso.example.org")
    forged = b"Authentication-Results: lementorat.fr; spf=fail smtp.helo=mx.asso.example.org; dmarc=fail\r\n" + report
    assert s.mail_intake.ingest(forged, "", INTAKE).kind == "automatic"
    stored = s.requests.get(routed.reference)
    assert stored["association"]["id"] == holder and "bounced" not in [e["type"] for e in stored["events"]]
    # The same report, verified, moves it on as before.
    verified = b"Authentication-Results: lementorat.fr; spf=pass smtp.helo=mx.asso.example.org\r\n" + report
    s.mail_intake.ingest(verified, "", INTAKE)
    assert s.requests.get(routed.reference)["association"]["id"] != holder


def test_a_quarantined_mail_is_reprocessed_with_the_verdict_it_came_with(s, settings):
    # In AWS the verdict is SES's, not in the mail: the quarantine keeps it.
    failed = SenderVerdict(spf="fail", dkim="none", dmarc="fail", dmarc_policy="reject")
    for i in range(settings.mail_intake_limit_per_day):
        s.mail_intake.ingest(
            corpus_mail(sender=f"p{i}@x.example", message_id=f"<f{i}@x.example>"), None, INTAKE, verdict=failed
        )
    held = s.mail_intake.ingest(corpus_mail(message_id="<last@x.example>"), None, INTAKE, verdict=failed)
    assert held.kind == "quarantined"
    quarantine = Quarantine(mail_intake=s.mail_intake, store=s.stores.mail_log, clock=s.clock)
    (item,) = quarantine.list()
    assert item["sender_verdict"] == failed.as_dict()
    outcome = quarantine.reprocess(item["key"], "admin@lementorat.fr")
    assert (outcome.kind, outcome.status, outcome.acknowledged) == ("request", "needs_triage", False)
    assert s.requests.get(outcome.reference)["triage_reason"] == "unverified sender"
    assert acks(s) == []


def test_the_operator_reads_the_relays_verdict_on_a_quarantined_mail(s, settings):
    for i in range(settings.mail_intake_limit_per_day + 1):
        outcome = s.mail_intake.ingest(corpus_mail(FAILS_DMARC, message_id=f"<f{i}@x.example>"), CPE, INTAKE)
    assert outcome.reason == "unverified senders over daily limit"
    quarantine = Quarantine(mail_intake=s.mail_intake, store=s.stores.mail_log, clock=s.clock)
    (item,) = quarantine.list()
    assert ("Authentication-Results", FAILS_DMARC) in quarantine.read(item["key"]).headers
