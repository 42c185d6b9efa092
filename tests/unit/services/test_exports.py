"""The console's CSV exports as an operator opens them in a spreadsheet: the queue's
columns and values, the statistics' long table with its French labels, the cells a
spreadsheet would run as formulas, the file names, and the record each export leaves
(who, what, how many rows, which filters). In-memory stores."""

from __future__ import annotations

import pytest

from chalicelib.domain.statistics import AssociationFigures, Report
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.exports import ExportService, QueueFilters, queue_row, statistics_rows, to_csv
from chalicelib.services.statistics import StatisticsService
from tests.builders import TWO_ASSOCIATIONS as DIRECTORY
from tests.builders import make_memory_services, request_of, youth

HEADER = "Référence;Reçue le;Canal;Statut;Association;Département;Besoin;Âge;Motif de tri\r\n"


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


@pytest.fixture
def exports(s, clock, settings):
    statistics = StatisticsService(stats=s.stores.stats, directory=s.directory, clock=clock)
    return ExportService(
        requests=s.stores.requests, stats=s.stores.stats, statistics=statistics, clock=clock, settings=settings
    )


def recorded(s, clock):
    return [{k: v for k, v in e.items() if k not in {"id"}} for e in s.stores.stats.list_exports(clock.now().epoch, 10)]


# -- to_csv ---------------------------------------------------------------------------------


def test_csv_has_a_bom_semicolons_crlf_and_quotes_only_what_needs_it():
    body = to_csv(("A", "B", "C"), [["x;y", 'say "hi"', "line\nbreak"], [None, 3, "plain"]])
    assert body == ('\ufeffA;B;C\r\n"x;y";"say ""hi""";"line\nbreak"\r\n;3;plain\r\n').encode("utf-8")


