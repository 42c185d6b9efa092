"""The intake use case against DynamoDB Local: one transaction, idempotency, capacity."""

from __future__ import annotations

import email
import threading
from collections import Counter
from email import policy
from pathlib import Path

import pytest

from chalicelib.domain.vocabulary import Channel
from chalicelib.services.intake import Idempotency, IdempotencyConflict, RateLimited
from tests.conftest import request_of, association, make_services, youth
from tests.integration.mail_stream import deliver_mails


def read_outbox(services) -> list[email.message.EmailMessage]:
    """The mails sent so far. They leave through the table's stream, not in the request:
    what the stream holds is delivered first (tests/integration/mail_stream.py)."""
    deliver_mails(services)
    path = Path(services.settings.outbox_dir)
    if not path.exists():
        return []
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(path.glob("*.eml"))]


def test_a_routed_request_is_stored_with_its_explanation_timeline_and_mails(services, settings):
    result = services.submit(request_of(youth(publics=["qpv"]), Channel.FORM))

    assert result.status == "routed"
    stored = services.requests.get(result.reference)
    assert stored["id"] == result.id
    assert stored["channel"] == "form"
    assert stored["association"] == result.association
    assert stored["place"]["commune_code"] == "59512"
    routing = stored["routing"]
    assert routing["policy"] == "v1"
    assert routing["association"] == result.association["id"]
    assert routing["candidates"][0]["id"] == result.association["id"]
    assert all("parts" in c for c in routing["candidates"])
    assert "territory" in routing["excluded"]  # associations elsewhere in France
    assert [e["type"] for e in stored["events"]] == ["received", "routed"]

    mails = read_outbox(services)
    assert len(mails) == 2
    by_to = {m["To"]: m for m in mails}
    association_mail = next(m for to, m in by_to.items() if to != "lea.martin@example.net")
    ack = by_to["lea.martin@example.net"]
    assert result.reference in association_mail["Subject"]
    assert result.reference in ack["Subject"]
    assert ack["Reply-To"] == settings.intake_addresses[0]  # a reply reaches people, not a void
    for m in mails:
        for header in ("From", "To", "Subject", "Date", "Message-ID"):
            assert m[header], header
        assert m["Auto-Submitted"] in {"auto-generated", "auto-replied"}
        assert {p.get_content_type() for p in m.walk()} >= {"text/plain", "text/html"}
    body = association_mail.get_body(("plain",)).get_content()
    assert "15" in body and "Roubaix" in body
    assert f"{settings.public_base_url}/reponse/" in body
    raw = association_mail.as_string()
    assert "lea.martin@example.net" not in raw and "06 12 34 56 78" not in raw and "0612345678" not in raw


def test_contact_details_typed_in_the_message_do_not_reach_the_association(services, settings):
    message = "Écrivez-moi à lea.perso@example.com ou au 07.11.22.33.44, merci"
    result = services.submit(request_of(youth(message=message), Channel.FORM))
    association_mail = next(m for m in read_outbox(services) if result.reference in m["Subject"] and "lea.martin" not in m["To"])
    raw = association_mail.get_body(("plain",)).get_content()
    assert "lea.perso@example.com" not in raw and "07.11.22.33.44" not in raw
    assert "merci" in raw


def test_no_candidate_goes_to_triage_with_the_reason(services):
    result = services.submit(request_of(youth(postal_code="97600", city="Mamoudzou", age=15), Channel.API))
    assert result.status == "needs_triage"
    assert result.association is None
    stored = services.requests.get(result.id)
    assert stored["triage_reason"] and "976" in stored["triage_reason"]
    assert [e["type"] for e in stored["events"]] == ["received", "needs_triage"]


def test_same_idempotency_key_and_body_answers_the_same_and_stores_one(services):
    body = youth()
    first = services.submit(request_of(body, Channel.API), Idempotency.of_api("k1", body))
    again = services.submit(request_of(body, Channel.API), Idempotency.of_api("k1", body))
    assert again.as_response() == first.as_response()
    assert again.replayed
    items, _ = services.requests.list(None, None, 50, None)
    assert [i["id"] for i in items] == [first.id]


def test_same_key_with_another_body_is_a_conflict(services):
    body = youth()
    services.submit(request_of(body, Channel.API), Idempotency.of_api("k2", body))
    other = youth(age=16)
    with pytest.raises(IdempotencyConflict):
        services.submit(request_of(other, Channel.API), Idempotency.of_api("k2", other))


def test_the_per_ip_limit_is_counted_in_the_intake_transaction(settings, clock):
    from dataclasses import replace

    s = make_services(replace(settings, rate_limit_count=2, rate_limit_seconds=600), clock)
    for _ in range(2):
        s.submit(request_of(youth(), Channel.FORM), rate_key="ip-a")
    with pytest.raises(RateLimited):
        s.submit(request_of(youth(), Channel.FORM), rate_key="ip-a")
    s.submit(request_of(youth(), Channel.FORM), rate_key="ip-b")  # another address
    clock.advance(seconds=601)
    s.submit(request_of(youth(), Channel.FORM), rate_key="ip-a")  # next window
    items, _ = s.requests.list(None, None, 50, None)
    assert len(items) == 4  # the refused one stored nothing


def test_fifty_simultaneous_requests_never_exceed_capacity(settings, clock):
    directory = [association("small", capacity=5), association("medium", capacity=3)]
    s = make_services(settings, clock, directory=directory)
    results, errors = [], []
    start = threading.Barrier(50)

    def submit():
        try:
            start.wait()
            results.append(s.submit(request_of(youth(), Channel.API)))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    routed = Counter(r.association["id"] for r in results if r.association)
    assert routed == {"small": 5, "medium": 3}
    assert sum(r.status == "needs_triage" for r in results) == 42
    assert s.stores.directory.load_counts() == {"small": 5, "medium": 3}
    triaged = s.requests.get(next(r.id for r in results if r.status == "needs_triage"))
    assert triaged["triage_reason"] == "all candidates at capacity"
    listed, _ = s.requests.list("routed", "small", 50, None)
    assert len(listed) == 5


def test_expired_requests_are_not_read_even_before_dynamodb_deletes_them(services, clock, settings):
    result = services.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=settings.retention_days + 1)
    assert services.requests.get(result.id) is None
    assert services.requests.get(result.reference) is None
    assert services.requests.list(None, None, 50, None)[0] == []


def test_list_is_newest_first_and_paginated(services, clock):
    refs = []
    for _ in range(5):
        refs.append(services.submit(request_of(youth(), Channel.API)).reference)
        clock.advance(seconds=1)
    page1, cursor = services.requests.list(None, None, 2, None)
    page2, cursor2 = services.requests.list(None, None, 2, cursor)
    page3, _ = services.requests.list(None, None, 2, cursor2)
    seen = [i["reference"] for i in page1 + page2 + page3]
    assert seen == list(reversed(refs))
