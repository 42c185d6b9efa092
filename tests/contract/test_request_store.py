"""RequestStore: the intake transaction, transitions, reads, lists (memory and DynamoDB)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from chalicelib.services.ports import Event, Refusal, Rejected
from tests.contract.conftest import DAY, NOW, intake, iso, transition


def refused(call, *args) -> Refusal:
    with pytest.raises(Rejected) as caught:
        call(*args)
    return caught.value.what


def test_an_intake_is_read_back_by_id_and_by_reference_with_its_timeline(stores):
    w = intake(mails=2, extraction={"age": {"value": 15}})
    stores.requests.commit_intake(w)
    by_id = stores.requests.get_request(w.request["id"], NOW)
    assert by_id == stores.requests.get_request(w.request["reference"], NOW)
    assert {k: v for k, v in by_id.items() if k not in {"events", "expires_at"}} == w.request
    assert by_id["expires_at"] == w.expires_at
    assert [(e["type"], e["seq"]) for e in by_id["events"]] == [("received", 0), ("routed", 1)]
    assert [stores.outbox.mail_state(m.id)["state"] for m in w.mails] == ["pending", "pending"]
    assert stores.directory.load_counts() == {"asso": 1}
    assert stores.requests.get_request("MNT-ZZZZ-ZZZZ", NOW) is None
    assert stores.requests.get_request("0" * 32, NOW) is None


def test_a_read_record_is_a_copy(stores):
    w = intake()
    stores.requests.commit_intake(w)
    w.request["fields"]["age"] = 99  # the caller's dict, changed after the commit
    first = stores.requests.get_request(w.request["id"], NOW)
    first["fields"]["age"] = 42
    assert stores.requests.get_request(w.request["id"], NOW)["fields"]["age"] == 15


def test_a_taken_reference_refuses_the_whole_intake(stores):
    first = intake()
    stores.requests.commit_intake(first)
    again = intake(mails=1)
    again.request["reference"] = first.request["reference"]
    assert refused(stores.requests.commit_intake, again) is Refusal.REFERENCE
    assert stores.requests.get_request(again.request["id"], NOW) is None
    assert stores.outbox.mail_state(again.mails[0].id) is None
    assert stores.directory.load_counts() == {"asso": 1}  # its capacity was not taken


def test_a_taken_idempotency_key_refuses_and_keeps_the_first_answer(stores):
    first = intake()
    first.idempotency_key, first.idempotency_fingerprint = "api:k1", "f1"
    first.idempotency_response, first.idempotency_expires_at = {"id": first.request["id"]}, NOW + DAY
    stores.requests.commit_intake(first)
    second = intake()
    second.idempotency_key, second.idempotency_fingerprint = "api:k1", "f2"
    second.idempotency_response, second.idempotency_expires_at = {"id": second.request["id"]}, NOW + DAY
    assert refused(stores.requests.commit_intake, second) is Refusal.IDEMPOTENCY
    stored = stores.requests.idempotency("api:k1", NOW)
    assert (stored.fingerprint, stored.response) == ("f1", {"id": first.request["id"]})
    assert stores.requests.get_request(second.request["id"], NOW) is None
    assert stores.requests.idempotency("api:k1", NOW + DAY) is None  # expired: not read
    assert stores.requests.idempotency("api:other", NOW) is None


def test_the_per_ip_counter_refuses_past_its_limit(stores):
    def counted(key: str) -> None:
        w = intake(capacity_of=None)
        w.rate_key, w.rate_limit, w.rate_expires_at = key, 2, NOW + 600
        stores.requests.commit_intake(w)

    counted("ip-a#1")
    counted("ip-a#1")
    assert refused(counted, "ip-a#1") is Refusal.RATE
    counted("ip-b#1")  # another address
    counted("ip-a#2")  # the next window
    assert len(stores.requests.list_requests(NOW, None, None, 50, None)[0]) == 4


def test_a_full_association_refuses_and_no_capacity_means_no_limit(stores):
    stores.requests.commit_intake(intake(capacity_of=("small", 1)))
    assert refused(stores.requests.commit_intake, intake(capacity_of=("small", 1))) is Refusal.CAPACITY
    for _ in range(3):
        stores.requests.commit_intake(intake(capacity_of=("open", None)))
    assert stores.directory.load_counts() == {"open": 3, "small": 1}


def test_capacity_holds_under_concurrent_intakes(stores):
    taken, refusals, barrier = [], [], threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        try:
            stores.requests.commit_intake(intake(capacity_of=("small", 3)))
            taken.append(1)
        except Rejected as exc:
            refusals.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= len(taken) <= 3 and len(taken) + len(refusals) == 8
    assert all(r.contention for r in refusals)  # full, or held by another: route again
    assert stores.directory.load_counts() == {"small": len(taken)}


def test_expired_requests_are_not_read_before_they_are_deleted(stores):
    w = intake(retention=DAY)
    stores.requests.commit_intake(w)
    later = NOW + DAY
    assert stores.requests.get_request(w.request["id"], later) is None
    assert stores.requests.get_request(w.request["reference"], later) is None
    assert stores.requests.list_requests(later, None, None, 10, None)[0] == []
    assert stores.requests.routed_waiting_since(later, later) == []


def all_pages(stores, now, status, association, limit):
    seen, cursor = [], None
    while True:
        items, cursor = stores.requests.list_requests(now, status, association, limit, cursor)
        assert len(items) <= limit
        seen += [i["reference"] for i in items]
        if cursor is None:
            return seen


def test_lists_are_newest_first_paginated_and_filtered(stores):
    writes = [
        intake(created=NOW + i, association=a, status="routed" if a else "needs_triage")
        for i, a in enumerate(["a", "b", "a", None, "a"])
    ]
    for w in writes:
        stores.requests.commit_intake(w)
    refs = [w.request["reference"] for w in writes]
    assert all_pages(stores, NOW, None, None, 2) == refs[::-1]
    page, cursor = stores.requests.list_requests(NOW, None, None, 2, None)
    assert [i["reference"] for i in page] == [refs[4], refs[3]] and cursor
    assert all_pages(stores, NOW, "needs_triage", None, 2) == [refs[3]]
    assert all_pages(stores, NOW, None, "a", 2) == [refs[4], refs[2], refs[0]]
    assert all_pages(stores, NOW, "routed", "b", 2) == [refs[1]]
    assert all_pages(stores, NOW, "accepted", "a", 2) == []


def test_a_transition_moves_the_request_and_its_load_all_at_once(stores):
    w = intake(capacity_of=("asso", 2))
    stores.requests.commit_intake(w)
    seen = stores.requests.get_request(w.request["id"], NOW)
    t = transition(seen, NOW + 60, "accepted", accepted_at=NOW + 60)
    t.load_changes = [("asso", -1, None)]
    t.mails = [replace(w.mails[0], id="told-" + w.request["id"])]
    stores.requests.commit_transition(t)
    after = stores.requests.get_request(w.request["reference"], NOW)
    assert after["status"] == "accepted" and after["accepted_at"] == NOW + 60
    assert after["expires_at"] == w.expires_at
    assert [e["type"] for e in after["events"]] == ["received", "routed", "accepted"]
    assert stores.directory.load_counts() == {"asso": 0}
    assert stores.outbox.mail_state("told-" + w.request["id"])["state"] == "pending"
    assert all_pages(stores, NOW, "accepted", "asso", 5) == [w.request["reference"]]
    assert all_pages(stores, NOW, "routed", None, 5) == []


def test_a_transition_from_a_state_that_moved_on_is_refused_and_writes_nothing(stores):
    w = intake()
    stores.requests.commit_intake(w)
    seen = stores.requests.get_request(w.request["id"], NOW)
    stores.requests.commit_transition(transition(seen, NOW + 60, "accepted"))
    late = transition(seen, NOW + 61, "declined")  # read before the accept
    late.load_changes = [("asso", -1, None)]
    assert refused(stores.requests.commit_transition, late) is Refusal.STALE
    after = stores.requests.get_request(w.request["id"], NOW)
    assert after["status"] == "accepted" and [e["type"] for e in after["events"]][-1] == "accepted"
    assert stores.directory.load_counts() == {"asso": 1}


def test_an_attempt_that_moved_on_or_a_taken_event_rank_refuses(stores):
    w = intake()
    stores.requests.commit_intake(w)
    seen = stores.requests.get_request(w.request["id"], NOW)
    other_attempt = transition(seen, NOW + 60, "routed")
    other_attempt.from_attempt = 2
    assert refused(stores.requests.commit_transition, other_attempt) is Refusal.STALE
    assert stores.requests.append_event(w.request["id"], Event(iso(NOW + 60), "note", "operator"), 2, w.expires_at)
    same_rank = transition(seen, NOW + 60, "accepted")  # rank 2 at the same instant: taken
    assert refused(stores.requests.commit_transition, same_rank) is Refusal.STALE
    assert stores.requests.get_request(w.request["id"], NOW)["status"] == "routed"


def test_a_rerouting_onto_a_full_association_is_refused(stores):
    stores.requests.commit_intake(intake(capacity_of=("full", 1), association="full"))
    w = intake()
    stores.requests.commit_intake(w)
    seen = stores.requests.get_request(w.request["id"], NOW)
    onward = transition(seen, NOW + 60, "routed", association_id="full", attempt=2, assigned_at=NOW + 60)
    onward.load_changes = [("asso", -1, None), ("full", 1, 1)]
    assert refused(stores.requests.commit_transition, onward) is Refusal.CAPACITY
    assert stores.directory.load_counts() == {"asso": 1, "full": 1}
    assert stores.requests.get_request(w.request["id"], NOW)["association_id"] == "asso"


def test_waiting_requests_are_the_routed_ones_assigned_before_the_limit(stores):
    old, new = intake(created=NOW), intake(created=NOW + 3600)
    triage = intake(created=NOW, association=None, status="needs_triage")
    for w in (old, new, triage):
        stores.requests.commit_intake(w)
    waiting = stores.requests.routed_waiting_since(NOW + 60, NOW + 60)
    assert [r["id"] for r in waiting] == [old.request["id"]]
    assert waiting[0]["expires_at"] == old.expires_at
    assert len(stores.requests.routed_waiting_since(NOW + 3600, NOW + 3600)) == 2


def test_an_event_is_appended_to_an_existing_request_only(stores):
    w = intake()
    stores.requests.commit_intake(w)
    event = Event(iso(NOW + 5), "mail_failed", "system", {"mail_id": "m1"})
    assert stores.requests.append_event(w.request["id"], event, 2, w.expires_at)
    assert not stores.requests.append_event(w.request["id"], event, 2, w.expires_at)  # that rank is taken
    assert not stores.requests.append_event("0" * 32, event, 0, w.expires_at)
    events = stores.requests.get_request(w.request["id"], NOW)["events"]
    assert events[-1] == {
        "at": iso(NOW + 5),
        "seq": 2,
        "type": "mail_failed",
        "actor": "system",
        "detail": {"mail_id": "m1"},
    }
