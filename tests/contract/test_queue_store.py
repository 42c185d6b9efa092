"""The console queue's part of the RequestStore contract (QueueStore), on both
implementations: status counters moved in the intake and transition transactions (and
not by a refused one), the queue's pages with a creation window, `last_event` for the
activity badges, and an erasure rewriting the timeline in the same commit."""

from __future__ import annotations

import pytest

from chalicelib.services.ports import Event, QueueQuery, Rejected
from tests.contract.conftest import DAY, NOW, intake, iso, transition


def stored(stores, rid: str, now: int = NOW) -> dict:
    """The request as stored (its record), with its timeline and expiry."""
    return stores.requests.get(rid, now).to_record()


def test_counts_follow_intakes_and_transitions(stores):
    a, b = intake(), intake()
    triaged = intake(status="needs_triage", association=None)
    for w in (a, b, triaged):
        stores.requests.commit_new(w)
    assert stores.requests.status_counts(NOW) == {"routed": 2, "needs_triage": 1}
    stores.requests.commit_change(transition(stored(stores, a.record.id), NOW + 60, "accepted"))
    counts = stores.requests.status_counts(NOW + 60)
    assert counts["routed"] == 1 and counts["accepted"] == 1 and counts["needs_triage"] == 1


def test_a_transition_that_keeps_the_status_moves_no_count(stores):
    w = intake()
    stores.requests.commit_new(w)
    stores.requests.commit_change(transition(stored(stores, w.record.id), NOW + 60, "routed"))
    assert stores.requests.status_counts(NOW + 60) == {"routed": 1}


def test_a_refused_transition_moves_no_count(stores):
    w = intake()
    stores.requests.commit_new(w)
    seen = stored(stores, w.record.id)
    stores.requests.commit_change(transition(seen, NOW + 60, "accepted"))
    with pytest.raises(Rejected):
        stores.requests.commit_change(transition(seen, NOW + 120, "closed"))  # read before the accept
    assert stores.requests.status_counts(NOW + 120) == {"routed": 0, "accepted": 1}


def test_a_request_never_routed_moves_from_triage(stores):
    """A triaged request has no attempt yet: the console's first transition of it passes."""
    w = intake(status="needs_triage", association=None)
    stores.requests.commit_new(w)
    stores.requests.commit_change(transition(stored(stores, w.record.id), NOW + 60, "closed"))
    assert stored(stores, w.record.id, NOW + 60)["status"] == "closed"
    assert stores.requests.status_counts(NOW + 60) == {"needs_triage": 0, "closed": 1}


def test_counts_of_expired_requests_go_within_a_day_of_them(stores):
    w = intake(retention=10 * DAY)
    stores.requests.commit_new(w)
    assert stores.requests.status_counts(NOW + 10 * DAY - 1) == {"routed": 1}
    assert stores.requests.status_counts(NOW + 11 * DAY) == {}


def test_queue_pages_are_newest_first_by_status_with_a_window_and_last_event(stores):
    writes = [intake(created=NOW + i * 60) for i in range(5)]
    for w in writes:
        stores.requests.commit_new(w)
    triaged = intake(created=NOW + 400, status="needs_triage", association=None)
    stores.requests.commit_new(triaged)
    page, cursor = stores.requests.queue_page(NOW + 500, QueueQuery("routed"), 3, None)
    assert [r.record.id for r in page] == [w.record.id for w in writes[4:1:-1]]
    assert all(r.last_event == "routed" for r in page)
    rest, last = stores.requests.queue_page(NOW + 500, QueueQuery("routed"), 3, cursor)
    assert [r.record.id for r in rest] == [writes[1].record.id, writes[0].record.id]
    window, _ = stores.requests.queue_page(
        NOW + 500, QueueQuery(created_from=iso(NOW + 60), created_to=iso(NOW + 150)), 10, None
    )
    assert [r.record.id for r in window] == [writes[2].record.id, writes[1].record.id]
    by_association, _ = stores.requests.queue_page(NOW + 500, QueueQuery("routed", "asso"), 10, None)
    assert len(by_association) == 5
    everything, _ = stores.requests.queue_page(NOW + 500, QueueQuery(), 10, None)
    assert everything[0].record.id == triaged.record.id and everything[0].last_event == "routed"


def test_an_appended_event_becomes_the_last_event(stores):
    w = intake()
    stores.requests.commit_new(w)
    assert stores.requests.append_event(
        w.record.id, Event(iso(NOW + 5), "reply_received", "email"), 2, w.record.expires_at
    )
    page, _ = stores.requests.queue_page(NOW + 10, QueueQuery("routed"), 10, None)
    assert page[0].last_event == "reply_received"


def test_an_erasure_rewrites_the_timeline_with_its_transition(stores):
    w = intake()
    stores.requests.commit_new(w)
    rid = w.record.id
    assert stores.requests.append_event(
        rid, Event(iso(NOW + 5), "reply_received", "email", {"from": "lea@example.net"}), 2, w.record.expires_at
    )
    seen = stored(stores, rid, NOW + 10)
    erase = transition(seen, NOW + 10, "routed", fields={"need": "scolaire"})
    erase.events = [Event(iso(NOW + 10), "erased", "admin@reseau.example.org")]
    scrubbed = [{**e, "detail": {}} for e in seen["events"]]
    stores.requests.erase(erase, scrubbed)
    after = stored(stores, rid, NOW + 20)
    assert after["fields"] == {"need": "scolaire"}
    assert [e["type"] for e in after["events"]] == ["received", "routed", "reply_received", "erased"]
    assert "lea@example.net" not in str(after["events"])
    assert after["events"][-1]["actor"] == "admin@reseau.example.org"
    assert stores.requests.status_counts(NOW + 20) == {"routed": 1}
