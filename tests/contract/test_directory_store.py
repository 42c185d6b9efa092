"""DirectoryStore: entries replaced all at once, load counters kept (memory and DynamoDB)."""

from __future__ import annotations

from chalicelib.domain.models import Association
from tests.conftest import association
from tests.contract.conftest import NOW, intake, transition


def entries(*ids, **overrides):
    return [Association.model_validate(association(i, **overrides)) for i in ids]


def test_the_directory_is_read_as_written_with_its_load(stores):
    assert stores.directory.load_directory() == ([], {})
    stores.directory.replace_directory(entries("b-asso", "a-asso", capacity=4))
    stores.requests.commit_new(intake(capacity_of=("a-asso", 4), association="a-asso"))
    associations, load = stores.directory.load_directory()
    assert [a.id for a in associations] == ["a-asso", "b-asso"]
    assert associations[0] == entries("a-asso", capacity=4)[0]
    assert load == {"a-asso": 1}


def test_a_replacement_drops_the_others_and_keeps_the_load_counters(stores):
    stores.directory.replace_directory(entries("a-asso", "b-asso", "c-asso"))
    stores.requests.commit_new(intake(capacity_of=("b-asso", None), association="b-asso"))
    stores.directory.replace_directory(entries("b-asso", "d-asso", name="Renamed"))
    associations, load = stores.directory.load_directory()
    assert [(a.id, a.name) for a in associations] == [("b-asso", "Renamed"), ("d-asso", "Renamed")]
    assert load == {"b-asso": 1} == stores.directory.load_counts()


def test_a_counter_stays_at_zero_once_its_requests_left(stores):
    w = intake(capacity_of=("a-asso", 2), association="a-asso")
    stores.requests.commit_new(w)
    seen = stores.requests.get(w.record.id, NOW)
    done = transition(seen, NOW + 60, "accepted")
    done.load_changes = [("a-asso", -1, None)]
    stores.requests.commit_change(done)
    assert stores.directory.load_counts() == {"a-asso": 0}
