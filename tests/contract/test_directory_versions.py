"""DirectoryStore's versions (with their author's role, and the notices written with
them) and MailLogStore's flag clearing (memory and DynamoDB)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.models import Association
from chalicelib.services.ports import DirectoryVersion, Refusal, Rejected
from tests.conftest import association
from tests.contract.conftest import DAY, NOW, iso, mail


def entries(*ids, **overrides):
    return [Association.model_validate(association(i, **overrides)) for i in ids]


def version(number, associations, author="operatrice@reseau.example.org", **overrides):
    fields = dict(
        number=number,
        at=iso(NOW + number),
        author=author,
        summary=f"version {number}",
        changes=({"kind": "added", "id": "a-asso", "name": "Association a-asso"},),
        changes_total=1,
        count=len(associations),
        entries=tuple(a.model_dump(mode="json") for a in associations),
    )
    fields.update(overrides)
    return DirectoryVersion(**fields)


def test_a_saved_directory_is_in_force_and_read_back_as_its_version(stores):
    directory = entries("a-asso", "b-asso", capacity=3)
    stores.directory.save_directory(directory, version(1, directory))
    assert stores.directory.load_directory()[0] == directory
    v = stores.directory.version(1)
    assert v == version(1, directory)
    assert [Association.model_validate(e) for e in v.entries] == directory
    assert stores.directory.version(2) is None


def test_versions_are_listed_newest_first_without_their_entries_and_by_pages(stores):
    for n in range(1, 6):
        directory = entries("a-asso", capacity=n)
        stores.directory.save_directory(directory, version(n, directory, restored_from=1 if n == 5 else None))
    listed = stores.directory.versions(3)
    assert [v.number for v in listed] == [5, 4, 3]
    assert listed[0] == replace(version(5, entries("a-asso", capacity=5), restored_from=1), entries=None)
    assert [v.number for v in stores.directory.versions(3, before=3)] == [2, 1]
    assert stores.directory.versions(10, before=1) == []
    assert stores.directory.load_directory()[0] == entries("a-asso", capacity=5)


def test_a_version_number_is_taken_once_and_the_refused_save_writes_nothing(stores):
    first = entries("a-asso")
    stores.directory.save_directory(first, version(1, first))
    other = entries("b-asso")
    with pytest.raises(Rejected) as refused:
        stores.directory.save_directory(other, version(1, other, author="api"))
    assert refused.value.what == Refusal.CONFLICT
    assert stores.directory.load_directory()[0] == first
    assert stores.directory.version(1).author == "operatrice@reseau.example.org"


def test_a_large_directory_is_kept_whole_in_its_version(stores, monkeypatch):
    # 450 associations of long names and many communes: past one transaction (100
    # items) and, uncompressed, past DynamoDB's 400 KB item. Parts of 4 KB here, so that
    # the compressed body is split (a real one is split past 350,000 bytes).
    from chalicelib.adapters.dynamodb import directory as dynamo_directory

    monkeypatch.setattr(dynamo_directory, "PART_BYTES", 4000)
    communes = [f"59{n:03d}" for n in range(1, 200)]
    directory = [
        Association.model_validate(
            association(f"asso-{i:03d}", name=f"Association {i} " + "x" * 150, communes=communes)
        )
        for i in range(450)
    ]
    stores.directory.save_directory(directory, version(1, directory))
    back = stores.directory.version(1)
    assert back.count == 450 and [Association.model_validate(e) for e in back.entries] == directory
    assert len(stores.directory.load_directory()[0]) == 450


def test_a_version_keeps_its_authors_role_and_one_saved_without_a_role_reads_none(stores):
    directory = entries("a-asso")
    stores.directory.save_directory(directory, version(1, directory))  # as saved before roles were kept
    stores.directory.save_directory(directory, version(2, directory, role="admin"))
    stores.directory.save_directory(directory, version(3, directory, author="api", role="admin"))
    assert [(v.number, v.author, v.role) for v in stores.directory.versions(5)] == [
        (3, "api", "admin"),
        (2, "operatrice@reseau.example.org", "admin"),
        (1, "operatrice@reseau.example.org", None),
    ]
    assert stores.directory.version(2) == version(2, directory, role="admin")
    assert stores.directory.version(1).role is None


def test_the_notices_of_a_version_wait_in_the_outbox_and_a_refused_number_writes_none(stores):
    directory = entries("a-asso")
    notices = [
        mail(kind="directory_address_notice", to=("old@a.example.org",)),
        mail(kind="directory_address_notice", to=("other@a.example.org",)),
    ]
    stores.directory.save_directory(directory, version(1, directory, role="admin"), notices, NOW + 30 * DAY)
    for m in notices:
        stored = stores.outbox.mail_state(m.id)
        assert (stored["state"], stored["to"], stored["kind"], stored["request_id"]) == (
            "pending",
            list(m.to),
            "directory_address_notice",
            None,
        )
    # Due for the sweeper once the stream had its grace (120 s here), from the version's time.
    assert stores.outbox.due_mails(NOW + 1 + 119, 10) == []
    assert sorted(stores.outbox.due_mails(NOW + 1 + 120, 10)) == sorted(m.id for m in notices)

    late = [mail(kind="directory_address_notice", to=("late@a.example.org",))]
    with pytest.raises(Rejected):
        stores.directory.save_directory(entries("b-asso"), version(1, entries("b-asso")), late, NOW + 30 * DAY)
    assert stores.outbox.mail_state(late[0].id) is None
    assert stores.directory.load_directory()[0] == directory


def test_the_notices_of_a_directory_past_one_transaction_are_all_written(stores):
    # 150 associations: more than one transaction's 100 items with the version and mails.
    directory = [Association.model_validate(association(f"asso-{i:03d}")) for i in range(150)]
    notices = [mail(kind="directory_address_notice", to=(f"old-{i}@a.example.org",)) for i in range(3)]
    stores.directory.save_directory(directory, version(1, directory), notices, NOW + 30 * DAY)
    assert [stores.outbox.mail_state(m.id)["state"] for m in notices] == ["pending"] * 3
    assert len(stores.directory.load_directory()[0]) == 150


def test_a_cleared_flag_is_gone_and_the_others_stay(stores):
    log = stores.mail_log
    log.flag_address("a-asso", "x@a.example.org", iso(NOW), "5.1.1")
    log.flag_address("b-asso", "y@b.example.org", iso(NOW), "5.1.1")
    assert log.clear_flag("a-asso", "x@a.example.org") is True
    assert log.clear_flag("a-asso", "x@a.example.org") is False
    assert log.clear_flag("b-asso", "x@a.example.org") is False
    assert [f["association"] for f in log.address_flags()] == ["b-asso"]
