"""RoutedStore, for every kind of routed record (a request, a volunteer's sign-up), on the
in-memory store and on DynamoDB Local: the intake transaction and its refusals (nothing
written), transitions only from the state read, TTL-aware reads, lists and counts, and
each kind's records, load counters and statistics apart from the other's."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from chalicelib.domain.mentor import MentorSignup
from chalicelib.domain.request import Request
from chalicelib.services.ports import Event, QueueQuery, Refusal, Rejected
from tests.contract.conftest import DAY, NOW, intake, iso, mail, store_of, transition


def refused(call, *args) -> Refusal:
    with pytest.raises(Rejected) as caught:
        call(*args)
    return caught.value.what


def committed(store, **write):
    """A new record committed, and as read back."""
    w = intake(**write)
    store.commit_new(w)
    return w, store.get(w.record.id, NOW)


def other_kind(kind):
    return MentorSignup if kind is Request else Request


def test_an_intake_is_read_back_by_id_and_by_reference_with_its_timeline(stores, kind):
    store = store_of(stores, kind)
    w = intake(mails=2, kind=kind, extraction={"age": {"value": 15}})
    store.commit_new(w)
    by_id = store.get(w.record.id, NOW)
    assert isinstance(by_id, kind)
    assert by_id == store.get(w.record.reference, NOW)
    assert replace(by_id, events=()) == w.record  # the record as written, its expiry too
    assert [(e["type"], e["seq"]) for e in by_id.events] == [("received", 0), ("routed", 1)]
    assert [stores.outbox.mail_state(m.id)["state"] for m in w.mails] == ["pending", "pending"]
    assert store.load_counts() == {"asso": 1}
    assert store.get(f"{kind.KIND.reference_prefix}-ZZZZ-ZZZZ", NOW) is None
    assert store.get("0" * 32, NOW) is None


def test_a_read_record_is_a_copy(stores, kind):
    store = store_of(stores, kind)
    w = intake(kind=kind)
    store.commit_new(w)
    w.record.fields["age"] = 99  # the caller's record, changed after the commit
    first = store.get(w.record.id, NOW)
    first.fields["age"] = 42
    assert store.get(w.record.id, NOW).fields["age"] == 15


def test_a_taken_reference_refuses_the_whole_intake(stores, kind):
    store = store_of(stores, kind)
    first = intake(kind=kind)
    store.commit_new(first)
    again = intake(mails=1, kind=kind)
    again.record = replace(again.record, reference=first.record.reference)
    assert refused(store.commit_new, again) is Refusal.REFERENCE
    assert store.get(again.record.id, NOW) is None
    assert stores.outbox.mail_state(again.mails[0].id) is None
    assert store.load_counts() == {"asso": 1}  # its capacity was not taken


def test_a_taken_idempotency_key_refuses_and_keeps_the_first_answer(stores, kind):
    store = store_of(stores, kind)
    first = intake(kind=kind)
    first.idempotency_key, first.idempotency_fingerprint = "api:k1", "f1"
    first.idempotency_response, first.idempotency_expires_at = {"id": first.record.id}, NOW + DAY
    store.commit_new(first)
    second = intake(kind=kind)
    second.idempotency_key, second.idempotency_fingerprint = "api:k1", "f2"
    second.idempotency_response, second.idempotency_expires_at = {"id": second.record.id}, NOW + DAY
    assert refused(store.commit_new, second) is Refusal.IDEMPOTENCY
    stored = store.idempotency("api:k1", NOW)
    assert (stored.fingerprint, stored.response) == ("f1", {"id": first.record.id})
    assert store.get(second.record.id, NOW) is None
    assert store.idempotency("api:k1", NOW + DAY) is None  # expired: not read
    assert store.idempotency("api:other", NOW) is None


def test_the_per_ip_counter_refuses_past_its_limit(stores, kind):
    store = store_of(stores, kind)

    def counted(key: str) -> None:
        w = intake(capacity_of=None, kind=kind)
        w.rate_key, w.rate_limit, w.rate_expires_at = key, 2, NOW + 600
        store.commit_new(w)

    counted("ip-a#1")
    counted("ip-a#1")
    assert refused(counted, "ip-a#1") is Refusal.RATE
    counted("ip-b#1")  # another address
    counted("ip-a#2")  # the next window
    assert len(store.page(NOW, None, None, 50, None)[0]) == 4


def test_a_full_association_refuses_and_no_capacity_means_no_limit(stores, kind):
    store = store_of(stores, kind)
    store.commit_new(intake(capacity_of=("small", 1), kind=kind))
    assert refused(store.commit_new, intake(capacity_of=("small", 1), kind=kind)) is Refusal.CAPACITY
    for _ in range(3):
        store.commit_new(intake(capacity_of=("open", None), kind=kind))
    assert store.load_counts() == {"open": 3, "small": 1}


def test_capacity_holds_under_concurrent_intakes(stores, kind):
    store = store_of(stores, kind)
    taken, refusals, barrier = [], [], threading.Barrier(8)

    def submit() -> None:
        barrier.wait()
        try:
            store.commit_new(intake(capacity_of=("small", 3), kind=kind))
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
    assert store.load_counts() == {"small": len(taken)}


def test_each_kind_has_its_records_load_and_statistics_apart(stores, kind):
    store, other = store_of(stores, kind), store_of(stores, other_kind(kind))
    store.commit_new(intake(kind=kind))
    assert other.load_counts() == {}
    assert other.page(NOW, None, None, 10, None)[0] == []
    assert other.status_counts(NOW) == {}
    day = iso(NOW)[:10]
    assert other.daily_counts(day, day) == []
    assert len(store.page(NOW, None, None, 10, None)[0]) == 1


def test_expired_records_are_not_read_before_they_are_deleted(stores, kind):
    store = store_of(stores, kind)
    w = intake(retention=DAY, kind=kind)
    store.commit_new(w)
    later = NOW + DAY
    assert store.get(w.record.id, later - 1) is not None
    assert store.get(w.record.id, later) is None
    assert store.get(w.record.reference, later) is None
    assert store.page(later, None, None, 10, None)[0] == []
    assert store.waiting_since(later, later) == []
    assert store.count_by_status(later)["routed"] == 0


def all_pages(store, now, status, association, limit):
    seen, cursor = [], None
    while True:
        items, cursor = store.page(now, status, association, limit, cursor)
        assert len(items) <= limit
        seen += [i.reference for i in items]
        if cursor is None:
            return seen


def test_lists_are_newest_first_paginated_filtered_and_counted(stores, kind):
    store = store_of(stores, kind)
    writes = [
        intake(created=NOW + i, association=a, status="routed" if a else "needs_triage", kind=kind)
        for i, a in enumerate(["a", "b", "a", None, "a"])
    ]
    for w in writes:
        store.commit_new(w)
    refs = [w.record.reference for w in writes]
    assert all_pages(store, NOW, None, None, 2) == refs[::-1]
    page, cursor = store.page(NOW, None, None, 2, None)
    assert [i.reference for i in page] == [refs[4], refs[3]] and cursor
    assert all_pages(store, NOW, "needs_triage", None, 2) == [refs[3]]
    assert all_pages(store, NOW, None, "a", 2) == [refs[4], refs[2], refs[0]]
    assert all_pages(store, NOW, "routed", "b", 2) == [refs[1]]
    assert all_pages(store, NOW, "accepted", "a", 2) == []
    assert store.count_by_status(NOW) == {"needs_triage": 1, "routed": 4, "accepted": 0, "closed": 0}


def test_a_transition_moves_the_record_and_its_load_all_at_once(stores, kind):
    store = store_of(stores, kind)
    w, seen = committed(store, capacity_of=("asso", 2), kind=kind)
    t = transition(seen, NOW + 60, "accepted", accepted_at=iso(NOW + 60))
    t.load_changes = [("asso", -1, None)]
    t.mails = [replace(w.mails[0], id="told-" + w.record.id)]
    store.commit_change(t)
    after = store.get(w.record.reference, NOW)
    assert after.status.value == "accepted" and after.accepted_at == iso(NOW + 60)
    assert after.expires_at == w.record.expires_at
    assert [e["type"] for e in after.events] == ["received", "routed", "accepted"]
    assert store.load_counts() == {"asso": 0}
    assert stores.outbox.mail_state("told-" + w.record.id)["state"] == "pending"
    assert all_pages(store, NOW, "accepted", "asso", 5) == [w.record.reference]
    assert all_pages(store, NOW, "routed", None, 5) == []


def test_a_transition_from_a_state_that_moved_on_is_refused_and_writes_nothing(stores, kind):
    store = store_of(stores, kind)
    w, seen = committed(store, kind=kind)
    store.commit_change(transition(seen, NOW + 60, "accepted"))
    late = transition(seen, NOW + 61, "needs_triage", association_id=None)  # read before the accept
    late.load_changes = [("asso", -1, None)]
    assert refused(store.commit_change, late) is Refusal.STALE
    after = store.get(w.record.id, NOW)
    assert after.status.value == "accepted" and [e["type"] for e in after.events][-1] == "accepted"
    assert store.load_counts() == {"asso": 1}


def test_an_attempt_that_moved_on_or_a_taken_event_rank_refuses(stores, kind):
    store = store_of(stores, kind)
    w, seen = committed(store, kind=kind)
    other_attempt = transition(replace(seen, attempt=2), NOW + 60, "routed")
    assert refused(store.commit_change, other_attempt) is Refusal.STALE
    assert store.append_event(w.record.id, Event(iso(NOW + 60), "note", "operator"), 2, w.keep_until)
    same_rank = transition(seen, NOW + 60, "accepted")  # rank 2 at the same instant: taken
    assert refused(store.commit_change, same_rank) is Refusal.STALE
    assert store.get(w.record.id, NOW).status.value == "routed"


def test_a_rerouting_onto_a_full_association_is_refused(stores, kind):
    store = store_of(stores, kind)
    store.commit_new(intake(capacity_of=("full", 1), association="full", kind=kind))
    w, seen = committed(store, kind=kind)
    onward = transition(seen, NOW + 60, "routed", association_id="full", attempt=2, assigned_at=NOW + 60)
    onward.load_changes = [("asso", -1, None), ("full", 1, 1)]
    assert refused(store.commit_change, onward) is Refusal.CAPACITY
    assert store.load_counts() == {"asso": 1, "full": 1}
    assert store.get(w.record.id, NOW).association_id == "asso"


def test_waiting_records_are_the_routed_ones_assigned_before_the_limit(stores, kind):
    store = store_of(stores, kind)
    old, new = intake(created=NOW, kind=kind), intake(created=NOW + 3600, kind=kind)
    triage = intake(created=NOW, association=None, status="needs_triage", kind=kind)
    for w in (old, new, triage):
        store.commit_new(w)
    waiting = store.waiting_since(NOW + 60, NOW + 60)
    assert [r.id for r in waiting] == [old.record.id]
    assert waiting[0].expires_at == old.record.expires_at
    assert len(store.waiting_since(NOW + 3600, NOW + 3600)) == 2


def test_an_event_is_appended_to_an_existing_record_only(stores, kind):
    store = store_of(stores, kind)
    w = intake(kind=kind)
    store.commit_new(w)
    event = Event(iso(NOW + 5), "mail_failed", "system", {"mail_id": "m1"})
    assert store.append_event(w.record.id, event, 2, w.keep_until)
    assert not store.append_event(w.record.id, event, 2, w.keep_until)  # that rank is taken
    assert not store.append_event("0" * 32, event, 0, w.keep_until)
    events = store.get(w.record.id, NOW).events
    assert events[-1] == {
        "at": iso(NOW + 5),
        "seq": 2,
        "type": "mail_failed",
        "actor": "system",
        "detail": {"mail_id": "m1"},
    }


def test_the_queue_page_carries_the_newest_event_and_the_statistics_are_the_kinds_own(stores, kind):
    store = store_of(stores, kind)
    w = intake(kind=kind, channel="api")
    w.events[0] = Event(w.record.created_at, "received", "api")
    store.commit_new(w)
    accept = transition(store.get(w.record.id, NOW), NOW + 60, "accepted")
    accept.events = [Event(iso(NOW + 60), "accepted", "asso")]  # the association's answer
    store.commit_change(accept)
    page, _ = store.queue_page(NOW + 61, QueueQuery("accepted"), 10, None)
    assert [(r.record.id, r.last_event) for r in page] == [(w.record.id, "accepted")]
    assert store.queue_page(NOW + 61, QueueQuery(created_from=iso(NOW + 1)), 10, None)[0] == []
    day = iso(NOW)[:10]
    ((only_day, counters),) = store.daily_counts(day, day)
    assert only_day == day and counters["received_api"] == 1 and counters["first_routed"] == 1
    assert counters["accepted"] == 1
    assert [(a, c["routed"], c["accepted"]) for _, a, c in store.association_counts(day, day)] == [("asso", 1, 1)]


def test_a_decline_routed_onward_counts_the_time_to_answer_from_the_first_assignment(stores, kind):
    store = store_of(stores, kind)
    w, seen = committed(store, kind=kind)
    at = NOW + 30 * 3600  # declined 30 hours after it was routed, and routed on at once
    onward = transition(
        seen,
        at,
        "routed",
        association_id="other",
        association_name="other",
        attempt=2,
        assigned_at=at,
        declined=("asso",),
    )
    onward.events = [
        Event(iso(at), "declined", "asso", {"reason": "complet"}),
        Event(iso(at), "routed", "routing", {"association": "other"}),
    ]
    onward.load_changes = [("asso", -1, None), ("other", 1, None)]
    store.commit_change(onward)
    first, last = iso(NOW)[:10], iso(at)[:10]
    declined = {a: c for _, a, c in store.association_counts(first, last) if c.get("declined")}
    assert declined == {"asso": {"declined": 1, "h36": 1}}


def test_a_mail_written_with_a_change_is_the_records(stores, kind):
    store = store_of(stores, kind)
    w, seen = committed(store, kind=kind)
    t = transition(seen, NOW + 60, "routed")
    t.mails = [mail(w.record.id, kind=kind.KIND.mails.reminder)]
    store.commit_change(t)
    assert sorted(store.record_mail_ids(w.record.id, NOW)) == sorted(m.id for m in [*w.mails, *t.mails])
    assert store.record_mail_ids("0" * 32, NOW) == []
