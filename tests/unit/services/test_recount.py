"""Three reads and a repair an operator relies on: the admin API's view of a request
(its fields, dates, declines, place) and its refusal of a cursor not ours; a volunteer's
sign-up page in the console (the sign-up, its timeline in a volunteer's words, its
association, no action); and the recount (make recount) that puts the tab counts and
daily aggregates back from the stored requests. In-memory stores."""

from __future__ import annotations

import pytest

from chalicelib.domain.mentor_submission import parse_mentor_submission
from chalicelib.domain.operators import Operator, Role
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.console_common import UnknownRequest
from chalicelib.services.console_volunteers import VolunteerConsole
from chalicelib.services.recount import RecountService
from tests.builders import association, make_memory_services, request_of, volunteer, youth

DIRECTORY = [
    association("first", recruits_mentors=True, communes=["59512"], departements=[], needs=["scolaire", "orientation"]),
    association("second", needs=["scolaire"]),
]
PARIS = {"postal_code": "75001", "city": "Paris"}


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def submit(s, **overrides):
    return s.submit(request_of(youth(**overrides), Channel.FORM))


# -- the admin API's view -------------------------------------------------------------------------


def test_a_request_s_view_has_its_dates_fields_place_and_no_declines_yet(s):
    made = submit(s)
    view = s.requests.get(made.reference)
    assert view["reference"] == made.reference
    assert view["created_at"] == "2026-11-24T09:00:00.000000Z"
    assert view["updated_at"] == "2026-11-24T09:00:00.000000Z"
    assert view["status"] == "routed" and view["channel"] == "form"
    assert view["age"] == 15 and view["need"] == "scolaire"
    assert view["declined"] == []
    assert view["association"]["id"] == "first"
    assert view["place"]["commune"] == view["place"]["commune_code"]
    assert [e["type"] for e in view["events"]] == ["received", "routed"]
    assert s.requests.get("  " + made.reference + " ")["reference"] == made.reference
    assert s.requests.get("MNT-NONE-NONE") is None


def test_a_listed_request_has_the_same_view(s):
    made = submit(s, **PARIS)
    (listed,), cursor = s.requests.list(None, None, 10, None)
    assert cursor is None
    assert (listed["reference"], listed["created_at"], listed["declined"], listed["triage_reason"]) == (
        made.reference,
        "2026-11-24T09:00:00.000000Z",
        [],
        "no association covers département 75",
    )


@pytest.mark.parametrize("cursor", ["not-a-cursor!", "e30"])
def test_a_cursor_that_is_not_ours_is_refused(s, cursor):
    submit(s)
    with pytest.raises(ValueError) as refused:
        s.requests.list(None, None, 10, cursor)
    assert str(refused.value) == "invalid cursor"


# -- a volunteer's page ---------------------------------------------------------------------------


@pytest.fixture
def volunteers(s):
    return VolunteerConsole(
        requests=s.stores.requests,
        queue=s.stores.mentors,
        directory=s.directory,
        mails=s.mails,
        clock=s.clock,
        settings=s.settings,
    )


def test_a_sign_up_s_page_shows_it_with_its_association_and_an_admin_s_erasure_only(s, volunteers):
    made = s.mentors.sign_up(parse_mentor_submission(volunteer(), json=True), "api")
    page = volunteers.signup_page(made.reference)
    assert page.request.reference == made.reference
    assert page.record["reference"] == made.reference
    assert page.association.id == "first"
    assert page.associations == []
    assert page.actions == {"erase": False}
    assert volunteers.signup_page(made.reference, Operator("op@reseau.example.org", Role.OPERATOR)).actions == {
        "erase": False
    }
    admin = Operator("admin@reseau.example.org", Role.ADMIN)
    assert volunteers.signup_page(made.reference, admin).actions == {"erase": True}
    volunteers.erase(made.reference, admin)
    assert volunteers.signup_page(made.reference, admin).actions == {"erase": False}  # nothing left to erase
    assert [(e.type, e.label) for e in page.timeline][:2] == [
        ("received", "Candidature reçue"),
        ("routed", "Envoyée à une association"),
    ]
    assert [c["name"] for c in page.candidates if c["chosen"]] == ["Association first"]


