"""The console's queue as an operator reads it: the filters of its GET form and the links
they make, each row's columns in French, the tabs' counts, the date range (Paris days,
inclusive), and a filtered page filled over several reads. In-memory stores."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.operators import Operator, Role
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.console import (
    TAB_BY_SLUG,
    TABS,
    ConsoleService,
    QueueFilters,
    QueueRow,
    needs_of,
)
from tests.builders import association, make_memory_services, request_of, youth

OPERATOR = Operator("op@reseau.example.org", Role.OPERATOR)
DIRECTORY = [
    association("first-asso", departements=[], communes=["59512"], needs=["scolaire"]),
    association("second-asso", needs=["scolaire", "orientation"]),
]
PARIS = {"postal_code": "75001", "city": "Paris"}


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


@pytest.fixture
def console(s):
    return ConsoleService(
        requests=s.stores.requests,
        queue=s.stores.requests,
        directory=s.directory,
        mails=s.mails,
        clock=s.clock,
        settings=s.settings,
    )


def submit(s, channel=Channel.FORM, **overrides):
    return s.submit(request_of(youth(**overrides), channel))


# -- the filters ----------------------------------------------------------------------------------


def test_the_filters_are_read_from_the_form_and_written_back_to_the_links():
    f = QueueFilters.parse(
        {
            "onglet": "closes",
            "canal": " email ",
            "association": "first-asso",
            "departement": "2a",
            "besoin": "orientation",
            "du": "2026-11-01",
            "au": "2026-11-30",
        }
    )
    assert f == QueueFilters(
        tab=TAB_BY_SLUG["closes"],
        channel="email",
        association="first-asso",
        departement="2A",
        need="orientation",
        date_from=date(2026, 11, 1),
        date_to=date(2026, 11, 30),
    )
    assert f.filtered
    assert f.query() == {
        "onglet": "closes",
        "canal": "email",
        "association": "first-asso",
        "departement": "2A",
        "besoin": "orientation",
        "du": "2026-11-01",
        "au": "2026-11-30",
    }
    assert f.query(TAB_BY_SLUG["toutes"], "abc") == {
        "onglet": "toutes",
        "canal": "email",
        "association": "first-asso",
        "departement": "2A",
        "besoin": "orientation",
        "du": "2026-11-01",
        "au": "2026-11-30",
        "page": "abc",
    }


def test_unknown_filter_values_are_dropped():
    f = QueueFilters.parse(
        {
            "onglet": "nope",
            "canal": "fax",
            "departement": "7-5",
            "besoin": "astrologie",
            "du": "hier",
            "au": "2026-02-30",
        }
    )
    assert f == QueueFilters()
    assert not f.filtered
    assert f.query() == {"onglet": "a-trier"}


def test_a_date_alone_is_a_filter():
    f = QueueFilters.parse({"au": "2026-11-30"})
    assert f.date_to == date(2026, 11, 30) and f.date_from is None
    assert f.filtered
    assert f.query() == {"onglet": "a-trier", "au": "2026-11-30"}


def test_a_request_need_and_a_volunteer_needs_are_one_list():
    assert needs_of({"need": "scolaire"}) == ["scolaire"]
    assert needs_of({"needs": ["scolaire", "orientation"], "need": "insertion_pro"}) == ["scolaire", "orientation"]
    assert needs_of({}) == []
    assert needs_of({"need": ""}) == []


# -- the rows -----------------------------------------------------------------------------------


def test_a_row_shows_the_request_in_french(s, console):
    routed = submit(s, age=17)
    view = console.queue(QueueFilters(tab=TAB_BY_SLUG["en-attente"]))
    assert view.rows == [
        QueueRow(
            reference=routed.reference,
            created="24/11/2026 10:00",
            created_iso="2026-11-24T09:00:00.000000Z",
            channel="Formulaire jeune",
            age=17,
            departement="59",
            need="Soutien scolaire",
            association="Association first-asso",
            status="En attente de l'association",
            badge=None,
        )
    ]
    assert view.next_cursor is None
    assert [a.id for a in view.associations] == ["first-asso", "second-asso"]


def test_a_row_of_a_sparse_record_shows_raw_values(s, console):
    from chalicelib.domain.request import Request
    from chalicelib.services.ports import QueuedRecord

    sparse = Request.from_record(
        {
            "id": "0" * 32,
            "reference": "MNT-X",
            "created_at": "2026-07-01T22:30:00.000000Z",
            "channel": "fax",
            "status": "needs_triage",  # a record's status is one of the vocabulary's (domain/vocabulary.py)
            "fields": {"needs": ["orientation", "x"]},
        }
    )
    row = console._row(QueuedRecord(sparse, "declined"), s.directory.snapshot())
    assert row == QueueRow(
        reference="MNT-X",
        created="02/07/2026 00:30",
        created_iso="2026-07-01T22:30:00.000000Z",
        channel="fax",
        age=None,
        departement=None,
        need="Orientation (choisir une voie, un métier)",
        association=None,
        status="À trier",
        badge="Refusée par une association",
    )
    bare = Request.from_record(
        {"id": "1" * 32, "reference": "MNT-Y", "channel": "", "status": "closed", "created_at": sparse.created_at}
    )
    row = console._row(QueuedRecord(bare, None), s.directory.snapshot())
    assert (row.channel, row.need, row.status, row.badge) == ("", None, "Close", None)


def test_the_tabs_count_the_requests_of_each_status(s, console):
    submit(s)
    submit(s, **PARIS)
    submit(s, **PARIS)
    view = console.queue(QueueFilters())
    assert [(t.slug, n) for t, n in view.counts] == [
        ("a-trier", 2),
        ("en-attente", 1),
        ("acceptees", 0),
        ("closes", 0),
        ("toutes", 3),
    ]
    assert [t.label for t in TABS] == ["À trier", "En attente", "Acceptées", "Closes", "Toutes"]
    assert [r.status for r in view.rows] == ["À trier", "À trier"]


def test_the_date_range_holds_whole_paris_days(s, console, clock):
    first = submit(s, **PARIS)
    clock.advance(days=1)
    second = submit(s, **PARIS)
    clock.advance(days=1)
    third = submit(s, **PARIS)
    at = console.queue(QueueFilters(date_from=date(2026, 11, 25), date_to=date(2026, 11, 25)))
    assert [r.reference for r in at.rows] == [second.reference]
    until = console.queue(QueueFilters(date_to=date(2026, 11, 24)))
    assert [r.reference for r in until.rows] == [first.reference]
    since = console.queue(QueueFilters(date_from=date(2026, 11, 25)))
    assert [r.reference for r in since.rows] == [third.reference, second.reference]


def test_the_filters_the_indexes_cannot_answer_apply_to_each_row(s, console):
    submit(s, **PARIS)
    lille = submit(s, postal_code="59000", city="Lille", need="orientation")
    mail = submit(s, Channel.API, **PARIS)
    toutes = TAB_BY_SLUG["toutes"]
    assert [r.reference for r in console.queue(QueueFilters(tab=toutes, departement="59")).rows] == [lille.reference]
    assert [r.reference for r in console.queue(QueueFilters(tab=toutes, need="orientation")).rows] == [lille.reference]
    assert [r.reference for r in console.queue(QueueFilters(tab=toutes, channel="api")).rows] == [mail.reference]
    assert [r.reference for r in console.queue(QueueFilters(tab=toutes, association="second-asso")).rows] == [
        lille.reference
    ]


def test_a_filtered_page_is_filled_over_several_reads_up_to_the_page_size(s, console, clock):
    made = []
    for i in range(60):
        clock.advance(seconds=1)
        made.append(submit(s, **(PARIS if i % 2 else {})))
    view = console.queue(QueueFilters(tab=TAB_BY_SLUG["toutes"], departement="75"))
    rows = [r.reference for r in view.rows]
    assert all(r.departement == "75" for r in view.rows)
    paris = [m.reference for i, m in enumerate(made) if i % 2]
    # newest first, every other one in Paris; four reads of what is missing: 25 read (13 kept), 12 (6), 6 (3), 3 (1)
    assert rows == list(reversed(paris))[: len(rows)]
    assert len(rows) == 23
    assert view.next_cursor is not None


def test_a_counter_below_zero_counts_as_none(s, console, clock):
    submit(s, **PARIS)
    s.stores.recount.replace_status_counts(
        {
            ("routed", "2026-11-24"): (-2, clock.now().epoch + 86400),
            ("needs_triage", "2026-11-24"): (1, clock.now().epoch + 86400),
        }
    )
    assert console.counts() == {"a-trier": 1, "en-attente": 0, "acceptees": 0, "closes": 0, "toutes": 1}


def test_the_form_s_values_are_cut_to_their_size():
    f = QueueFilters.parse(
        {
            "departement": "9741",
            "association": "a" * 80,
            "canal": "form" + " " * 30,
            "besoin": "scolaire",
            "onglet": "en-attente",
        }
    )
    assert f.departement == "974"
    assert f.association == "a" * 64
    assert f.channel == "form"
    assert f.need == "scolaire"
    assert f.tab.slug == "en-attente" and f.tab.label == "En attente"
    assert QueueFilters.parse({"du": "2026-11-01T10:00"}).date_from == date(2026, 11, 1)
    assert QueueFilters.parse({"association": "   "}).association is None
