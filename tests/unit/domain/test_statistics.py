"""The statistics' arithmetic (domain/statistics.py), the SVG charts (web/svg_charts.py)
and the CSV files (services/exports.py): pure, no storage."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from chalicelib.domain.request import Event
from chalicelib.domain.paris_time import paris_day
from chalicelib.domain.statistics import (
    answer_bucket,
    build_report,
    change_counts,
    hours_label,
    period_days,
    quantile_hours,
    week_start,
)
from chalicelib.services.exports import QUEUE_HEADER, QueueFilters, queue_row, to_csv
from chalicelib.web import svg_charts

SVG = "{http://www.w3.org/2000/svg}"


# -- Europe/Paris days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, day",
    [
        ("2026-11-24T22:59:59Z", "2026-11-24"),  # winter: UTC+1
        ("2026-11-24T23:00:00Z", "2026-11-25"),
        ("2026-07-14T21:59:59.000001Z", "2026-07-14"),  # summer: UTC+2
        ("2026-07-14T22:00:00Z", "2026-07-15"),
        ("2026-03-29T00:59:59Z", "2026-03-29"),  # the spring change, 01:00 UTC on the last Sunday of March
        ("2026-03-28T22:30:00Z", "2026-03-28"),
        ("2026-03-29T22:30:00Z", "2026-03-30"),
        ("2026-10-25T00:30:00Z", "2026-10-25"),  # the autumn change, still summer time
        ("2026-10-25T22:30:00Z", "2026-10-25"),  # winter time again: 23:30 in Paris
        ("2026-10-24T22:30:00Z", "2026-10-25"),  # summer: 00:30 in Paris
    ],
)
def test_paris_day_follows_the_eu_summer_time_rule(at, day):
    assert paris_day(at) == day


def test_the_rule_agrees_with_the_time_zone_database_over_a_year():
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2027, 1, 1, 0, 17, tzinfo=timezone.utc)
    for _ in range(365 * 4):
        moment += timedelta(hours=6)
        assert paris_day(int(moment.timestamp())) == moment.astimezone(paris).date().isoformat()


def test_a_period_starts_on_the_monday_weeks_back_and_ends_today():
    assert week_start("2026-11-26") == "2026-11-23"
    assert period_days("2026-11-26", 4) == ("2026-11-02", "2026-11-26")
    assert period_days("2026-11-23", 1) == ("2026-11-23", "2026-11-23")


# -- what a change counts --------------------------------------------------------------------


def test_an_intake_counts_its_channel_and_where_it_went():
    request = {"channel": "referent_form", "association_id": "a1"}
    counts = change_counts(
        [
            Event("2026-11-24T09:00:00Z", "received", "referent_form"),
            Event("2026-11-24T09:00:00Z", "routed", "routing", {"association": "a1"}),
        ],
        request,
    )
    assert counts == {
        ("2026-11-24", None): {"received_referent_form": 1, "routed": 1, "first_routed": 1},
        ("2026-11-24", "a1"): {"routed": 1},
    }
    triaged = change_counts(
        [
            Event("2026-11-24T09:00:00Z", "received", "form"),
            Event("2026-11-24T09:00:00Z", "needs_triage", "routing", {"reason": "x"}),
        ],
        {"channel": "form"},
    )
    assert triaged == {("2026-11-24", None): {"received_form": 1, "triage": 1, "first_triage": 1}}


def test_a_decline_routed_onward_counts_the_answer_time_of_the_one_who_declined():
    assigned = 1_795_510_800  # 2026-11-24T09:00:00Z
    counts = change_counts(
        [
            Event("2026-11-24T14:00:00Z", "declined", "a1", {"reason": "complet", "comment": ""}),
            Event("2026-11-24T14:00:00Z", "routed", "routing", {"association": "a2"}),
        ],
        {"channel": "form", "association_id": "a2", "assigned_at": assigned + 5 * 3600},
        assigned_before=assigned,
    )
    assert counts[("2026-11-24", None)] == {"declined_complet": 1, "routed": 1}  # not a first routing
    assert counts[("2026-11-24", "a1")] == {"declined": 1, "h8": 1}  # 5 hours: the (4, 8] bucket
    assert counts[("2026-11-24", "a2")] == {"routed": 1}


def test_silence_bounce_assignment_and_closing_are_counted_apart():
    at = "2026-11-24T09:00:00Z"
    counts = change_counts(
        [
            Event(at, "rerouted", "system", {"association": "a1", "reason": "no answer"}),
            Event(at, "needs_triage", "routing", {"reason": "aucune"}),
        ],
        {"channel": "form"},
    )
    assert counts == {("2026-11-24", None): {"silence": 1, "triage": 1}, ("2026-11-24", "a1"): {"silence": 1}}
    assigned = change_counts(
        [Event(at, "assigned", "op@reseau.example.org", {"association": "a3"})], {"channel": "form"}
    )
    assert assigned == {("2026-11-24", None): {"routed": 1, "assigned": 1}, ("2026-11-24", "a3"): {"routed": 1}}
    by_hand = change_counts(
        [Event(at, "rerouted", "op@reseau.example.org", {"association": "a1", "mode": "operator"})], {"channel": "form"}
    )
    assert by_hand == {("2026-11-24", None): {"rerouted_by_operator": 1}}, "an operator's choice is not a silence"
    closed = change_counts([Event(at, "closed", "op@reseau.example.org", {"reason": "duplicate"})], {"channel": "form"})
    assert closed == {("2026-11-24", None): {"closed_duplicate": 1}}
    assert change_counts([Event(at, "viewed", "op@reseau.example.org")], {"channel": "form"}) == {}


@pytest.mark.parametrize(
    "seconds, bucket",
    [
        (0, "h1"),
        (3600, "h1"),
        (3601, "h2"),
        (86400, "h24"),
        (86401, "h36"),
        (720 * 3600, "h720"),
        (720 * 3600 + 1, "hover"),
        (-5, "h1"),
    ],
)
def test_answer_buckets_have_inclusive_upper_bounds(seconds, bucket):
    assert answer_bucket(seconds) == bucket


# -- median and p90 from a histogram ------------------------------------------------------------


def test_quantiles_interpolate_inside_their_bucket():
    assert quantile_hours({}, 0.5) is None
    assert quantile_hours({"h1": 4}, 0.5) == pytest.approx(0.5)
    # 10 samples: 5 in (0, 1], 4 in (24, 36], 1 in (72, 96]
    histogram = {"h1": 5, "h36": 4, "h96": 1}
    assert quantile_hours(histogram, 0.5) == pytest.approx(1.0)
    assert quantile_hours(histogram, 0.9) == pytest.approx(36.0)
    assert quantile_hours(histogram, 0.95) == pytest.approx(84.0)
    assert quantile_hours({"hover": 3}, 0.5) == 720.0


def test_a_report_sums_days_weeks_and_associations():
    days = [
        (
            "2026-11-23",
            {
                "received_form": 2,
                "received_email": 1,
                "first_routed": 2,
                "first_triage": 1,
                "accepted": 1,
                "declined_complet": 1,
            },
        ),
        ("2026-11-30", {"received_form": 1, "first_routed": 1, "silence": 1, "declined_profil": 2}),
        ("2026-10-01", {"received_form": 50}),
    ]  # outside the period
    per = [
        ("2026-11-23", "a1", {"routed": 2, "accepted": 1, "declined": 1, "h1": 1, "h24": 1}),
        ("2026-11-30", "a1", {"routed": 1, "silence": 1}),
        ("2026-11-30", "a2", {"routed": 3}),
    ]
    r = build_report("2026-11-23", "2026-12-02", days, per, {"a1": "Une", "a2": "Deux"})
    assert r.weeks == ["2026-11-23", "2026-11-30"]
    assert r.weekly["2026-11-23"] == {"form": 2, "email": 1} and r.weekly["2026-11-30"] == {"form": 1}
    assert r.received == 4 and r.routed_rate == pytest.approx(0.75) and r.triage_rate == pytest.approx(0.25)
    assert r.declines == {"complet": 1, "profil": 2}
    assert r.accepted == 1 and r.concluded == 5 and r.acceptance_rate == pytest.approx(0.2)
    assert [(a.name, a.routed) for a in r.associations] == [("Deux", 3), ("Une", 3)]
    une = r.associations[1]
    assert (une.accepted, une.declined, une.unanswered) == (1, 1, 1) and une.acceptance == pytest.approx(1 / 3)
    assert une.median_hours == pytest.approx(1.0) and une.p90_hours == pytest.approx(21.6)  # 12 + 0.8 of (12, 24]


@pytest.mark.parametrize("hours, label", [(None, "—"), (0.25, "15 min"), (5.0, "5,0 h"), (30, "30 h"), (72, "3,0 j")])
def test_durations_read_in_french(hours, label):
    assert hours_label(hours) == label


# -- SVG -----------------------------------------------------------------------------------------


def charts():
    yield svg_charts.stacked_columns(
        "Par semaine <&>", "desc", ["23/11", "30/11"], [("Formulaire", [3, 0]), ("E-mail", [1, 2])]
    )
    yield svg_charts.horizontal_bars("Taux", "desc", [("Acceptées", 50.0, "50 %"), ("Une asso « & »", 0, "0 %")], 100)
    yield svg_charts.horizontal_bars("Vide", "desc", [])


@pytest.mark.parametrize("chart", list(charts()), ids=["columns", "bars", "empty"])
def test_charts_are_valid_svg_images_without_style_or_script(chart):
    root = ET.fromstring(str(chart))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}desc").get("id") == desc_id
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag not in {f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject"}


def test_a_column_chart_draws_each_value_in_proportion():
    root = ET.fromstring(str(svg_charts.stacked_columns("t", "d", ["a", "b"], [("x", [4, 0]), ("y", [0, 2])])))
    heights = sorted(
        float(r.get("height"))
        for r in root.iter(f"{SVG}rect")
        if float(r.get("width")) > 12 and r.get("fill") != "#ffffff"
    )
    assert heights[1] == pytest.approx(2 * heights[0])


# -- CSV -----------------------------------------------------------------------------------------


def test_csv_has_a_bom_semicolons_crlf_and_quotes_what_needs_it():
    body = to_csv(
        ("Référence", "Note"),
        [("MNT-1", "a;b"), ("MNT-2", "deux\nlignes"), ("MNT-3", 'un "mot"'), ("MNT-4", "=HYPERLINK(1)")],
    )
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.split("\r\n")[0] == "Référence;Note"
    assert '"a;b"' in text and '"deux\nlignes"' in text and '"un ""mot"""' in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[1:] == [["MNT-1", "a;b"], ["MNT-2", "deux\nlignes"], ["MNT-3", 'un "mot"'], ["MNT-4", "'=HYPERLINK(1)"]]


