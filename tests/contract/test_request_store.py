"""The requests' store: what only requests have (memory and DynamoDB). What every kind of
routed record shares is tests/contract/test_routed_store.py's, run on requests too."""

from __future__ import annotations

from tests.contract.conftest import NOW, intake, transition


def test_the_requests_load_counters_are_the_directorys(stores):
    w = intake(capacity_of=("asso", 2))
    stores.requests.commit_new(w)
    assert stores.directory.load_counts() == {"asso": 1} == stores.requests.load_counts()
    t = transition(stores.requests.get(w.record.id, NOW), NOW + 60, "accepted")
    t.load_changes = [("asso", -1, None)]
    stores.requests.commit_change(t)
    assert stores.directory.load_counts() == {"asso": 0}


def test_a_requests_status_counter_is_of_its_creation_day_and_moves_with_its_status(stores):
    w = intake()
    stores.requests.commit_new(w)
    stores.requests.commit_change(transition(stores.requests.get(w.record.id, NOW), NOW + 60, "accepted"))
    assert stores.requests.status_counts(NOW + 60) == {"routed": 0, "accepted": 1}