@pytest.mark.parametrize("value", ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_prefixed_with_an_apostrophe(value):
    body = to_csv(("A",), [[value]]).decode("utf-8-sig")
    cell = body.split("\r\n", 1)[1]
    assert cell.lstrip('"').startswith("'" + value[0])


def test_an_ordinary_cell_is_left_as_it_is():
    assert to_csv(("A",), [["a=b"], [0], [""]]) == '\ufeffA\r\na=b\r\n0\r\n""\r\n'.encode("utf-8")


def test_a_missing_value_is_an_empty_cell():
    assert to_csv(("A", "B"), [[None, "x"]]) == "\ufeffA;B\r\n;x\r\n".encode("utf-8")


# -- queue_row --------------------------------------------------------------------------------


def record(**overrides):
    r = {
        "reference": "MNT-AAAA-BBBB",
        "created_at": "2026-11-24T09:00:00.000000Z",
        "channel": "referent_form",
        "status": "accepted",
        "association": {"id": "a", "name": "Les Amis"},
        "place": {"departement": "59"},
        "fields": {"need": "orientation", "age": 17},
        "triage_reason": "why",
    }
    r.update(overrides)
    return r


def test_a_queue_row_holds_each_column_in_french():
    assert queue_row(record()) == [
        "MNT-AAAA-BBBB",
        "24/11/2026 10:00",
        "Formulaire référent",
        "Acceptée",
        "Les Amis",
        "59",
        "Orientation (choisir une voie, un métier)",
        17,
        "why",
    ]


def test_a_queue_row_of_a_sparse_record_has_blanks_and_raw_unknown_values():
    r = {"reference": "MNT-X", "created_at": "2026-07-01T22:30:00.000000Z", "channel": "fax", "status": "weird"}
    assert queue_row(r) == ["MNT-X", "02/07/2026 00:30", "fax", "weird", "", "", "", "", ""]


def test_a_queue_row_without_status_or_channel_leaves_them_blank():
    row = queue_row(record(status=None, channel=None, association=None, place=None, fields=None, triage_reason=None))
    assert row[2:] == [None, None, "", "", "", "", ""]


def test_a_queue_row_of_an_unknown_need_and_age_zero():
    row = queue_row(record(fields={"need": "astrologie", "age": 0}))
    assert row[6:8] == ["", 0]


@pytest.mark.parametrize(
    "status,label",
    [("needs_triage", "À trier"), ("routed", "En attente"), ("accepted", "Acceptée"), ("closed", "Close")],
)
def test_each_status_has_its_label(status, label):
    assert queue_row(record(status=status))[3] == label


@pytest.mark.parametrize("channel,label", [("form", "Formulaire jeune"), ("api", "API"), ("email", "E-mail")])
def test_each_channel_has_its_label(channel, label):
    assert queue_row(record(channel=channel))[2] == label


# -- QueueFilters.from_query -----------------------------------------------------------------


def test_filters_from_the_query_string():
    f = QueueFilters.from_query(
        {
            "onglet": "closes",
            "canal": "email",
            "association": " asso-1 ",
            "departement": "2a",
            "besoin": "scolaire",
            "du": "2026-11-01",
            "au": "2026-11-30",
        }
    )
    assert f == QueueFilters(
        onglet="closes",
        canal="email",
        association="asso-1",
        departement="2A",
        besoin="scolaire",
        du="2026-11-01",
        au="2026-11-30",
    )
    assert f.as_query() == {
        "onglet": "closes",
        "canal": "email",
        "association": "asso-1",
        "departement": "2A",
        "besoin": "scolaire",
        "du": "2026-11-01",
        "au": "2026-11-30",
    }


def test_unknown_filter_values_fall_back_to_the_defaults():
    f = QueueFilters.from_query(
        {"onglet": "nope", "canal": "fax", "besoin": "astrologie", "du": "demain", "au": "2026-13-01"}
    )
    assert f == QueueFilters()
    assert QueueFilters.from_query(None) == QueueFilters()
    assert QueueFilters.from_query({}).as_query() == {"onglet": "a-trier"}


# -- statistics_rows ----------------------------------------------------------------------------


def test_the_statistics_rows_name_each_table_line_and_column():
    report = Report(
        first_day="2026-11-16",
        last_day="2026-11-24",
        weeks=["2026-11-16", "2026-11-23"],
        channels=["form", "carrier_pigeon"],
        weekly={"2026-11-23": {"form": 3, "carrier_pigeon": 1}},
        received=4,
        first_routed=3,
        first_triage=1,
        accepted=1,
        concluded=2,
        declines={"complet": 2, "mystery": 1},
        closed={},
        associations=[
            AssociationFigures(
                id="a",
                name="Les Amis",
                routed=3,
                accepted=1,
                declined=1,
                unanswered=0,
                median_hours=5.0,
                p90_hours=72.0,
            )
        ],
    )
    assert statistics_rows(report) == [
        ["Demandes reçues par semaine", "Semaine du 2026-11-16", "Formulaire jeune", 0],
        ["Demandes reçues par semaine", "Semaine du 2026-11-16", "carrier_pigeon", 0],
        ["Demandes reçues par semaine", "Semaine du 2026-11-23", "Formulaire jeune", 3],
        ["Demandes reçues par semaine", "Semaine du 2026-11-23", "carrier_pigeon", 1],
        ["Taux", "Demandes reçues", "Nombre", 4],
        ["Taux", "Orientées dès la réception", "Part", "75 %"],
        ["Taux", "Envoyées au tri", "Part", "25 %"],
        ["Taux", "Acceptées par l'association", "Part", "50 %"],
        ["Associations", "Les Amis", "Orientées", 3],
        ["Associations", "Les Amis", "Acceptées", 1],
        ["Associations", "Les Amis", "Taux d'acceptation", "50 %"],
        ["Associations", "Les Amis", "Délai de réponse médian", "5,0 h"],
        ["Associations", "Les Amis", "Délai de réponse (90e centile)", "3,0 j"],
        ["Refus par motif", "Plus de place", "Nombre", 2],
        ["Refus par motif", "mystery", "Nombre", 1],
    ]


# -- the services --------------------------------------------------------------------------------


def test_the_queue_export_lists_every_request_of_the_tab_newest_first_and_is_recorded(s, exports, clock):
    first = s.submit(request_of(youth(), Channel.FORM))
    nowhere = s.submit(request_of(youth(postal_code="75001", city="Paris", age=19), Channel.FORM))
    export = exports.queue_export(QueueFilters(onglet="toutes"), "op@example.org")
    assert export.filename == "demandes-toutes-2026-11-24.csv"
    assert export.rows == 2
    text = export.body.decode("utf-8-sig")
    assert text.startswith(HEADER)
    lines = text.split("\r\n")[1:-1]
    assert len(lines) == 2
    assert sorted(line.split(";")[0] for line in lines) == sorted([first.reference, nowhere.reference])
    assert recorded(s, clock) == [
        {
            "at": "2026-11-24T09:00:00.000000Z",
            "kind": "demandes",
            "operator": "op@example.org",
            "rows": 2,
            "filters": {"onglet": "toutes"},
        }
    ]


def test_the_triage_tab_export_holds_only_what_waits_for_triage(s, exports, clock):
    s.submit(request_of(youth(), Channel.FORM))
    nowhere = s.submit(request_of(youth(postal_code="75001", city="Paris"), Channel.FORM))
    export = exports.queue_export(QueueFilters(), "op")
    assert export.filename == "demandes-a-trier-2026-11-24.csv"
    assert export.body.decode("utf-8-sig") == HEADER + (
        f"{nowhere.reference};24/11/2026 10:00;Formulaire jeune;À trier;;75;Soutien scolaire;15;"
        "no association covers département 75\r\n"
    )


def test_the_legacy_csv_call_gives_the_same_body_and_records_the_operator(s, exports, clock):
    s.submit(request_of(youth(), Channel.FORM))
    body = exports.export_queue_csv(QueueFilters(onglet="en-attente"), "op@example.org")
    assert body.decode("utf-8-sig").count("\r\n") == 2
    assert recorded(s, clock)[0]["operator"] == "op@example.org"
    assert recorded(s, clock)[0]["filters"] == {"onglet": "en-attente"}


def test_an_empty_queue_exports_its_header_only(s, exports, clock):
    export = exports.queue_export(QueueFilters(onglet="closes"), "op")
    assert export.body == ("\ufeff" + HEADER).encode("utf-8")
    assert export.rows == 0
    assert recorded(s, clock)[0]["rows"] == 0


def test_the_date_filters_keep_the_requests_of_their_days(s, exports, clock):
    old = s.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=3)
    new = s.submit(request_of(youth(), Channel.FORM))
    since = exports.queue_rows(QueueFilters(onglet="toutes", du="2026-11-25"))
    assert [r["reference"] for r in since] == [new.reference]
    both = exports.queue_rows(QueueFilters(onglet="toutes", du="2026-11-24"))
    assert [r["reference"] for r in both] == [new.reference, old.reference]
    until = exports.queue_rows(QueueFilters(onglet="toutes", au="2026-11-26"))
    assert [r["reference"] for r in until] == [old.reference]


