"""The console queue's part of the RequestStore contract (QueueStore), on both
implementations: status counters moved in the intake and transition transactions (and
not by a refused one), the queue's pages with a creation window, `last_event` for the
activity badges, and an erasure rewriting the timeline in the same commit."""

from __future__ import annotations

import pytest

from chalicelib.services.ports import Event, Rejected
from tests.contract.conftest import DAY, NOW, intake, iso, transition


def stored(stores, rid: str, now: int = NOW) -> dict:
    return stores.requests.get_request(rid, now)


def test_counts_follow_intakes_and_transitions(stores):
    a, b = intake(), intake()
    triaged = intake(status="needs_triage", association=None)
    for w in (a, b, triaged):
        stores.requests.commit_intake(w)
    assert stores.requests.status_counts(NOW) == {"routed": 2, "needs_triage": 1}
    stores.requests.commit_transition(transition(stored(stores, a.request["id"]), NOW + 60, "accepted"))
    counts = stores.requests.status_counts(NOW + 60)
    assert counts["routed"] == 1 and counts["accepted"] == 1 and counts["needs_triage"] == 1


def test_a_transition_that_keeps_the_status_moves_no_count(stores):
    w = intake()
    stores.requests.commit_intake(w)
    stores.requests.commit_transition(transition(stored(stores, w.request["id"]), NOW + 60, "routed"))
    assert stores.requests.status_counts(NOW + 60) == {"routed": 1}


def test_a_refused_transition_moves_no_count(stores):
    w = intake()
    stores.requests.commit_intake(w)
    seen = stored(stores, w.request["id"])
    stores.requests.commit_transition(transition(seen, NOW + 60, "accepted"))
    with pytest.raises(Rejected):
        stores.requests.commit_transition(transition(seen, NOW + 120, "closed"))  # read before the accept
    assert stores.requests.status_counts(NOW + 120) == {"routed": 0, "accepted": 1}


def test_a_request_never_routed_moves_from_triage(stores):
    """A triaged request has no attempt yet: the console's first transition of it passes."""
    w = intake(status="needs_triage", association=None)
    stores.requests.commit_intake(w)
    stores.requests.commit_transition(transition(stored(stores, w.request["id"]), NOW + 60, "closed"))
    assert stored(stores, w.request["id"], NOW + 60)["status"] == "closed"
    assert stores.requests.status_counts(NOW + 60) == {"needs_triage": 0, "closed": 1}


def test_counts_of_expired_requests_go_within_a_day_of_them(stores):
    w = intake(retention=10 * DAY)
    stores.requests.commit_intake(w)
    assert stores.requests.status_counts(NOW + 10 * DAY - 1) == {"routed": 1}
    assert stores.requests.status_counts(NOW + 11 * DAY) == {}


def test_queue_pages_are_newest_first_by_status_with_a_window_and_last_event(stores):
    writes = [intake(created=NOW + i * 60) for i in range(5)]
    for w in writes:
        stores.requests.commit_intake(w)
    triaged = intake(created=NOW + 400, status="needs_triage", association=None)
    stores.requests.commit_intake(triaged)
    page, cursor = stores.requests.queue_page(NOW + 500, "routed", None, None, None, 3, None)
    assert [r["id"] for r in page] == [w.request["id"] for w in writes[4:1:-1]]
    assert all(r["last_event"] == "routed" for r in page)
    rest, last = stores.requests.queue_page(NOW + 500, "routed", None, None, None, 3, cursor)
    assert [r["id"] for r in rest] == [writes[1].request["id"], writes[0].request["id"]]
    window, _ = stores.requests.queue_page(NOW + 500, None, None, iso(NOW + 60), iso(NOW + 150), 10, None)
    assert [r["id"] for r in window] == [writes[2].request["id"], writes[1].request["id"]]
    by_association, _ = stores.requests.queue_page(NOW + 500, "routed", "asso", None, None, 10, None)
    assert len(by_association) == 5
    everything, _ = stores.requests.queue_page(NOW + 500, None, None, None, None, 10, None)
    assert everything[0]["id"] == triaged.request["id"] and everything[0]["last_event"] == "routed"


def test_an_appended_event_becomes_the_last_event(stores):
    w = intake()
    stores.requests.commit_intake(w)
    assert stores.requests.append_event(
        w.request["id"], Event(iso(NOW + 5), "reply_received", "email"), 2, w.expires_at
    )
    page, _ = stores.requests.queue_page(NOW + 10, "routed", None, None, None, 10, None)
    assert page[0]["last_event"] == "reply_received"


def test_an_erasure_rewrites_the_timeline_with_its_transition(stores):
    w = intake()
    stores.requests.commit_intake(w)
    rid = w.request["id"]
    assert stores.requests.append_event(
        rid, Event(iso(NOW + 5), "reply_received", "email", {"from": "lea@example.net"}), 2, w.expires_at
    )
    seen = stored(stores, rid, NOW + 10)
    erase = transition(seen, NOW + 10, "routed", fields={"need": "scolaire"})
    erase.events = [Event(iso(NOW + 10), "erased", "admin@reseau.example.org")]
    scrubbed = [{**e, "detail": {}} for e in seen["events"]]
    stores.requests.erase_record(erase, scrubbed)
    after = stored(stores, rid, NOW + 20)
    assert after["fields"] == {"need": "scolaire"}
    assert [e["type"] for e in after["events"]] == ["received", "routed", "reply_received", "erased"]
    assert "lea@example.net" not in str(after["events"])
    assert after["events"][-1]["actor"] == "admin@reseau.example.org"
    assert stores.requests.status_counts(NOW + 20) == {"routed": 1}
