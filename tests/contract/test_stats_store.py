"""StatsStore and the console's additions to the other stores (memory and DynamoDB): the
daily aggregates move inside the requests' own transactions (and not at all when one is
refused), a period is read by its days, the export log, the digest's once-a-day mark with
its mails, the quarantine's read and delete, the replies noted for the digest, the
operator list."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.operators import Operator, Role
from chalicelib.services.ports import Event, Refusal, Rejected
from tests.contract.conftest import DAY, NOW, intake, iso, mail, transition

TODAY = "2026-11-24"  # NOW is 09:00 UTC, 10:00 in Paris


def day_counts(stores, first=TODAY, last=TODAY):
    return dict(stores.stats.daily_counts(first, last))


def triaged(**overrides):
    w = intake(status="needs_triage", association=None, **overrides)
    w.events[1] = Event(w.record.created_at, "needs_triage", "routing", {"reason": "aucune association"})
    return w


def test_an_intake_adds_its_counts_in_its_own_transaction(stores):
    stores.requests.commit_new(intake())
    stores.requests.commit_new(triaged())
    assert day_counts(stores) == {
        TODAY: {"received_form": 2, "routed": 1, "first_routed": 1, "triage": 1, "first_triage": 1}
    }
    assert stores.stats.association_counts(TODAY, TODAY) == [(TODAY, "asso", {"routed": 1})]


def test_a_refused_intake_counts_nothing(stores):
    first = intake()
    stores.requests.commit_new(first)
    again = intake()
    again.record = replace(again.record, reference=first.record.reference)
    with pytest.raises(Rejected):
        stores.requests.commit_new(again)
    full = intake(capacity_of=("asso", 1))
    with pytest.raises(Rejected) as caught:
        stores.requests.commit_new(full)
    assert caught.value.what is Refusal.CAPACITY
    assert day_counts(stores)[TODAY] == {"received_form": 1, "routed": 1, "first_routed": 1}


def test_an_answer_counts_its_time_to_answer_and_a_stale_one_counts_nothing(stores):
    w = intake()
    stores.requests.commit_new(w)
    stored = stores.requests.get(w.record.id, NOW)
    at = NOW + 5 * 3600
    accepted = transition(stored, at, "accepted")
    accepted = replace(accepted, events=[Event(iso(at), "accepted", "asso")])  # assigned at NOW
    stores.requests.commit_change(accepted)
    with pytest.raises(Rejected):
        stores.requests.commit_change(accepted)  # seen in a status it has left
    assert day_counts(stores)[TODAY] == {"received_form": 1, "routed": 1, "first_routed": 1, "accepted": 1}
    assert stores.stats.association_counts(TODAY, TODAY) == [(TODAY, "asso", {"routed": 1, "accepted": 1, "h8": 1})]


def test_a_period_reads_only_its_days_each_day_apart(stores):
    for created in (NOW - 2 * DAY, NOW - DAY, NOW, NOW + 40 * DAY):
        stores.requests.commit_new(intake(created=created, retention=90 * DAY))
    got = stores.stats.daily_counts("2026-11-23", TODAY)
    assert [d for d, _ in got] == ["2026-11-23", TODAY]
    assert [d for d, _, _ in stores.stats.association_counts("2026-11-22", "2026-11-23")] == [
        "2026-11-22",
        "2026-11-23",
    ]
    assert [d for d, _ in stores.stats.daily_counts("2026-12-01", "2027-01-31")] == ["2027-01-03"]
    assert stores.stats.daily_counts("2027-02-01", "2027-02-28") == []


def test_exports_are_listed_newest_first_until_they_expire(stores):
    stores.stats.record_export(
        iso(NOW), {"kind": "demandes", "operator": "op@x.org", "rows": 3, "filters": {}}, NOW + DAY
    )
    stores.stats.record_export(
        iso(NOW + 60), {"kind": "statistiques", "operator": "op@x.org", "rows": 9, "filters": {}}, NOW + 2 * DAY
    )
    listed = stores.stats.list_exports(NOW + 120, 10)
    assert [(e["kind"], e["rows"]) for e in listed] == [("statistiques", 9), ("demandes", 3)]
    assert [e["kind"] for e in stores.stats.list_exports(NOW + DAY, 10)] == ["statistiques"]


def test_the_digest_of_a_day_is_stored_once_with_its_mails(stores):
    first = [mail(kind="console_digest"), mail(kind="console_digest")]
    assert stores.stats.store_digest(TODAY, first, iso(NOW), NOW + 30 * DAY) is True
    again = [mail(kind="console_digest")]
    assert stores.stats.store_digest(TODAY, again, iso(NOW), NOW + 30 * DAY) is False
    assert [stores.outbox.mail_state(m.id)["state"] for m in first] == ["pending", "pending"]
    assert stores.outbox.mail_state(again[0].id) is None
    assert stores.stats.store_digest("2026-11-25", again, iso(NOW + DAY), NOW + 30 * DAY) is True


def test_a_quarantined_mail_is_read_by_its_key_and_deleted(stores):
    qid = stores.mail_log.quarantine(iso(NOW), {"reason": "r", "raw_key": "k.eml", "envelope_sender": ""}, NOW + DAY)
    key = f"{iso(NOW)}#{qid}"
    assert stores.mail_log.quarantined(key, NOW)["reason"] == "r"
    assert stores.mail_log.quarantined(key, NOW + DAY) is None  # expired
    assert stores.mail_log.delete_quarantined(key) is True
    assert stores.mail_log.quarantined(key, NOW) is None and stores.mail_log.list_quarantine(NOW, 10) == []
    assert stores.mail_log.delete_quarantined(key) is False


def test_replies_are_noted_for_the_digest_oldest_first_after_a_time(stores):
    stores.mail_log.note_reply(iso(NOW), "r1", "MNT-AAAA-AAAA", NOW + DAY)
    stores.mail_log.note_reply(iso(NOW + 60), "r2", "MNT-BBBB-BBBB", NOW + DAY)
    assert [n["request_id"] for n in stores.mail_log.replies_since(iso(NOW - 1), NOW)] == ["r1", "r2"]
    assert [n["reference"] for n in stores.mail_log.replies_since(iso(NOW + 1), NOW)] == ["MNT-BBBB-BBBB"]
    assert stores.mail_log.replies_since(iso(NOW - 1), NOW + DAY) == []


def test_every_operator_is_listed(stores):
    stores.console.replace_operators([Operator("b@x.org", Role.ADMIN), Operator("a@x.org", Role.OPERATOR)])
    assert sorted(stores.console.list_operators(), key=lambda o: o.email) == [
        Operator("a@x.org", Role.OPERATOR),
        Operator("b@x.org", Role.ADMIN),
    ]
