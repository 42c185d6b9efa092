"""The statistics' arithmetic (domain/statistics.py), the SVG charts (web/svg_charts.py)
and the CSV files (services/exports.py): pure, no storage."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC

import pytest

from chalicelib.domain.paris_time import paris_day
from chalicelib.domain.request import Event
from chalicelib.domain.statistics import (
    AssociationFigures,
    answer_bucket,
    build_report,
    change_counts,
    hours_label,
    percent_label,
    period_days,
    quantile_hours,
    replay_counts,
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
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    moment = datetime(2027, 1, 1, 0, 17, tzinfo=UTC)
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


# -- The statistics an operator reads: a period's report figure by figure, the recount of stored
# timelines, and the French duration labels.


T0 = "2026-11-24T09:00:00Z"  # 10:00 in Paris
T1 = "2026-11-24T14:00:00Z"  # five hours later
T2 = "2026-11-26T10:00:00Z"  # 44 hours after T1


def ev(seq, at, kind, actor="routing", **detail):
    return {"seq": seq, "at": at, "type": kind, "actor": actor, "detail": detail}


# -- recount of a stored timeline ---------------------------------------------------------


def test_a_timeline_is_replayed_change_by_change_whatever_its_stored_order():
    events = [
        ev(4, T1, "routed", association="a2"),
        ev(2, T0, "routed", association="a1"),
        ev(5, T2, "accepted", actor="a2"),
        ev(3, T1, "declined", actor="a1", reason="complet"),
        ev(1, T0, "received", actor="system"),
    ]
    assert replay_counts({"channel": "email"}, events) == {
        ("2026-11-24", None): {"received_email": 1, "routed": 2, "first_routed": 1, "declined_complet": 1},
        ("2026-11-24", "a1"): {"routed": 1, "declined": 1, "h8": 1},  # answered after 5 hours
        ("2026-11-24", "a2"): {"routed": 1},
        ("2026-11-26", None): {"accepted": 1},
        ("2026-11-26", "a2"): {"accepted": 1, "h48": 1},  # 44 hours after it was routed to a2
    }


def test_the_sequence_orders_events_of_the_same_instant():
    events = [ev("2", T0, "routed", association="a1"), ev("1", T0, "received", actor="form")]
    assert replay_counts({"channel": "form"}, events) == {
        ("2026-11-24", None): {"received_form": 1, "routed": 1, "first_routed": 1},
        ("2026-11-24", "a1"): {"routed": 1},
    }


def test_a_routing_step_at_another_instant_is_a_change_of_its_own():
    events = [ev(1, T0, "received", actor="form"), ev(2, T1, "routed", association="a1")]
    assert replay_counts({"channel": "referent_form"}, events) == {
        ("2026-11-24", None): {"received_referent_form": 1, "routed": 1},  # not counted as a first routing
        ("2026-11-24", "a1"): {"routed": 1},
    }


def test_an_answer_without_actor_goes_to_the_association_holding_the_request():
    events = [
        ev(1, T0, "received", actor="form"),
        ev(2, T0, "routed", association="a1"),
        ev(3, T1, "accepted", actor=""),
    ]
    assert replay_counts({"channel": "form"}, events) == {
        ("2026-11-24", None): {"received_form": 1, "routed": 1, "first_routed": 1, "accepted": 1},
        ("2026-11-24", "a1"): {"routed": 1, "accepted": 1, "h8": 1},
    }


def test_after_triage_nobody_holds_the_request_until_an_operator_assigns_it():
    events = [
        ev(1, T0, "received", actor="form"),
        ev(2, T0, "needs_triage", reason="aucune"),
        ev(3, T1, "declined", actor="", reason="profil"),
        ev(4, T1, "assigned", actor="op@reseau.example.org", association="a3"),
        ev(5, T2, "declined", actor="", reason="territoire"),
    ]
    assert replay_counts({"channel": "form"}, events) == {
        ("2026-11-24", None): {
            "received_form": 1,
            "triage": 1,
            "first_triage": 1,
            "declined_profil": 1,
            "routed": 1,
            "assigned": 1,
        },
        ("2026-11-24", "a3"): {"routed": 1},
        ("2026-11-26", None): {"declined_territoire": 1},
        ("2026-11-26", "a3"): {"declined": 1, "h48": 1},
    }


def test_a_routing_after_triage_gives_the_request_to_the_routed_association():
    events = [
        ev(1, T0, "received", actor="form"),
        ev(2, T0, "needs_triage", reason="x"),
        ev(3, T1, "routed", association="a4"),
        ev(4, T2, "accepted", actor=""),
    ]
    assert replay_counts({"channel": "form"}, events)[("2026-11-26", "a4")] == {"accepted": 1, "h48": 1}


# -- what one change counts ------------------------------------------------------------------


def test_a_bounce_counts_against_the_association_whose_mail_bounced():
    counts = change_counts(
        [
            Event(T0, "bounced", "system", {"association": "a1"}),
            Event(T0, "needs_triage", "routing", {"reason": "bounce"}),
        ],
        {"channel": "form"},
    )
    assert counts == {("2026-11-24", None): {"bounced": 1, "triage": 1}, ("2026-11-24", "a1"): {"bounced": 1}}
    assert change_counts([Event(T0, "bounced", "system", {})], {"channel": "form"}) == {
        ("2026-11-24", None): {"bounced": 1}
    }


def test_an_answer_times_from_the_request_s_assignment_when_no_earlier_one_is_given():
    assigned_at = 1_795_510_800  # T0
    counts = change_counts([Event(T1, "accepted", "a1")], {"channel": "form", "assigned_at": assigned_at})
    assert counts == {("2026-11-24", None): {"accepted": 1}, ("2026-11-24", "a1"): {"accepted": 1, "h8": 1}}
    untimed = change_counts([Event(T1, "accepted", "a1")], {"channel": "form"})
    assert untimed == {("2026-11-24", None): {"accepted": 1}, ("2026-11-24", "a1"): {"accepted": 1}}
    by_default = change_counts([Event(T1, "declined", "", {})], {"channel": "form", "association_id": "a2"})
    assert by_default == {("2026-11-24", None): {"declined_autre": 1}, ("2026-11-24", "a2"): {"declined": 1}}


def test_a_closing_without_reason_counts_as_other_and_an_unknown_channel_as_its_actor():
    assert change_counts([Event(T0, "closed", "op", {})], {}) == {("2026-11-24", None): {"closed_other": 1}}
    assert change_counts([Event(T0, "received", "api")], {}) == {("2026-11-24", None): {"received_api": 1}}
    assert change_counts([Event(T0, "received", "")], {}) == {("2026-11-24", None): {"received_unknown": 1}}


# -- a period's report ------------------------------------------------------------------------


def period():
    days = [
        ("2026-11-24", {"received_form": 9, "first_routed": 9}),  # the day before the period
        (
            "2026-11-25",
            {
                "received_form": 2,
                "received_api": 1,
                "first_routed": 2,
                "first_triage": 1,
                "accepted": 1,
                "declined_complet": 1,
                "declined_autre": 0,
                "closed_duplicate": 1,
                "bounced": 1,
                "silence": 1,
            },
        ),
        ("2026-12-08", {"received_email": 1, "received_fax": 1, "closed_other": 2, "closed_spam": 0, "bounced": 1}),
        ("2026-12-09", {"received_email": 5}),  # the day after
    ]
    per = [
        ("2026-11-25", "a1", {"routed": 1, "accepted": 1, "h2": 1}),
        ("2026-11-26", "a2", {"routed": 3, "declined": 1, "bounced": 2, "silence": 1, "h1": 1}),
        ("2026-11-26", "a3", {"accepted": 1}),
        ("2026-11-27", "a4", {"routed": 1}),
        ("2026-11-20", "a1", {"routed": 10}),  # before the period
        ("2026-12-09", "a4", {"routed": 10}),  # after
    ]
    return build_report("2026-11-25", "2026-12-08", days, per, {"a1": "Bravo", "a2": "Zeta", "a4": "alpha"})


def test_a_report_counts_the_period_only_week_by_week_and_channel_by_channel():
    r = period()
    assert (r.first_day, r.last_day) == ("2026-11-25", "2026-12-08")
    assert r.weeks == ["2026-11-23", "2026-11-30", "2026-12-07"]
    assert r.weekly == {"2026-11-23": {"form": 2, "api": 1}, "2026-11-30": {}, "2026-12-07": {"email": 1, "fax": 1}}
    assert r.channels == ["form", "referent_form", "api", "email", "fax"]
    assert r.received == 5


def test_a_report_concludes_accepted_declined_silent_and_bounced_requests():
    r = period()
    assert (r.first_routed, r.first_triage, r.accepted, r.concluded) == (2, 1, 1, 5)
    assert r.declines == {"complet": 1}
    assert r.closed == {"duplicate": 1, "other": 2}
    assert r.routed_rate == pytest.approx(2 / 3) and r.triage_rate == pytest.approx(1 / 3)
    assert r.acceptance_rate == pytest.approx(1 / 5)


def test_a_report_lists_associations_by_routed_requests_then_name():
    r = period()
    assert [(a.id, a.name, a.routed, a.accepted, a.declined, a.unanswered) for a in r.associations] == [
        ("a2", "Zeta", 3, 0, 1, 3),  # one silence and two bounces unanswered
        ("a4", "alpha", 1, 0, 0, 0),
        ("a1", "Bravo", 1, 1, 0, 0),
        ("a3", "a3", 0, 1, 0, 0),  # no name known: its id; never routed in the period
    ]
    a2, a4, a1, a3 = r.associations
    assert (a2.median_hours, a2.p90_hours) == (pytest.approx(0.5), pytest.approx(0.9))
    assert (a1.median_hours, a1.p90_hours) == (pytest.approx(1.5), pytest.approx(1.9))
    assert (a4.median_hours, a4.p90_hours, a3.median_hours) == (None, None, None)
    assert a2.concluded == 4 and a2.acceptance == 0.0 and a1.acceptance == 1.0 and a4.acceptance is None
    assert a3 == AssociationFigures("a3", "a3", 0, 1, 0, 0, None, None)


def test_an_empty_period_reports_zeros_and_no_rates():
    r = build_report("2026-11-23", "2026-11-29", [], [], {})
    assert r.weeks == ["2026-11-23"] and r.weekly == {"2026-11-23": {}}
    assert r.channels == ["form", "referent_form", "email"]
    assert (r.received, r.first_routed, r.first_triage, r.accepted, r.concluded) == (0, 0, 0, 0, 0)
    assert (r.declines, r.closed, r.associations) == ({}, {}, [])
    assert (r.routed_rate, r.triage_rate, r.acceptance_rate) == (None, None, None)


def test_a_report_shows_the_channels_asked_for():
    r = build_report(
        "2026-11-23",
        "2026-11-29",
        [("2026-11-24", {"received_api": 2})],
        [],
        {},
        channel_labels={"form": "F", "api": "A"},
        shown=("form",),
    )
    assert r.channels == ["form", "api"] and r.weekly == {"2026-11-23": {"api": 2}} and r.received == 2


# -- labels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hours, label",
    [
        (0.0, "1 min"),
        (0.001, "1 min"),
        (0.5, "30 min"),
        (0.999, "60 min"),
        (1.0, "1,0 h"),
        (1.5, "1,5 h"),
        (1.99, "2,0 h"),
        (9.94, "9,9 h"),
        (10.0, "10 h"),
        (47.4, "47 h"),
        (48.0, "2,0 j"),
        (84.0, "3,5 j"),
    ],
)
def test_durations_read_in_minutes_hours_or_days(hours, label):
    assert hours_label(hours) == label


def test_percentages_read_rounded():
    assert (percent_label(None), percent_label(0.0), percent_label(0.666), percent_label(1.0)) == (
        "—",
        "0 %",
        "67 %",
        "100 %",
    )


def test_a_request_sent_back_to_triage_is_no_longer_held_by_its_association():
    events = [
        ev(1, T0, "received", actor="form"),
        ev(2, T0, "routed", association="a1"),
        ev(3, T1, "rerouted", actor="system", association="a1"),
        ev(4, T1, "needs_triage", reason="x"),
        ev(5, T2, "declined", actor="", reason="autre"),
    ]
    assert replay_counts({"channel": "form"}, events) == {
        ("2026-11-24", None): {"received_form": 1, "routed": 1, "first_routed": 1, "silence": 1, "triage": 1},
        ("2026-11-24", "a1"): {"routed": 1, "silence": 1},
        ("2026-11-26", None): {"declined_autre": 1},
    }


def test_the_counts_of_a_change_add_up_event_by_event():
    assigned_at = 1_795_510_800  # T0
    events = [
        Event(T1, "received", "form"),
        Event(T1, "received", "form"),
        Event(T1, "routed", "routing", {"association": "a1"}),
        Event(T1, "routed", "routing", {}),
        Event(T1, "assigned", "op", {"association": "a1"}),
        Event(T1, "assigned", "op", {"association": "a1"}),
        Event(T1, "needs_triage", "routing", {}),
        Event(T1, "needs_triage", "routing", {}),
        Event(T1, "accepted", "a1"),
        Event(T1, "accepted", "a1"),
        Event(T1, "declined", "a1", {"reason": "complet"}),
        Event(T1, "declined", "a1", {"reason": "complet"}),
        Event(T1, "rerouted", "op", {"association": "a1", "mode": "operator"}),
        Event(T1, "rerouted", "op", {"association": "a1", "mode": "operator"}),
        Event(T1, "rerouted", "system", {"association": "a1"}),
        Event(T1, "rerouted", "system", {"association": "a1"}),
        Event(T1, "bounced", "system", {"association": "a1"}),
        Event(T1, "bounced", "system", {"association": "a1"}),
        Event(T1, "closed", "op", {"reason": "duplicate"}),
        Event(T1, "closed", "op", {"reason": "duplicate"}),
    ]
    counts = change_counts(events, {"channel": "email", "association_id": "a1", "assigned_at": assigned_at})
    assert counts == {
        ("2026-11-24", None): {
            "received_email": 2,
            "routed": 4,
            "assigned": 2,
            "first_routed": 4,
            "triage": 2,
            "first_triage": 2,
            "accepted": 2,
            "declined_complet": 2,
            "rerouted_by_operator": 2,
            "silence": 2,
            "bounced": 2,
            "closed_duplicate": 2,
        },
        ("2026-11-24", "a1"): {"routed": 4, "accepted": 2, "declined": 2, "h8": 4, "silence": 2, "bounced": 2},
    }


def test_a_routing_that_names_no_association_counts_for_the_request_s_association():
    counts = change_counts([Event(T0, "routed", "routing", {})], {"channel": "form", "association_id": "a7"})
    assert counts == {("2026-11-24", None): {"routed": 1}, ("2026-11-24", "a7"): {"routed": 1}}


def test_events_between_a_routing_and_the_answer_leave_the_request_with_its_association():
    events = [
        ev(1, T0, "received", actor="form"),
        ev(2, T0, "routed", association="a1"),
        ev(3, T1, "reminded", actor="system"),
        ev(4, T2, "accepted", actor=""),
    ]
    assert replay_counts({"channel": "form"}, events)[("2026-11-26", "a1")] == {"accepted": 1, "h72": 1}  # 49 hours


def test_an_old_timeline_without_sequence_numbers_is_replayed_in_time_order():
    events = [
        {"at": T2, "type": "accepted", "actor": "a1", "detail": {}},
        {"at": T0, "type": "received", "actor": "form", "detail": {}},
        {"at": T0, "type": "routed", "actor": "routing", "detail": {"association": "a1"}},
    ]
    assert replay_counts({"channel": "form"}, events) == {
        ("2026-11-24", None): {"received_form": 1, "routed": 1, "first_routed": 1},
        ("2026-11-24", "a1"): {"routed": 1},
        ("2026-11-26", None): {"accepted": 1},
        ("2026-11-26", "a1"): {"accepted": 1, "h72": 1},
    }


def test_a_period_ending_on_a_monday_includes_that_week_and_that_day():
    days = [
        ("2026-11-24", {"received_form": 1}),
        ("2026-11-26", {"received_form": 2, "received_email": 1}),
        ("2026-11-30", {"received_form": 4}),
    ]
    per = [("2026-11-30", "a1", {"routed": 2}), ("2026-11-23", "a1", {"routed": 1})]
    r = build_report("2026-11-23", "2026-11-30", days, per, {"a1": "Une"})
    assert r.weeks == ["2026-11-23", "2026-11-30"]
    assert r.weekly == {"2026-11-23": {"form": 3, "email": 1}, "2026-11-30": {"form": 4}}
    assert r.received == 8 and [(a.id, a.routed) for a in r.associations] == [("a1", 3)]


def test_associations_with_as_many_requests_are_listed_by_name_ignoring_case():
    per = [("2026-11-24", a, {"routed": 1}) for a in ("a1", "a2", "a3")]
    r = build_report("2026-11-23", "2026-11-29", [], per, {"a1": "tremplin_nord", "a2": "TremplinB", "a3": "Envol"})
    assert [a.name for a in r.associations] == ["Envol", "tremplin_nord", "TremplinB"]