def test_a_date_filter_on_a_single_stored_request(s, exports):
    only = s.submit(request_of(youth(), Channel.FORM))
    assert [r["reference"] for r in exports.queue_rows(QueueFilters(onglet="toutes", du="2026-11-01"))] == [
        only.reference
    ]


def test_the_other_filters_keep_what_matches(s, exports):
    roubaix = s.submit(request_of(youth(), Channel.FORM))
    paris = s.submit(request_of(youth(postal_code="75001", city="Paris", need="orientation"), Channel.FORM))
    assert [r["reference"] for r in exports.queue_rows(QueueFilters(onglet="toutes", departement="75"))] == [
        paris.reference
    ]
    assert [r["reference"] for r in exports.queue_rows(QueueFilters(onglet="toutes", besoin="orientation"))] == [
        paris.reference
    ]
    assert exports.queue_rows(QueueFilters(onglet="toutes", canal="email")) == []
    assert [r["reference"] for r in exports.queue_rows(QueueFilters(onglet="toutes", association="first-asso"))] == [
        roubaix.reference
    ]


def test_the_statistics_export_is_named_after_its_period_and_recorded(s, exports, clock):
    s.submit(request_of(youth(), Channel.FORM))
    export = exports.statistics_export(4, "op@example.org")
    assert export.filename == "statistiques-4-semaines-2026-11-24.csv"
    lines = export.body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "Tableau;Ligne;Colonne;Valeur"
    assert "Demandes reçues par semaine;Semaine du 2026-11-23;Formulaire jeune;1" in lines
    assert export.rows == len(lines) - 2
    assert recorded(s, clock) == [
        {
            "at": "2026-11-24T09:00:00.000000Z",
            "kind": "statistiques",
            "operator": "op@example.org",
            "rows": export.rows,
            "filters": {"periode": "4"},
        }
    ]


