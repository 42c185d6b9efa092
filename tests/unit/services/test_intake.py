"""The intake use case on the in-memory stores: routing, timeline, mails, idempotency, per-IP limit."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor import new_mentor_reference
from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.reference import new_reference
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.intake import Idempotency, IdempotencyConflict, RateLimited
from tests.builders import association, make_memory_services, request_of, youth
from tests.builders import make_memory_services as make_services
from tests.integration.mail_stream import read_outbox


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
    association_mail = next(
        m for m in read_outbox(services) if result.reference in m["Subject"] and "lea.martin" not in m["To"]
    )
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


# -- Submitting a request or a sign-up (services/intake.py, mentors.py): the commune a postal code
# shared by several communes resolves to by its city, and a reference already held by another record
# drawn again rather than refused.


DIRECTORY = [association("asso-a", recruits_mentors=True)]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def stored(s, result):
    return s.stores.requests.get(result.id, s.clock.now().epoch).to_record()


@pytest.mark.parametrize(
    ("city", "code", "name"), [("Hondschoote", "59309", "Hondschoote"), ("Killem", "59326", "Killem")]
)
def test_a_postal_code_of_several_communes_takes_the_city_named(s, city, code, name):
    result = s.submit(request_of(youth(postal_code="59122", city=city), Channel.FORM))
    place = stored(s, result)["place"]
    assert (place["commune_code"], place["commune_name"], place["departement"]) == (code, name, "59")
    mail = s.stores.outbox.mail_state(result.mail_ids[0])
    assert f"- Commune : {name} (59122)\n" in mail["text"]


def test_a_city_not_under_the_postal_code_leaves_the_commune_unknown(s):
    result = s.submit(request_of(youth(postal_code="59122", city="Lille"), Channel.FORM))
    place = stored(s, result)["place"]
    assert (place["commune_code"], place["departement"], place["region"]) == (None, "59", "32")
    assert result.status == "routed"  # on the département


def drawing(monkeypatch, module, name, first, real):
    """The reference generator of `module` gives `first`, then real ones."""
    drawn = iter([first])
    monkeypatch.setattr(module, name, lambda: next(drawn, None) or real())


def test_a_request_whose_reference_is_taken_gets_another(s, monkeypatch):
    import chalicelib.services.intake as intake_module

    first = s.submit(request_of(youth(), Channel.FORM))
    drawing(monkeypatch, intake_module, "new_reference", first.reference, new_reference)
    second = s.submit(request_of(youth(first_name="Inès"), Channel.FORM))
    assert second.reference != first.reference and second.id != first.id
    assert stored(s, second)["reference"] == second.reference
    assert s.requests.get(first.reference)["first_name"] == "Léa"  # the first one untouched
    assert s.requests.get(second.reference)["first_name"] == "Inès"
    subjects = [s.stores.outbox.mail_state(m)["subject"] for m in second.mail_ids]
    assert all(second.reference in subject for subject in subjects)


def test_a_sign_up_whose_reference_is_taken_gets_another(s, monkeypatch):
    import chalicelib.services.mentors as mentors_module
    from tests.builders import retired_volunteer as volunteer

    first = s.mentors.sign_up(parse_mentor_submission(volunteer(), json=True), "api")
    drawing(monkeypatch, mentors_module, "new_mentor_reference", first.reference, new_mentor_reference)
    second = s.mentors.sign_up(parse_mentor_submission(volunteer(first_name="Inès"), json=True), "api")
    assert second.reference != first.reference
    assert s.mentor_queries.get(first.reference)["first_name"] == "Paul"
    assert s.mentor_queries.get(second.reference)["first_name"] == "Inès"
