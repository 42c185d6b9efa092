"""The sign-ups' store: what only volunteers' sign-ups have (memory and DynamoDB): their
load counters apart from the directory's, and status counters kept per expiry day since
accepting a sign-up keeps it longer. What every kind of routed record shares is
tests/contract/test_routed_store.py's, run on sign-ups too."""

from __future__ import annotations

from tests.contract.conftest import DAY, NOW, transition
from tests.contract.conftest import signup_intake as write


def test_the_mentor_load_is_apart_from_the_requests_load(stores):
    stores.mentors.commit_new(write())
    assert stores.mentors.load_counts() == {"asso": 1}
    assert stores.directory.load_counts() == {}
    assert stores.directory.load_directory()[1] == {}


def test_an_accepted_sign_up_is_kept_past_its_own_retention(stores):
    w = write()
    stores.mentors.commit_new(w)
    seen = stores.mentors.get(w.record.id, NOW)
    accept = transition(seen, NOW + 60, "accepted", keep=365 * DAY, expires_at=NOW + 365 * DAY)
    accept.load_changes = [("asso", -1, None)]
    stores.mentors.commit_change(accept)
    now = stores.mentors.get(w.record.id, NOW + 120)
    assert now.status.value == "accepted" and now.expires_at == NOW + 365 * DAY
    assert [e["type"] for e in now.events] == ["received", "routed", "accepted"]
    assert stores.mentors.get(w.record.reference, NOW + 200 * DAY) is not None


def test_the_status_counters_move_in_the_sign_ups_transactions_and_expire_with_them(stores):
    routed, other, triaged = write(NOW), write(NOW + 1), write(NOW + 2, status="needs_triage", association=None)
    for w in (routed, other, triaged):
        stores.mentors.commit_new(w)
    assert stores.mentors.status_counts(NOW + 3) == {"needs_triage": 1, "routed": 2}
    seen = stores.mentors.get(routed.record.id, NOW + 3)
    # Accepting keeps it longer: its counter moves to that day.
    stores.mentors.commit_change(transition(seen, NOW + 60, "accepted", keep=365 * DAY, expires_at=NOW + 365 * DAY))
    assert stores.mentors.status_counts(NOW + 61) == {"needs_triage": 1, "routed": 1, "accepted": 1}
    # Past the others' retention (by the end of the day they expire): only the accepted one.
    after = NOW + 90 * DAY + DAY
    counts = stores.mentors.status_counts(after)
    assert {status: n for status, n in counts.items() if n} == {"accepted": 1}
    assert stores.requests.status_counts(NOW + 61) == {}  # requests' counters are apart