def test_a_sign_up_in_triage_has_no_association(s, volunteers):
    made = s.mentors.sign_up(parse_mentor_submission(volunteer(postal_code="75019", city=None), json=True), "api")
    page = volunteers.signup_page(made.reference)
    assert page.association is None
    assert page.request.status.value == "needs_triage"


def test_an_unknown_or_blank_sign_up_is_unknown(volunteers):
    for reference in ("BEN-NONE-NONE", ""):
        with pytest.raises(UnknownRequest):
            volunteers.signup_page(reference)


# -- the recount -----------------------------------------------------------------------------------


def test_a_recount_puts_back_the_tab_counts_and_the_aggregates(s, clock):
    submit(s)
    submit(s, **PARIS)
    submit(s, **PARIS)
    epoch = clock.now().epoch
    right_counts = s.stores.requests.status_counts(epoch)
    right_days = s.stores.stats.daily_counts("2026-11-01", "2026-11-30")
    s.stores.recount.replace_status_counts({("closed", "2026-11-24"): (5, epoch + 86400)})
    s.stores.recount.replace_aggregates("2026-11-24", "2026-11-24", {("2026-11-24", None): {"received_form": 40}})
    assert s.stores.requests.status_counts(epoch) != right_counts
    clock.advance(days=1)
    report = RecountService(store=s.stores.recount, clock=clock).recount()
    assert (report.requests, report.by_status) == (3, {"routed": 1, "needs_triage": 2})
    assert (report.first_day, report.last_day) == ("2026-11-24", "2026-11-25")
    assert {k: v for k, v in s.stores.requests.status_counts(epoch).items() if v} == {
        k: v for k, v in right_counts.items() if v
    }
    assert s.stores.stats.daily_counts("2026-11-01", "2026-11-30") == right_days


def test_a_recount_from_a_given_day(s, clock):
    submit(s)
    report = RecountService(store=s.stores.recount, clock=clock).recount(since="2026-11-20")
    assert (report.first_day, report.last_day) == ("2026-11-20", "2026-11-24")
    assert report.by_status == {"routed": 1}


def test_a_recount_of_nothing_leaves_the_aggregates_alone(s, clock):
    s.stores.recount.replace_aggregates("2026-11-24", "2026-11-24", {("2026-11-24", None): {"received_form": 4}})
    report = RecountService(store=s.stores.recount, clock=clock).recount()
    assert (report.requests, report.by_status, report.first_day, report.last_day, report.days) == (0, {}, None, None, 0)
    assert s.stores.stats.daily_counts("2026-11-24", "2026-11-24") == [("2026-11-24", {"received_form": 4})]


def test_a_record_stored_without_declines_shows_none(s):
    from chalicelib.domain.request import Request
    from chalicelib.services.queries import record_view

    made = submit(s)
    stored = s.stores.requests.get(made.reference, s.clock.now().epoch).to_record()
    older = {k: v for k, v in stored.items() if k not in {"declined", "updated_at"}}
    view = record_view(Request.from_record(older))  # as an older version stored it
    assert view["declined"] == []
    assert view["updated_at"] == view["created_at"] == "2026-11-24T09:00:00.000000Z"


def test_the_volunteers_statistics_list_their_own_channels(s):
    from chalicelib.services.console_volunteers import MENTOR_CHANNEL_LABELS
    from chalicelib.services.statistics import StatisticsService

    s.mentors.sign_up(parse_mentor_submission(volunteer(), json=True), "form")
    stats = StatisticsService(
        stats=s.stores.mentors,
        directory=s.directory,
        clock=s.clock,
        channel_labels=MENTOR_CHANNEL_LABELS,
        shown=MENTOR_CHANNEL_LABELS,
    )
    report = stats.report(4)
    assert report.channels == ["form", "api"]
    assert report.weekly["2026-11-23"] == {"form": 1}
