"""Mail intake on the in-memory stores: the French set, threads, duplicates, quarantine."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.builders import ROOT, SHARED, human_mail, with_attachment
from tests.builders import make_memory_services as make_services
from tests.integration.mail_stream import read_outbox

FR = SHARED / "corpus" / "fr"
EXPECTED = json.loads((FR / "expected.json").read_text())


@pytest.fixture
def mail_services(settings, clock, tmp_path):
    return make_services(replace(settings, raw_mail_dir=str(tmp_path / "raw")), clock)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_french_set_meets_expected(mail_services, settings, name):
    want = EXPECTED[name]
    raw = (FR / f"{name}.eml").read_bytes()
    outcome = mail_services.mail_intake.ingest(raw, "sender@example.fr", ["urgence@lementorat.fr"])
    acks = [m for m in read_outbox(mail_services) if m["Auto-Submitted"] == "auto-replied"]
    if not want["request"]:
        assert outcome.kind == "automatic"
        assert read_outbox(mail_services) == []
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


def test_the_idempotency_key_of_a_mail_holds_a_hash_not_its_message_id(mail_services):
    # A Message-ID often names the sender's host or address: personal data, kept 24 h.
    raw = human_mail(message_id="<jean.dupont@college.example.fr>")
    first = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", ["urgence@lementorat.fr"])
    again = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", ["urgence@lementorat.fr"])
    assert first.kind == "request" and again.kind == "duplicate"
    keys = list(mail_services.stores.requests.state.idempotency)
    assert len(keys) == 1 and keys[0].startswith("mail:")
    assert "@" not in keys[0] and "dupont" not in keys[0] and "college" not in keys[0]
    assert len(keys[0]) == len("mail:") + 64  # sha256, hex


def test_a_reply_joins_its_request_by_subject_or_by_in_reply_to(mail_services, settings, clock):
    first = mail_services.mail_intake.ingest(human_mail(), "cpe@college.example.fr", ["urgence@lementorat.fr"])
    clock.advance(minutes=5)
    by_subject = human_mail(
        subject=f"RE: Votre demande {first.reference}",
        body="Précision : il habite Tourcoing.",
        message_id="<m2@college.example.fr>",
    )
    assert (
        mail_services.mail_intake.ingest(by_subject, "cpe@college.example.fr", ["urgence@lementorat.fr"]).kind
        == "reply"
    )
    ack = next(m for m in read_outbox(mail_services) if m["Auto-Submitted"] == "auto-replied")
    clock.advance(minutes=5)
    by_header = human_mail(
        subject="Re: réponse", body="Merci !", message_id="<m3@college.example.fr>", In_Reply_To=ack["Message-ID"]
    )
    outcome = mail_services.mail_intake.ingest(by_header, "cpe@college.example.fr", ["urgence@lementorat.fr"])
    assert outcome.kind == "reply" and outcome.reference == first.reference
    stored = mail_services.requests.get(first.reference)
    replies = [e for e in stored["events"] if e["type"] == "reply_received"]
    assert len(replies) == 2 and "Tourcoing" in replies[0]["detail"]["excerpt"]
    assert len(mail_services.requests.list(None, None, 50, None)[0]) == 1


def test_acknowledgements_are_rate_limited_per_sender(mail_services, settings):
    for i in range(settings.ack_limit_per_hour + 2):
        outcome = mail_services.mail_intake.ingest(
            human_mail(message_id=f"<n{i}@x.example.fr>"), "cpe@college.example.fr", ["urgence@lementorat.fr"]
        )
        assert outcome.kind == "request"
    acks = [m for m in read_outbox(mail_services) if m["Auto-Submitted"] == "auto-replied"]
    assert len(acks) == settings.ack_limit_per_hour


def test_automatic_mail_makes_nothing(mail_services, settings):
    for headers, sender in (
        ({"Auto_Submitted": "auto-replied"}, "x@example.fr"),
        ({"Precedence": "bulk"}, "x@example.fr"),
        ({"List_Id": "<liste.example.fr>"}, "x@example.fr"),
        ({}, ""),
        ({"Auto_Submitted": "no"}, "x@example.fr"),
    ):
        outcome = mail_services.mail_intake.ingest(
            human_mail(message_id=f"<{len(str(headers))}{sender}@a>", **headers), sender, ["urgence@lementorat.fr"]
        )
        expected = "request" if headers.get("Auto_Submitted") == "no" else "automatic"
        assert outcome.kind == expected, headers


def test_unparseable_mail_is_quarantined_with_its_reason(mail_services, settings, tmp_path):
    outcome = mail_services.mail_intake.ingest(
        b"\x00\x01\x02 not a mail at all" * 10, "x@example.fr", ["urgence@lementorat.fr"]
    )
    assert outcome.kind == "quarantined" and outcome.reason
    items = mail_services.stores.mail_log.list_quarantine(mail_services.clock.now().epoch, 10)
    assert items and items[0]["reason"] == outcome.reason
    kept = Path(mail_services.settings.raw_mail_dir) / items[0]["raw_key"]
    assert kept.read_bytes().startswith(b"\x00\x01\x02")  # the raw message, for an operator


def test_other_recipients_are_not_for_us(mail_services):
    assert (
        mail_services.mail_intake.ingest(human_mail(), "x@example.fr", ["someone@lementorat.fr"]).kind == "not_for_us"
    )


# --- What professionals actually send; hostile identifiers, floods (docs/mail.md) ------------

import base64  # noqa: E402
import time  # noqa: E402

from tests.builders import association  # noqa: E402
from tests.corpus.documents import encrypted_pdf, pdf_with_text, zip_bomb_docx  # noqa: E402

OWN = ROOT / "tests" / "corpus"
INTAKE = ["urgence@lementorat.fr"]


@pytest.mark.parametrize("folder", ["fr", "fr-holdout"])
def test_the_projects_french_corpus_meets_expected_up_to_the_stored_request(mail_services, settings, folder):
    expected = json.loads((OWN / folder / "expected.json").read_text("utf-8"))
    for name, want in expected.items():
        raw = (OWN / folder / f"{name}.eml").read_bytes()
        outcome = mail_services.mail_intake.ingest(raw, "sender@example.fr", INTAKE)
        if not want["request"]:
            assert outcome.kind == "automatic", name
            continue
        assert outcome.kind == "request", (name, outcome)
        stored = mail_services.requests.get(outcome.reference)
        for field in ("situation", "postal_code", "need"):
            if field in want:
                assert stored[field] == want[field], (name, field)
        if want.get("departement"):
            assert stored["place"]["departement"] == want["departement"], name
            assert stored["place"]["commune"] is None and stored["place"]["region"], name
        if want.get("several"):
            assert stored["status"] == "needs_triage" and "plusieurs jeunes" in stored["triage_reason"], name
        if want.get("status"):
            assert stored["status"] == want["status"], name


def test_a_place_known_only_to_its_departement_routes_there(settings, clock, tmp_path):
    s = make_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw")),
        clock,
        directory=[association("afev-93", departements=["93"]), association("afev-59")],
    )
    raw = human_mail(
        body="Bonjour, une élève de 15 ans en 3e, dont la famille habite dans le 93, a besoin de soutien scolaire."
    )
    outcome = s.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE)
    stored = s.requests.get(outcome.reference)
    assert stored["status"] == "routed" and stored["association"]["id"] == "afev-93"
    assert stored["place"] == {
        "commune": None,
        "postal_code": None,
        "commune_code": None,
        "commune_name": None,
        "departement": "93",
        "region": "11",
    }
    chosen = stored["routing"]["candidates"][0]
    assert chosen["parts"]["territory_level"] == "departement"  # no commune score
    mail = next(m for m in read_outbox(s) if "afev-93" in m["To"])
    assert "Seine-Saint-Denis (93)" in mail.get_body(("plain",)).get_content()


def test_a_fiche_in_a_pdf_fills_the_request_and_never_reaches_the_association(mail_services, settings):
    fiche = pdf_with_text(
        [
            "Élève de 14 ans, en 4ème",
            "Domicile : 14 rue de l'Alma, 59100 Roubaix",
            "Besoin : soutien scolaire",
            "Téléphone de la mère : 06 11 22 33 44",
        ]
    )
    raw = with_attachment("Bonjour,\n\nVeuillez trouver ci-joint la fiche.\n\nCordialement", "fiche.pdf", fiche, "pdf")
    outcome = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE)
    stored = mail_services.requests.get(outcome.reference)
    assert (stored["age"], stored["postal_code"], stored["need"]) == (14, "59100", "scolaire")
    assert stored["status"] == "routed"
    assert stored["extraction"]["postal_code"]["source"] == "attachment:fiche.pdf"
    assert stored["inbound"]["attachments"] == [
        {"name": "fiche.pdf", "kind": "pdf", "chars": stored["inbound"]["attachments"][0]["chars"], "note": None}
    ]
    assert "Alma" not in (stored["message"] or "")  # the document is not the message
    to_association = [m for m in read_outbox(mail_services) if m["Auto-Submitted"] != "auto-replied"]
    assert to_association
    for m in to_association:
        assert not list(m.iter_attachments())
        text = m.get_body(("plain",)).get_content()
        assert "Alma" not in text and "06 11 22 33 44" not in text


@pytest.mark.parametrize(
    ("name", "subtype", "make"),
    [
        ("chiffre.pdf", "pdf", lambda: encrypted_pdf(["Élève de 14 ans, 59100 Roubaix, soutien scolaire"])),
        ("2000-pages.pdf", "pdf", lambda: pdf_with_text(["Élève de 14 ans, 59100 Roubaix"], pages=2000)),
        ("bombe.docx", "vnd.openxmlformats-officedocument.wordprocessingml.document", lambda: zip_bomb_docx(300)),
        (
            "casse.pdf",
            "pdf",
            lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
        ),
        ("casse.odt", "vnd.oasis.opendocument.text", lambda: b"PK\x03\x04 not really a zip"),
    ],
)
def test_a_hostile_attachment_ends_in_a_field_less_request_in_time(mail_services, name, subtype, make):
    raw = with_attachment("Bonjour,\n\nci-joint la fiche.\n", name, make(), subtype, message_id=f"<{name}@x.fr>")
    start = time.perf_counter()
    outcome = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE)
    assert time.perf_counter() - start < 30.0  # unbounded work guard, not a speed target (make bench)
    assert outcome.kind == "request"
    stored = mail_services.requests.get(outcome.reference)
    assert stored["status"] == "needs_triage"
    assert (stored["age"], stored["postal_code"], stored["need"]) == (None, None, None)
    (noted,) = stored["inbound"]["attachments"]
    assert noted["name"] == name and noted["chars"] == 0 and noted["note"]


def test_an_encoded_word_message_id_is_dropped_never_stored_or_copied(mail_services, settings):
    payload = base64.b64encode(b"a\r\nBcc: x@attacker.example\r\nContent-Type: text/html\r\n\r\n<h1>hi</h1>").decode()
    raw = human_mail(message_id=f"<=?utf-8?b?{payload}?=@x>")
    first = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE)
    again = mail_services.mail_intake.ingest(raw, "cpe@college.example.fr", INTAKE)
    assert first.kind == "request" and again.kind == "duplicate"  # deduplicated on the raw bytes' hash
    stored = mail_services.requests.get(first.reference)
    assert stored["inbound"]["message_id"] is None
    (ack,) = [m for m in read_outbox(mail_services) if m["Auto-Submitted"] == "auto-replied"]
    assert "=?" not in (ack["In-Reply-To"] or "") and ack["Bcc"] is None
    assert "attacker" not in ack.as_string()


def test_one_sender_over_the_daily_limit_is_kept_for_an_operator_not_routed(mail_services, settings, clock):
    limit = settings.mail_intake_limit_per_day
    outcomes = [
        mail_services.mail_intake.ingest(human_mail(message_id=f"<flood{i}@x.fr>"), "cpe@college.example.fr", INTAKE)
        for i in range(limit + 3)
    ]
    assert [o.kind for o in outcomes] == ["request"] * limit + ["quarantined"] * 3
    assert all(o.reason == "sender over daily limit" for o in outcomes[limit:])
    assert len(mail_services.requests.list(None, None, 50, None)[0]) == limit
    held = mail_services.stores.mail_log.list_quarantine(clock.now().epoch, 50)
    assert len(held) == 3 and all(h["reason"] == "sender over daily limit" and h["raw_key"] for h in held)
    association_mails = [m for m in read_outbox(mail_services) if m["Auto-Submitted"] != "auto-replied"]
    assert len(association_mails) == limit
    # the same mail again is its first answer, not one more count; another sender is not held
    assert mail_services.mail_intake.ingest(human_mail(message_id="<flood0@x.fr>"), "x", INTAKE).kind == "duplicate"
    other = human_mail(sender="autre@college.example.fr", message_id="<other@x.fr>")
    assert mail_services.mail_intake.ingest(other, "autre@college.example.fr", INTAKE).kind == "request"
    clock.advance(hours=24)  # a new day
    assert mail_services.mail_intake.ingest(human_mail(message_id="<next-day@x.fr>"), "x", INTAKE).kind == "request"


# --- A mail's reading has a budget: past it, an operator's, never the queue's ----------------

import logging  # noqa: E402

from chalicelib.bootstrap import Stores  # noqa: E402
from chalicelib.services.mail_intake import MailOutcome  # noqa: E402
from tests import builders  # noqa: E402
from tests.corpus.documents import pdf_made_to_be_slow  # noqa: E402


def test_a_mail_read_past_its_budget_is_quarantined_for_an_operator_never_raised(settings, clock, tmp_path, caplog):
    # The stack's reader (a child process), its budget one second: the fiche's 30 pages
    # would take the documents' whole three seconds.
    budget = replace(settings, raw_mail_dir=str(tmp_path / "raw"), mail_read_seconds=1.0)
    s = builders.make_services(budget, clock, stores=Stores.in_memory(budget.mail_grace_seconds))
    slow = with_attachment(
        "Bonjour,\n\nLéo Marchand, 14 ans, 59100 Roubaix : ci-joint sa fiche.",
        "fiche.pdf",
        pdf_made_to_be_slow(),
        "pdf",
        message_id="<slow@college.example.fr>",
    )
    with caplog.at_level(logging.DEBUG):
        outcome = s.mail_intake.ingest(slow, "cpe@college.example.fr", INTAKE)
    assert outcome == MailOutcome("quarantined", reason="reading stopped: over its time budget of 1 s")
    (held,) = s.stores.mail_log.list_quarantine(clock.now().epoch, 10)
    assert held["reason"] == outcome.reason
    assert (Path(budget.raw_mail_dir) / held["raw_key"]).read_bytes() == slow  # kept whole for the operator
    assert s.requests.list(None, None, 10, None)[0] == [] and read_outbox(s) == []
    assert "Marchand" not in caplog.text and "Roubaix" not in caplog.text
    # The next mail reads as ever.
    assert s.mail_intake.ingest(human_mail(), "cpe@college.example.fr", INTAKE).kind == "request"
