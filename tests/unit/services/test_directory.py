"""The association directory as operators replace it: the errors listed for an invalid
list, a version per save with its author, summary and entries (plain JSON), a restore,
one entry added or changed, the routing cache's load counts, and "Simuler" over the
last days' requests. In-memory stores."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.operators import Role
from chalicelib.domain.vocabulary import Channel
from chalicelib.services.directory import DirectoryPreview, DirectoryService, InvalidDirectory, validate_entries
from tests.builders import association, make_memory_services, request_of, youth

DIRECTORY = [
    association("first-asso", departements=[], communes=["59512"], needs=["scolaire"], capacity=1),
    association("second-asso", needs=["scolaire"]),
]


@pytest.fixture
def s(settings, clock):
    return make_memory_services(settings, clock, directory=DIRECTORY)


def errors_of(entries):
    with pytest.raises(InvalidDirectory) as invalid:
        validate_entries(entries)
    return invalid.value.errors


# -- validate_entries ----------------------------------------------------------------------------


@pytest.mark.parametrize("entries", [None, {"id": "a"}, "first-asso"])
def test_a_directory_that_is_no_list_is_refused_as_a_whole(entries):
    assert errors_of(entries) == [{"field": "associations", "message": "a list of associations is expected"}]


def test_an_entry_that_is_no_object_is_listed_without_id():
    errors = errors_of(["first-asso", association("ok")])
    assert len(errors) == 1
    assert errors[0]["field"] == "associations[0]"  # the entry itself, no trailing dot
    assert errors[0]["id"] is None


def test_every_invalid_entry_and_duplicate_is_listed():
    errors = errors_of([association("a"), association("b", ages={"min": "x", "max": 30}), association("a")])
    assert [(e["field"], e["id"]) for e in errors] == [("associations[1].ages.min", "b"), ("associations[2].id", "a")]
    assert errors[1]["message"] == "duplicate id"


def test_an_invalid_directory_says_how_many_entries_are_wrong():
    with pytest.raises(InvalidDirectory) as invalid:
        validate_entries([association("a", ages={"min": "x"}), association("a")])
    assert str(invalid.value) == f"{len(invalid.value.errors)} invalid association(s)"


# -- versions ---------------------------------------------------------------------------------------


def test_each_save_is_a_version_with_its_author_and_plain_entries(s, clock):
    s.directory.replace([*DIRECTORY, association("third-asso")], author="op@reseau.example.org")
    (latest, first) = s.directory.versions(2)
    assert (latest.number, latest.author, latest.at, latest.count, latest.summary) == (
        2,
        "op@reseau.example.org",
        clock.now().iso,
        3,
        "1 ajoutée",
    )
    assert first.number == 1
    stored = s.directory.version(2)
    assert (stored.number, stored.author, stored.summary) == (2, "op@reseau.example.org", "1 ajoutée")
    assert [e["id"] for e in stored.entries] == ["first-asso", "second-asso", "third-asso"]
    assert json.loads(json.dumps(list(stored.entries))) == list(stored.entries)
    assert [str(n) for n in stored.entries[0]["needs"]] == ["scolaire"]
    assert s.directory.version(1).number == 1
    assert s.directory.version(9) is None


def test_the_entries_are_plain_json_sorted_by_id(s):
    s.directory.replace([association("zz"), association("aa", needs=["orientation"])])
    entries = s.directory.entries()
    assert [e["id"] for e in entries] == ["aa", "zz"]
    assert [str(n) for n in entries[0]["needs"]] == ["orientation"]
    assert entries == json.loads(json.dumps(entries))


def test_a_restore_is_a_new_version_by_its_author(s):
    s.directory.replace([association("only")], author="api")
    restored = s.directory.restore(1, "admin@reseau.example.org", role=Role.ADMIN)
    assert restored.number == 3
    assert restored.author == "admin@reseau.example.org"
    assert restored.restored_from == 1
    assert restored.summary.startswith("restauration de la version 1 (")
    assert [e["id"] for e in s.directory.entries()] == ["first-asso", "second-asso"]
    assert s.directory.restore(42, "admin@reseau.example.org", role=Role.ADMIN) is None


def test_a_save_without_a_clock_is_dated_now(s):
    plain = DirectoryService(store=s.stores.directory, mail_log=s.stores.mail_log, monotonic=lambda: 0.0, ttl_seconds=0)
    version = plain.save([], "op", role=Role.ADMIN)
    assert version.at[:2] == "20" and version.at.endswith("Z")
    assert version.count == 0


def test_a_service_without_a_mail_composer_saves_no_address_change_unannounced(s):
    # scripts/deploy.py seeds an empty directory with one: it may add, never move, an address.
    bare = DirectoryService(store=s.stores.directory, mail_log=s.stores.mail_log, monotonic=lambda: 0.0, ttl_seconds=0)
    moved = validate_entries([association("first-asso", emails=["ailleurs@asso.example.org"]), DIRECTORY[1]])
    with pytest.raises(RuntimeError):
        bare.save(moved, "op", role=Role.ADMIN)
    assert s.directory.entry("first-asso").emails == ["first-asso@asso.example.org"]
    bare.save(validate_entries([*DIRECTORY, association("third-asso")]), "op", role=Role.ADMIN)
    assert s.directory.entry("third-asso") is not None


def test_an_entry_added_must_be_new_and_one_changed_must_exist(s):
    with pytest.raises(InvalidDirectory) as taken:
        s.directory.save_entry(association("first-asso"), "op", new=True, role=Role.ADMIN)
    assert taken.value.errors == [{"field": "id", "id": "first-asso", "message": "id already in use"}]
    with pytest.raises(InvalidDirectory) as missing:
        s.directory.save_entry(association("nobody"), "op", new=False, role=Role.OPERATOR)
    assert missing.value.errors == [{"field": "id", "id": "nobody", "message": "no such association"}]
    version = s.directory.save_entry(
        association("first-asso", name="Les Premiers"), "op", new=False, role=Role.OPERATOR
    )
    assert version.author == "op"
    assert [(e["id"], [str(n) for n in e["needs"]]) for e in version.entries] == [
        ("first-asso", ["scolaire", "orientation", "insertion_pro"]),
        ("second-asso", ["scolaire"]),
    ]
    assert s.directory.entry("first-asso").name == "Les Premiers"
    assert s.directory.entry("nobody") is None


# -- the routing cache -------------------------------------------------------------------------------


def test_the_cached_load_counts_what_is_taken_and_released_never_below_zero(s):
    cached = DirectoryService(
        store=s.stores.directory, mail_log=s.stores.mail_log, monotonic=lambda: 0.0, ttl_seconds=3600, clock=s.clock
    )
    cached.note_taken("second-asso")  # nothing cached yet: nothing to count
    assert cached.snapshot().load.get("second-asso", 0) == 0
    cached.note_taken("second-asso")
    cached.note_taken("second-asso")
    assert cached.snapshot().load["second-asso"] == 2
    cached.note_released("second-asso")
    assert cached.snapshot().load["second-asso"] == 1
    cached.note_released("second-asso")
    cached.note_released("second-asso")
    assert cached.snapshot().load["second-asso"] == 0
    cached.note_released("first-asso")
    assert cached.snapshot().load["first-asso"] == 0


def test_a_save_empties_the_cache(s):
    cached = DirectoryService(
        store=s.stores.directory, mail_log=s.stores.mail_log, monotonic=lambda: 0.0, ttl_seconds=3600, clock=s.clock
    )
    assert cached.snapshot().get("third-asso") is None
    cached.replace([*DIRECTORY, association("third-asso")])
    assert cached.snapshot().get("third-asso").name == "Association third-asso"


# -- Simuler -----------------------------------------------------------------------------------------


def preview(s, days):
    return DirectoryPreview(
        directory=s.directory, requests=s.stores.requests, clock=s.clock, weights=s.settings.routing_weights, days=days
    )


def test_a_simulation_routes_the_window_s_requests_under_the_proposed_directory(s, clock):
    s.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=8)
    s.submit(request_of(youth(postal_code="59000", city="Lille"), Channel.FORM))
    s.submit(request_of(youth(postal_code="75001", city="Paris"), Channel.FORM))
    proposed = validate_entries([association("first-asso", departements=["59", "75"], needs=["scolaire"])])
    sim = preview(s, 7).simulate(proposed)
    assert (sim.days, sim.requests, sim.gap_scope) == (7, 2, "requests")
    assert sim.from_triage == 1
    assert [r.reference for r in preview(s, 9).recent_requests()][2:] != []
    everywhere = preview(s, 9).simulate(proposed, all_departements=True)
    assert (everywhere.days, everywhere.requests, everywhere.gap_scope) == (9, 3, "all")


# -- a save racing another ---------------------------------------------------------------------------


class Conflicting:
    """The directory store, refusing the first `n` saves with `what`."""

    def __init__(self, store, n, what):
        from chalicelib.services.ports import Rejected

        self.store, self.n, self.what, self.Rejected, self.tries = store, n, what, Rejected, 0

    def save_directory(self, associations, version, *mails):
        self.tries += 1
        if self.tries <= self.n:
            raise self.Rejected(self.what)
        return self.store.save_directory(associations, version, *mails)

    def __getattr__(self, name):
        return getattr(self.store, name)


def racing(s, n, what):
    store = Conflicting(s.stores.directory, n, what)
    return store, DirectoryService(
        store=store, mail_log=s.stores.mail_log, monotonic=lambda: 0.0, ttl_seconds=0, clock=s.clock
    )


def test_a_save_that_lost_its_number_tries_again_up_to_five_times(s):
    from chalicelib.services.ports import Refusal

    store, directory = racing(s, 4, Refusal.CONFLICT)
    version = directory.save(validate_entries([association("only")]), "op", role=Role.ADMIN)
    assert (store.tries, version.number) == (5, 2)
    assert [e["id"] for e in s.directory.entries()] == ["only"]


def test_a_save_that_keeps_losing_gives_up_and_changes_nothing(s):
    from chalicelib.services.ports import Refusal, Rejected

    store, directory = racing(s, 5, Refusal.CONFLICT)
    with pytest.raises(Rejected) as refused:
        directory.save(validate_entries([association("only")]), "op", role=Role.ADMIN)
    assert refused.value.what is Refusal.CONFLICT and store.tries == 5
    assert [e["id"] for e in s.directory.entries()] == ["first-asso", "second-asso"]


def test_a_save_refused_for_another_reason_is_not_tried_again(s):
    from chalicelib.services.ports import Refusal, Rejected

    store, directory = racing(s, 1, Refusal.STALE)
    with pytest.raises(Rejected):
        directory.save([], "op", role=Role.ADMIN)
    assert store.tries == 1


def test_the_simulation_window_includes_its_first_second(s, clock):
    s.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=7)
    assert len(preview(s, 7).recent_requests()) == 1
    clock.advance(seconds=1)
    assert preview(s, 7).recent_requests() == []


def test_the_simulation_reads_past_one_page(s, clock):
    for _ in range(203):
        clock.advance(seconds=1)
        s.submit(request_of(youth(postal_code="75001", city="Paris"), Channel.FORM))
    assert len(preview(s, 7).recent_requests()) == 203