def test_a_queue_row_holds_no_contact_detail():
    record = {
        "reference": "MNT-AB12-CD34",
        "created_at": "2026-11-24T23:30:00Z",
        "channel": "form",
        "status": "routed",
        "association": {"id": "a", "name": "Asso"},
        "place": {"departement": "59"},
        "fields": {
            "age": 15,
            "need": "scolaire",
            "email": "lea@example.net",
            "phone": "0612345678",
            "first_name": "Léa",
        },
    }
    row = queue_row(record)
    assert row[:4] == ["MNT-AB12-CD34", "25/11/2026 00:30", "Formulaire jeune", "En attente"]
    assert len(row) == len(QUEUE_HEADER) and QUEUE_HEADER[0] == "Référence"
    assert not {"lea@example.net", "0612345678", "Léa"} & {str(v) for v in row}


def test_queue_filters_read_the_queue_query_and_drop_unknown_values():
    f = QueueFilters.from_query(
        {
            "onglet": "closes",
            "canal": "fax",
            "besoin": "scolaire",
            "du": "2026-13-01",
            "au": "2026-11-30",
            "departement": "59",
            "page": "abc",
        }
    )
    assert f.status == "closed" and f.canal == "" and f.besoin == "scolaire" and f.du == "" and f.au == "2026-11-30"
    assert f.as_query() == {"onglet": "closes", "besoin": "scolaire", "au": "2026-11-30", "departement": "59"}
    assert QueueFilters.from_query({"onglet": "nope"}).status == "needs_triage"
    assert QueueFilters.from_query({"onglet": "toutes"}).status is None
    late = {"created_at": "2026-11-30T23:30:00Z", "fields": {"need": "scolaire"}, "place": {"departement": "59"}}
    assert not f.matches(late), "23:30 UTC on the 30th is the 1st of December in Paris"
