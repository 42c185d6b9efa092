"""The guards a submission's transaction holds (services/intake.py, mentors.py): the
idempotency answer and how long it is kept, the per-IP window's edges, the sign-up door's
own keys; and how long the outbox keeps the mails a submission or a change stores
(services/transitions.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.domain.mail_headers import UnsendableMail
from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.intake import Idempotency, RateLimited
from tests.builders import association, make_memory_services, request_of, youth

DIRECTORY = [association("asso-a", recruits_mentors=True), association("asso-b", recruits_mentors=True)]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def count(s):
    return len(s.requests.list(None, None, 50, None)[0])


def test_a_replayed_submission_answers_the_first_and_stores_no_mail(s):
    body = youth()
    first = s.submit(request_of(body, Channel.API), Idempotency.of_api("k1", body))
    inserted = s.stores.outbox.take_inserted()
    again = s.submit(request_of(body, Channel.API), Idempotency.of_api("k1", body))
    assert (again.id, again.reference, again.status, again.association) == (
        first.id,
        first.reference,
        first.status,
        first.association,
    )
    assert again.replayed and not first.replayed and again.mail_ids == ()
    assert len(inserted) == 2 and s.stores.outbox.take_inserted() == []


def test_an_idempotency_key_is_kept_idempotency_hours(s, settings, clock):
    body = youth()
    first = s.submit(request_of(body, Channel.API), Idempotency.of_api("k1", body))
    clock.advance(seconds=settings.idempotency_hours * 3600 - 1)
    assert s.submit(request_of(body, Channel.API), Idempotency.of_api("k1", body)).reference == first.reference
    clock.advance(seconds=1)
    later = s.submit(request_of(body, Channel.API), Idempotency.of_api("k1", body))
    assert not later.replayed and later.reference != first.reference and count(s) == 2


def test_a_mails_id_delivered_twice_is_one_request_whatever_the_body(s):
    first = s.submit(request_of(youth(), Channel.API), Idempotency.of_mail("abc"))
    again = s.submit(request_of(youth(age=16), Channel.API), Idempotency.of_mail("abc"))
    assert again.replayed and again.reference == first.reference and count(s) == 1


def test_the_per_ip_window_ends_on_its_boundary(settings, clock):
    s = make_memory_services(replace(settings, rate_limit_count=1, rate_limit_seconds=600), clock)
    start = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a multiple of 600 s
    clock.advance(seconds=int(start.timestamp()) - clock.now().epoch - 1)  # 09:59:59
    s.submit(request_of(youth(), Channel.FORM), rate_key="ip-a")
    with pytest.raises(RateLimited):
        s.submit(request_of(youth(), Channel.FORM), rate_key="ip-a")
    clock.advance(seconds=1)  # 10:00:00, the next window
    s.submit(request_of(youth(), Channel.FORM), rate_key="ip-a")
    with pytest.raises(RateLimited):
        s.submit(request_of(youth(), Channel.FORM), rate_key="ip-a")
    assert count(s) == 2


def test_a_per_ip_counter_is_kept_until_its_window_ends_and_no_longer(settings):
    from chalicelib.services.rate_limit import rate_window

    window = rate_window("ip-a", 1_799, replace(settings, rate_limit_count=3, rate_limit_seconds=600))
    assert (window.key, window.limit, window.expires_at) == ("ip-a#2", 3, 1_800)  # storage's TTL drops it then
    assert rate_window("ip-a", 1_800, replace(settings, rate_limit_seconds=600)).key == "ip-a#3"


def volunteer(**overrides):
    from tests.builders import retired_volunteer as v

    return parse_mentor_submission(v(**overrides), json=True)


def test_a_sign_up_replayed_by_its_key_is_not_a_requests_answer(s):
    body = youth()
    request = s.submit(request_of(body, Channel.API), Idempotency.of_api("shared", body))
    signup = s.mentors.sign_up(volunteer(), "api", Idempotency.of_api("shared", {"v": 1}))
    assert not signup.replayed and signup.reference != request.reference
    again = s.mentors.sign_up(volunteer(), "api", Idempotency.of_api("shared", {"v": 1}))
    assert again.replayed and (again.id, again.reference, again.status) == (signup.id, signup.reference, signup.status)
    assert again.association == signup.association and again.association["id"] in {"asso-a", "asso-b"}


def test_sign_ups_from_one_address_are_limited_per_window(settings, clock):
    s = make_memory_services(replace(settings, rate_limit_count=1, rate_limit_seconds=600), clock, directory=DIRECTORY)
    s.mentors.sign_up(volunteer(), "form", rate_key="ip-a")
    with pytest.raises(RateLimited):
        s.mentors.sign_up(volunteer(), "form", rate_key="ip-a")
    s.mentors.sign_up(volunteer(), "form", rate_key="ip-b")


class Refuses:
    def send(self, mail, sender):
        raise UnsendableMail("To: refused")


def failed_ids(s):
    return sorted(m["id"] for m in s.outbox.failed_mails())


def test_the_mails_of_a_submission_are_kept_mail_retention_days(settings, clock):
    s = make_memory_services(settings, clock, sender=Refuses(), directory=DIRECTORY)
    result = s.submit(request_of(youth(), Channel.FORM))
    s.outbox.dispatch(result.mail_ids)
    assert failed_ids(s) == sorted(result.mail_ids)
    clock.advance(seconds=settings.mail_retention_days * 86400 - 1)
    assert failed_ids(s) == sorted(result.mail_ids)
    clock.advance(seconds=1)
    assert failed_ids(s) == []


def test_the_mails_of_a_change_are_kept_mail_retention_days_from_the_change(settings, clock):
    s = make_memory_services(settings, clock, sender=Refuses(), directory=DIRECTORY)
    s.submit(request_of(youth(), Channel.FORM))
    s.stores.outbox.take_inserted()
    clock.advance(days=settings.reminder_days)
    assert s.answers.sweep_silence() == (1, 0)
    (reminder,) = s.stores.outbox.take_inserted()
    s.outbox.dispatch([reminder])
    assert reminder in failed_ids(s)
    clock.advance(seconds=settings.mail_retention_days * 86400 - 1)
    assert reminder in failed_ids(s)
    clock.advance(seconds=1)
    assert reminder not in failed_ids(s)


def test_the_mails_of_a_sign_up_are_kept_mail_retention_days(settings, clock):
    s = make_memory_services(settings, clock, sender=Refuses(), directory=DIRECTORY)
    made = s.mentors.sign_up(volunteer(), "api")
    s.outbox.dispatch(made.mail_ids)
    assert failed_ids(s) == sorted(made.mail_ids)
    clock.advance(seconds=settings.mail_retention_days * 86400 - 1)
    assert failed_ids(s) == sorted(made.mail_ids)
    clock.advance(seconds=1)
    assert failed_ids(s) == []
