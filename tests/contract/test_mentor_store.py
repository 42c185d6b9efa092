"""MentorStore's contract, on the in-memory store and on DynamoDB Local: the sign-up
transaction and its refusals (nothing written), transitions only from the state read,
TTL-aware reads, lists and counts, and a mentor load counter apart from requests'."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from chalicelib.services.ports import Event, MentorTransition, MentorWrite, Refusal, Rejected
from tests.contract.conftest import DAY, NOW, iso, mail


def signup(
    created: int = NOW, status: str = "routed", association: str | None = "asso", **extra: Any
) -> dict[str, Any]:
    sid = uuid.uuid4().hex
    record: dict[str, Any] = {
        "id": sid,
        "reference": f"BEN-{sid[:4].upper()}-{sid[4:8].upper()}",
        "channel": "api",
        "status": status,
        "created_at": iso(created),
        "updated_at": iso(created),
        "fields": {"age": 42, "email": "v@example.net"},
        "association_id": association,
        "association": {"id": association, "name": association} if association else None,
        "declined": [],
        **extra,
    }
    if association:
        record.update(attempt=1, assigned_at=created)
    return record


def write(created: int = NOW, capacity: int | None = None, retention: int = 90 * DAY, **kwargs: Any) -> MentorWrite:
    s = signup(created, **kwargs)
    return MentorWrite(
        signup=s,
        events=[Event(s["created_at"], "received", "api"), Event(s["created_at"], "routed", "routing")],
        mails=[mail(s["id"])],
        expires_at=created + retention,
        keep_until=created + retention + 365 * DAY,
        mail_expires_at=created + 30 * DAY,
        capacity_of=(s["association_id"], capacity) if s["association_id"] else None,
        at=created,
    )


def test_a_sign_up_is_read_back_by_id_and_by_reference_with_its_timeline(stores):
    w = write()
    stores.mentors.commit_signup(w)
    by_id = stores.mentors.get_signup(w.signup["id"], NOW)
    assert by_id == stores.mentors.get_signup(w.signup["reference"], NOW)
    assert by_id["status"] == "routed" and by_id["expires_at"] == w.expires_at
    assert [e["type"] for e in by_id["events"]] == ["received", "routed"]
    assert stores.mentors.mentor_load() == {"asso": 1}
    assert stores.outbox.mail_state(w.mails[0].id)["state"] == "pending"


def test_the_mentor_load_is_apart_from_the_requests_load(stores):
    stores.mentors.commit_signup(write())
    assert stores.directory.load_counts() == {}
    assert stores.directory.load_directory()[1] == {}


def test_a_full_association_refuses_the_whole_sign_up(stores):
    stores.mentors.commit_signup(write(capacity=1))
    refused = write(capacity=1)
    with pytest.raises(Rejected) as raised:
        stores.mentors.commit_signup(refused)
    assert raised.value.what is Refusal.CAPACITY
    assert stores.mentors.get_signup(refused.signup["id"], NOW) is None
    assert stores.outbox.mail_state(refused.mails[0].id) is None
    assert stores.mentors.mentor_load() == {"asso": 1}


def test_a_taken_reference_and_a_taken_idempotency_key_refuse_it(stores):
    first = write()
    first.idempotency_key, first.idempotency_fingerprint, first.idempotency_response = "mentor-api:k", "f", {"id": "x"}
    first.idempotency_expires_at = NOW + DAY
    stores.mentors.commit_signup(first)
    same_reference = write()
    same_reference.signup["reference"] = first.signup["reference"]
    with pytest.raises(Rejected) as raised:
        stores.mentors.commit_signup(same_reference)
    assert raised.value.what is Refusal.REFERENCE
    same_key = write()
    same_key.idempotency_key, same_key.idempotency_fingerprint, same_key.idempotency_response = (
        "mentor-api:k",
        "g",
        {"id": "y"},
    )
    with pytest.raises(Rejected) as raised:
        stores.mentors.commit_signup(same_key)
    assert raised.value.what is Refusal.IDEMPOTENCY
    assert stores.mentors.idempotency("mentor-api:k", NOW).response == {"id": "x"}
    assert stores.mentors.mentor_load() == {"asso": 1}


def transition(stored: dict[str, Any], at: int, **changes: Any) -> MentorTransition:
    after = {k: v for k, v in stored.items() if k not in {"events", "expires_at"}}
    after.update(updated_at=iso(at), **changes)
    return MentorTransition(
        signup=after,
        from_status=stored["status"],
        from_attempt=stored.get("attempt", 0),
        events=[Event(iso(at), after["status"], "asso")],
        mails=[],
        expires_at=stored["expires_at"],
        keep_until=stored["expires_at"] + 365 * DAY,
        mail_expires_at=at + 30 * DAY,
        event_seq=len(stored["events"]),
        from_expires_at=stored["expires_at"],
    )


def test_a_transition_applies_once_from_the_state_it_read(stores):
    w = write()
    stores.mentors.commit_signup(w)
    seen = stores.mentors.get_signup(w.signup["id"], NOW)
    accept = transition(seen, NOW + 60, status="accepted")
    accept.expires_at = NOW + 365 * DAY
    accept.load_changes = [("asso", -1, None)]
    stores.mentors.commit_mentor_transition(accept)
    with pytest.raises(Rejected) as raised:
        stores.mentors.commit_mentor_transition(transition(seen, NOW + 61, status="needs_triage", association_id=None))
    assert raised.value.what is Refusal.STALE
    now = stores.mentors.get_signup(w.signup["id"], NOW + 120)
    assert now["status"] == "accepted" and now["expires_at"] == NOW + 365 * DAY
    assert [e["type"] for e in now["events"]] == ["received", "routed", "accepted"]
    assert stores.mentors.mentor_load() == {"asso": 0}
    # Accepted: kept past the sign-up's own retention.
    assert stores.mentors.get_signup(w.signup["reference"], NOW + 200 * DAY) is not None


def test_a_transition_refused_at_capacity_writes_nothing(stores):
    stores.mentors.commit_signup(write(association="full", capacity=1))
    w = write()
    stores.mentors.commit_signup(w)
    seen = stores.mentors.get_signup(w.signup["id"], NOW)
    onward = transition(seen, NOW + 60, status="routed", association_id="full", attempt=2, assigned_at=NOW + 60)
    onward.load_changes = [("asso", -1, None), ("full", 1, 1)]
    with pytest.raises(Rejected) as raised:
        stores.mentors.commit_mentor_transition(onward)
    assert raised.value.what is Refusal.CAPACITY
    assert stores.mentors.get_signup(w.signup["id"], NOW)["association_id"] == "asso"
    assert stores.mentors.mentor_load() == {"asso": 1, "full": 1}


def test_reads_ignore_a_sign_up_past_its_retention(stores):
    w = write(retention=10)
    stores.mentors.commit_signup(w)
    assert stores.mentors.get_signup(w.signup["reference"], NOW + 9) is not None
    assert stores.mentors.get_signup(w.signup["reference"], NOW + 10) is None
    assert stores.mentors.get_signup(w.signup["id"], NOW + 10) is None
    assert stores.mentors.list_signups(NOW + 10, None, None, 10, None)[0] == []
    assert stores.mentors.count_signups(NOW + 10)["routed"] == 0
    assert stores.mentors.signups_waiting_since(NOW + 10, NOW + 10) == []


def test_lists_are_newest_first_with_a_cursor_and_filters_and_counts(stores):
    a = write(NOW)
    b = write(NOW + 1, status="needs_triage", association=None)
    c = write(NOW + 2, association="other")
    for w in (a, b, c):
        stores.mentors.commit_signup(w)
    page, cursor = stores.mentors.list_signups(NOW + 3, None, None, 2, None)
    assert [s["id"] for s in page] == [c.signup["id"], b.signup["id"]] and cursor
    rest, _ = stores.mentors.list_signups(NOW + 3, None, None, 2, cursor)
    assert [s["id"] for s in rest] == [a.signup["id"]]
    assert [s["id"] for s in stores.mentors.list_signups(NOW + 3, "routed", None, 10, None)[0]] == [
        c.signup["id"],
        a.signup["id"],
    ]
    assert [s["id"] for s in stores.mentors.list_signups(NOW + 3, None, "other", 10, None)[0]] == [c.signup["id"]]
    assert stores.mentors.count_signups(NOW + 3) == {"needs_triage": 1, "routed": 2, "accepted": 0, "closed": 0}
    waiting = stores.mentors.signups_waiting_since(NOW + 1, NOW + 3)
    assert [s["id"] for s in waiting] == [a.signup["id"]]


def test_sign_ups_and_requests_never_mix(stores):
    from tests.contract.conftest import intake

    stores.mentors.commit_signup(write())
    stores.requests.commit_intake(intake())
    assert len(stores.requests.list_requests(NOW, None, None, 10, None)[0]) == 1
    assert len(stores.mentors.list_signups(NOW, None, None, 10, None)[0]) == 1


def test_the_status_counters_move_in_the_sign_ups_transactions_and_expire_with_them(stores):
    routed, other, triaged = write(NOW), write(NOW + 1), write(NOW + 2, status="needs_triage", association=None)
    for w in (routed, other, triaged):
        stores.mentors.commit_signup(w)
    assert stores.mentors.status_counts(NOW + 3) == {"needs_triage": 1, "routed": 2, "accepted": 0, "closed": 0}
    seen = stores.mentors.get_signup(routed.signup["id"], NOW + 3)
    accept = transition(seen, NOW + 60, status="accepted")
    accept.expires_at = NOW + 365 * DAY  # accepting keeps it longer: its counter moves to that day
    stores.mentors.commit_mentor_transition(accept)
    assert stores.mentors.status_counts(NOW + 61) == {"needs_triage": 1, "routed": 1, "accepted": 1, "closed": 0}
    # Past the others' retention (by the end of the day they expire): only the accepted one.
    after = NOW + 90 * DAY + DAY
    assert stores.mentors.status_counts(after) == {"needs_triage": 0, "routed": 0, "accepted": 1, "closed": 0}
    assert stores.requests.status_counts(NOW + 61) == {}  # requests' counters are apart


def test_the_queue_page_carries_the_newest_event_and_the_statistics_are_the_sign_ups_own(stores):
    w = write()
    stores.mentors.commit_signup(w)
    seen = stores.mentors.get_signup(w.signup["id"], NOW)
    stores.mentors.commit_mentor_transition(transition(seen, NOW + 60, status="accepted"))
    page, _ = stores.mentors.queue_page(NOW + 61, "accepted", None, None, None, 10, None)
    assert [(r["id"], r["last_event"]) for r in page] == [(w.signup["id"], "accepted")]
    assert stores.mentors.queue_page(NOW + 61, None, None, iso(NOW + 1), None, 10, None)[0] == []
    day = iso(NOW)[:10]
    ((only_day, counters),) = stores.mentors.daily_counts(day, day)
    assert only_day == day and counters["received_api"] == 1 and counters["first_routed"] == 1
    assert counters["accepted"] == 1
    assert [(a, c["routed"], c["accepted"]) for _, a, c in stores.mentors.association_counts(day, day)] == [
        ("asso", 1, 1)
    ]
    assert stores.stats.daily_counts(day, day) == []  # the requests' statistics count no sign-up


def test_a_decline_routed_onward_counts_the_time_to_answer_from_the_first_assignment(stores):
    w = write()
    stores.mentors.commit_signup(w)
    seen = stores.mentors.get_signup(w.signup["id"], NOW)
    at = NOW + 30 * 3600  # declined 30 hours after it was routed, and routed on at once
    onward = transition(
        seen,
        at,
        status="routed",
        association_id="other",
        attempt=2,
        assigned_at=at,
        association={"id": "other", "name": "other"},
        declined=["asso"],
    )
    onward.events = [
        Event(iso(at), "declined", "asso", {"reason": "complet"}),
        Event(iso(at), "routed", "routing", {"association": "other"}),
    ]
    onward.load_changes = [("asso", -1, None), ("other", 1, None)]
    onward.assigned_before = seen["assigned_at"]
    stores.mentors.commit_mentor_transition(onward)
    first, last = iso(NOW)[:10], iso(at)[:10]
    declined = {a: c for _, a, c in stores.mentors.association_counts(first, last) if c.get("declined")}
    assert declined == {"asso": {"declined": 1, "h36": 1}}
