"""MailLogStore: quarantine, per-sender budgets, bounced addresses (memory and DynamoDB)."""

from __future__ import annotations

from tests.contract.conftest import DAY, NOW, iso


def test_quarantine_is_listed_newest_first_limited_and_without_expired_mail(stores):
    ids = [
        stores.mail_log.quarantine(iso(NOW + i), {"reason": f"r{i}", "raw": f"s3://raw/{i}"}, NOW + DAY + i)
        for i in range(3)
    ]
    listed = stores.mail_log.list_quarantine(NOW, 10)
    assert [q["id"] for q in listed] == ids[::-1]
    assert listed[-1] == {"id": ids[0], "at": iso(NOW), "reason": "r0", "raw": "s3://raw/0"}
    assert [q["id"] for q in stores.mail_log.list_quarantine(NOW, 2)] == [ids[2], ids[1]]
    assert [q["id"] for q in stores.mail_log.list_quarantine(NOW + DAY + 1, 10)] == [ids[2]]


def test_budgets_count_per_sender_and_window_up_to_their_limit(stores):
    log = stores.mail_log
    assert [log.take_ack_budget("s1", 7, 2, NOW + 3600) for _ in range(3)] == [True, True, False]
    assert log.take_ack_budget("s1", 8, 2, NOW + 7200)  # the next hour
    assert log.take_ack_budget("s2", 7, 2, NOW + 3600)  # another sender
    assert [log.take_sender_budget("s1", 7, 1, NOW + DAY) for _ in range(2)] == [True, False]  # its own counter


def test_a_bounced_address_is_flagged_once(stores):
    stores.mail_log.flag_address("b-asso", "contact@b.example.org", iso(NOW), "Permanent")
    stores.mail_log.flag_address("a-asso", "x@a.example.org", iso(NOW), "Permanent")
    stores.mail_log.flag_address("b-asso", "contact@b.example.org", iso(NOW + 60), "5.1.1")
    assert stores.mail_log.address_flags() == [
        {"association": "a-asso", "address": "x@a.example.org", "at": iso(NOW), "reason": "Permanent"},
        {"association": "b-asso", "address": "contact@b.example.org", "at": iso(NOW + 60), "reason": "5.1.1"},
    ]