# -- past one page of storage, the statistics service ---------------------------------------------


def test_an_export_reads_every_page_of_the_storage_list(s, exports, clock):
    for _ in range(205):
        clock.advance(seconds=1)
        s.submit(request_of(youth(postal_code="75001", city="Paris"), Channel.FORM))
    export = exports.queue_export(QueueFilters(onglet="a-trier"), "op")
    assert export.rows == 205
    assert export.body.decode("utf-8-sig").count("\r\n") == 206
    assert len(exports.queue_rows(QueueFilters(onglet="a-trier", du="2026-11-24"))) == 205


def test_the_statistics_report_covers_the_period_asked_for(s, exports, clock):
    s.submit(request_of(youth(), Channel.FORM))
    s.submit(request_of(youth(postal_code="75001", city="Paris"), Channel.API))
    report = exports.statistics.report(4)
    assert (report.first_day, report.last_day) == ("2026-11-02", "2026-11-24")
    assert report.weeks == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert report.channels == ["form", "referent_form", "api", "email"]
    assert report.weekly["2026-11-23"] == {"form": 1, "api": 1}
    assert (report.received, report.first_routed, report.first_triage) == (2, 1, 1)
    assert [(a.id, a.name, a.routed) for a in report.associations] == [("first-asso", "Association first-asso", 1)]
    assert exports.statistics.report(12).first_day == "2026-09-07"


def test_the_recent_exports_are_listed_newest_first_up_to_the_limit(s, exports, clock):
    for weeks in (4, 12, 52):
        clock.advance(seconds=1)
        exports.statistics_export(weeks, f"op{weeks}@example.org")
    assert [e["operator"] for e in exports.statistics.recent_exports()] == [
        "op52@example.org",
        "op12@example.org",
        "op4@example.org",
    ]
    assert [e["filters"] for e in exports.statistics.recent_exports(2)] == [{"periode": "52"}, {"periode": "12"}]


@pytest.mark.parametrize(
    "value,weeks",
    [
        ("4", 4),
        ("12", 12),
        ("52", 52),
        (52, 52),
        ("5", 12),
        ("", 12),
        (None, 12),
        ("quatre", 12),
        ("５２", 12),
        ("٥٢", 12),
        ("²", 12),
        ("1_2", 12),
        (" 52", 12),
    ],
)
def test_the_period_asked_for_or_twelve_weeks(value, weeks):
    from chalicelib.services.statistics import period_of

    assert period_of(value) == weeks


def test_the_query_values_are_trimmed_and_cut_at_100_characters():
    f = QueueFilters.from_query({"association": "  " + "a" * 150, "onglet": "", "departement": None})
    assert f.association == "a" * 100
    assert f.onglet == "a-trier" and f.status == "needs_triage"
    assert QueueFilters(onglet="toutes").status is None
    assert QueueFilters(onglet="acceptees").status == "accepted"


def test_a_filter_matches_on_each_field_and_the_paris_day():
    r = {
        "created_at": "2026-11-24T23:30:00.000000Z",
        "channel": "email",
        "place": {"departement": "2a"},
        "fields": {"need": "orientation"},
    }
    assert QueueFilters(
        departement="2A", canal="email", besoin="orientation", du="2026-11-25", au="2026-11-25"
    ).matches(r)
    assert not QueueFilters(departement="2B").matches(r)
    assert not QueueFilters(canal="form").matches(r)
    assert not QueueFilters(besoin="scolaire").matches(r)
    assert not QueueFilters(du="2026-11-26").matches(r)
    assert not QueueFilters(au="2026-11-24").matches(r)
    assert not QueueFilters(departement="2A").matches({"created_at": "2026-11-24T09:00:00.000000Z"})
