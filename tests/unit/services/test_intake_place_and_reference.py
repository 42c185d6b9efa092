"""Submitting a request or a sign-up (services/intake.py, mentors.py): the commune a
postal code shared by several communes resolves to by its city, and a reference already
held by another record drawn again rather than refused."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor import new_mentor_reference
from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.reference import new_reference
from chalicelib.domain.vocabulary import Channel
from tests.builders import association, make_memory_services, request_of, youth

DIRECTORY = [association("asso-a", recruits_mentors=True)]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def stored(s, result):
    return s.stores.requests.get_request(result.id, s.clock.now().epoch)


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
