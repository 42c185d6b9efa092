"""The statistics an operator reads: a period's report figure by figure, the recount of
stored timelines, and the French duration labels."""

from __future__ import annotations

import pytest

from chalicelib.domain.change import Event
from chalicelib.domain.statistics import (
    AssociationFigures,
    build_report,
    change_counts,
    hours_label,
    percent_label,
    replay_counts,
)

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
