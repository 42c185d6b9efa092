"""Volunteer mentors' use cases on the in-memory stores: sign-up, the association's
answers, silence, retention, and the reads the console calls."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.request import InvalidTransition, Moment
from chalicelib.domain.vocabulary import Status
from tests.builders import LINK, association, delivery_report, make_memory_services, volunteer
from tests.integration.mail_stream import read_outbox

DAY = 86400
DIRECTORY = [
    association("first", recruits_mentors=True, communes=["59512"]),
    association("second", recruits_mentors=True),
    association("requests-only"),
]


@pytest.fixture
def services(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def sign_up(services, **overrides):
    return services.mentors.sign_up(parse_mentor_submission(volunteer(**overrides), json=True), "api")


def token_for(services, association_id):
    mails = [m for m in read_outbox(services) if m["To"] == f"{association_id}@asso.example.org"]
    return LINK.search(mails[-1].get_body(("plain",)).get_content()).group(1)


def test_a_sign_up_is_routed_by_mentor_v1_and_acknowledged(services):
    made = sign_up(services)
    assert (made.status, made.association["id"]) == ("routed", "first")
    stored = services.mentor_queries.get(made.reference)
    assert stored["routing"]["association"] == "first" and stored["place"]["commune"] == "59512"
    kinds = sorted(m["Subject"].split(" BEN-")[0] for m in read_outbox(services))
    assert kinds == [
        "Un ou une bénévole souhaite devenir mentor",
        "Votre candidature pour devenir mentor est bien reçue",
    ]


def test_nobody_fits_sends_it_to_triage_with_the_reason_and_still_acknowledges(services):
    made = sign_up(services, postal_code="75019", city=None)
    stored = services.mentor_queries.get(made.id)
    assert stored["status"] == "needs_triage" and stored["association"] is None
    assert stored["triage_reason"].startswith("no association recruiting mentors covers département 75")
    assert [m["To"] for m in read_outbox(services)] == ["paul.durand@example.net"]


def test_silence_reminds_then_routes_onward(services, clock, settings):
    made = sign_up(services)
    clock.advance(days=settings.reminder_days)
    assert services.mentors.sweep_silence() == (1, 0)
    assert services.mentors.sweep_silence() == (0, 0)  # one reminder only
    reminder = [m for m in read_outbox(services) if m["Subject"].startswith("Rappel")]
    assert len(reminder) == 1 and reminder[0]["To"] == "first@asso.example.org"
    clock.advance(days=settings.reroute_days - settings.reminder_days)
    assert services.mentors.sweep_silence() == (0, 1)
    stored = services.mentor_queries.get(made.id)
    assert stored["association"]["id"] == "second" and stored["declined"] == ["first"]
    assert [e["type"] for e in stored["events"]][-3:] == ["reminded", "rerouted", "routed"]


def test_an_accepted_volunteer_is_told_which_association_will_call(services):
    made = sign_up(services)
    view = services.mentors.accept(token_for(services, "first"))
    assert view.state == "accepted" and view.just_done == "accepted"
    told = [m for m in read_outbox(services) if "Association first" in m["Subject"]]
    assert len(told) == 1 and told[0]["To"] == "paul.durand@example.net" and made.reference in told[0]["Subject"]
    assert services.stores.mentors.load_counts()["first"] == 0  # the place is free again


def test_a_declined_or_unanswered_sign_up_is_gone_after_mentor_retention_days(services, clock, settings):
    triaged = sign_up(services, postal_code="75019", city=None)
    clock.advance(days=settings.mentor_retention_days, seconds=-1)
    assert services.mentor_queries.get(triaged.reference) is not None
    clock.advance(seconds=1)
    assert services.mentor_queries.get(triaged.reference) is None
    assert services.mentor_queries.get(triaged.id) is None
    assert services.mentor_queries.counts()["needs_triage"] == 0
    assert services.mentor_queries.list()[0] == []


def test_an_accepted_sign_up_is_kept_as_long_as_a_request(services, clock, settings):
    made = sign_up(services)
    clock.advance(days=2)
    services.mentors.accept(token_for(services, "first"))
    clock.advance(days=settings.mentor_retention_days)
    kept = services.mentor_queries.get(made.reference)
    assert kept is not None and kept["status"] == "accepted"
    assert [e["type"] for e in kept["events"]] == ["received", "routed", "accepted"]
    clock.advance(days=settings.retention_days - settings.mentor_retention_days)
    assert services.mentor_queries.get(made.reference) is None


def test_the_console_reads_pages_and_counts_per_status(services, clock):
    first = sign_up(services)
    clock.advance(seconds=1)
    second = sign_up(services, postal_code="75019", city=None)
    items, cursor = services.mentor_queries.list(limit=1)
    assert [i["reference"] for i in items] == [second.reference] and cursor
    items, _ = services.mentor_queries.list(limit=1, cursor=cursor)
    assert [i["reference"] for i in items] == [first.reference]
    assert [i["reference"] for i in services.mentor_queries.list(status="routed")[0]] == [first.reference]
    assert [i["reference"] for i in services.mentor_queries.list(association="first")[0]] == [first.reference]
    assert services.mentor_queries.counts() == {"needs_triage": 1, "routed": 1, "accepted": 0, "closed": 0}
    with pytest.raises(ValueError):
        services.mentor_queries.list(cursor="not-a-cursor!")


def test_a_sign_up_never_reaches_the_requests_queue(services):
    sign_up(services)
    assert services.requests.list(None, None, 50, None)[0] == []


def test_transitions_refuse_a_status_that_does_not_allow_them(services, clock):
    made = sign_up(services, postal_code="75019", city=None)
    triaged = services.stores.mentors.get(made.id, clock.now().epoch)
    assert triaged.status == Status.NEEDS_TRIAGE
    from chalicelib.domain.models import Association

    with pytest.raises(InvalidTransition):
        triaged.accept(Association.model_validate(DIRECTORY[0]), Moment(0, "2026-11-24T09:00:00Z"), 0)


def test_the_volunteers_mails_do_not_invite_replies_to_the_intake_address(services):
    # Mail intake makes youth requests of what reaches the intake address.
    sign_up(services)
    services.mentors.accept(token_for(services, "first"))
    to_volunteer = [m for m in read_outbox(services) if m["To"] == "paul.durand@example.net"]
    assert len(to_volunteer) == 2
    for m in to_volunteer:
        assert m["Reply-To"] is None and "urgence@" not in m.get_body(("plain",)).get_content()


def _mail_to(services, association_id):
    return next(m for m in read_outbox(services) if m["To"] == f"{association_id}@asso.example.org")


def test_a_bounce_of_the_associations_mail_routes_the_sign_up_onward_and_flags_the_address(services):
    made = sign_up(services)
    sent = _mail_to(services, "first")
    mail_id = sent["Message-ID"].strip("<>").split(".")[0]
    assert services.answers.association_mail_bounced(mail_id, None, "Permanent") is False  # not a request's mail
    assert services.association_mail_bounced(mail_id, "first@asso.example.org", "Permanent/NoEmail")
    stored = services.mentor_queries.get(made.reference)
    assert stored["association"]["id"] == "second" and stored["declined"] == ["first"]
    assert [e["type"] for e in stored["events"]][-2:] == ["bounced", "routed"]
    assert [f["address"] for f in services.stores.mail_log.address_flags()] == ["first@asso.example.org"]
    assert services.stores.mentors.load_counts() == {"first": 0, "second": 1}
    # The same bounce again (SES may notify twice): the sign-up has moved on already.
    assert not services.association_mail_bounced(mail_id, "first@asso.example.org", "Permanent/NoEmail")
    assert services.mentor_queries.get(made.reference)["association"]["id"] == "second"


def test_a_delivery_report_of_a_mentor_mail_reaching_the_intake_address_routes_it_onward(services):
    made = sign_up(services)
    sent = _mail_to(services, "first")
    report = delivery_report(sent["Message-ID"], "first@asso.example.org")
    assert services.mail_intake.ingest(report, "", ["urgence@lementorat.fr"]).kind == "automatic"
    stored = services.mentor_queries.get(made.reference)
    assert stored["association"]["id"] == "second"
    assert "bounced" in [e["type"] for e in stored["events"]]
    assert services.requests.list(None, None, 10, None)[0] == []  # no request made of it


def test_a_bounce_of_the_volunteers_own_acknowledgement_moves_nothing(services):
    made = sign_up(services)
    ack = next(m for m in read_outbox(services) if m["To"] == "paul.durand@example.net")
    assert not services.association_mail_bounced(ack["Message-ID"].strip("<>").split(".")[0], None, "Permanent")
    assert services.mentor_queries.get(made.reference)["association"]["id"] == "first"


def test_a_decline_routed_onward_counts_its_time_to_answer_from_the_routing(services, clock):
    made = sign_up(services)
    day = clock.now().iso[:10]
    clock.advance(hours=30)
    view = services.mentors.decline(token_for(services, "first"), "complet", None)
    assert view.state == "declined"
    assert services.mentor_queries.get(made.id)["association"]["id"] == "second"  # routed onward
    declined = {
        a: c for _, a, c in services.stores.mentors.association_counts(day, clock.now().iso[:10]) if c.get("declined")
    }
    assert declined == {"first": {"declined": 1, "h36": 1}}


def test_a_sign_up_refused_by_a_conflict_waits_a_random_while_and_retries_on_fresh_mentor_load(services, monkeypatch):
    from chalicelib.services import concurrency
    from chalicelib.services.ports import Refusal, Rejected

    store, waits, reads = services.stores.mentors, [], []
    commit, read = store.commit_new, store.load_counts
    conflicts = iter([Rejected(Refusal.CONFLICT), Rejected(Refusal.CONFLICT)])

    def held_by_another(write):
        refused = next(conflicts, None)
        if refused:
            raise refused
        commit(write)

    monkeypatch.setattr(store, "commit_new", held_by_another)
    monkeypatch.setattr(store, "load_counts", lambda: reads.append(1) or read())
    monkeypatch.setattr(concurrency.time, "sleep", waits.append)
    made = sign_up(services)
    assert made.status == "routed" and len(reads) == 3
    assert (
        len(waits) == 2
        and 0 <= waits[0] <= concurrency.CONFLICT_WAIT
        and 0 <= waits[1] <= 2 * concurrency.CONFLICT_WAIT
    )
