"""RecountStore (memory and DynamoDB) under the recount use case: the tab counts and the
daily aggregates recomputed from the stored requests replace whatever the counters held
(nothing, wrong numbers, the right ones), and a second run changes nothing."""

from __future__ import annotations

from chalicelib.services.clock import Now
from chalicelib.services.ports import Event
from chalicelib.services.recount import RecountService
from tests.contract.conftest import DAY, NOW, intake, iso, transition

TODAY, TOMORROW, LONG_AGO = "2026-11-24", "2026-11-25", "2026-01-05"


class Fixed:
    def __init__(self, epoch: int):
        self.epoch = epoch

    def now(self) -> Now:
        return Now(self.epoch, iso(self.epoch))


def seed(stores) -> None:
    """Two requests as the domain writes them: one routed then accepted the next day, one
    sent to triage."""
    routed = intake()
    at = routed.record.created_at
    routed.events[1] = Event(at, "routed", "routing", {"association": "asso"})
    stores.requests.commit_new(routed)
    triaged = intake(status="needs_triage", association=None, created=NOW + 60)
    triaged.events[1] = Event(triaged.record.created_at, "needs_triage", "routing", {"reason": "aucune association"})
    stores.requests.commit_new(triaged)
    stored = stores.requests.get(routed.record.id, NOW + DAY)
    accepted = transition(stored, NOW + DAY, "accepted")
    accepted.events = [Event(iso(NOW + DAY), "accepted", "asso", {})]
    stores.requests.commit_change(accepted)


def counted(stores):
    return (
        {
            status: n for status, n in stores.requests.status_counts(NOW + DAY).items() if n
        },  # a counter moved to 0 stays
        stores.stats.daily_counts(LONG_AGO, TOMORROW),
        stores.stats.association_counts(LONG_AGO, TOMORROW),
    )


def test_a_recount_replaces_wrong_counters_with_the_stored_requests_counts_twice_the_same(stores):
    seed(stores)
    right = counted(stores)
    assert right[0] == {"accepted": 1, "needs_triage": 1}
    # An upgraded deployment: counters missing or wrong, and an old day the window leaves alone.
    stores.recount.replace_status_counts({("routed", TODAY): (7, NOW + DAY), ("closed", "2026-11-20"): (2, NOW + DAY)})
    stores.recount.replace_aggregates(
        TODAY, TOMORROW, {(TODAY, None): {"received_form": 99}, (TODAY, "other"): {"routed": 4}}
    )
    stores.recount.replace_aggregates(LONG_AGO, LONG_AGO, {(LONG_AGO, None): {"received_api": 3}})
    assert counted(stores) != right

    service = RecountService(store=stores.recount, clock=Fixed(NOW + DAY))
    report = service.recount()
    assert (report.requests, report.by_status) == (2, {"accepted": 1, "needs_triage": 1})
    assert (report.first_day, report.last_day) == (TODAY, TOMORROW)
    old = (LONG_AGO, {"received_api": 3})
    after = counted(stores)
    assert after == (right[0], [old, *right[1]], right[2])
    service.recount()
    assert counted(stores) == after


def test_the_stored_requests_are_read_whole_and_expired_ones_left_out(stores):
    seed(stores)
    stored = sorted(stores.recount.stored_requests(NOW + DAY), key=lambda r: r["created_at"])
    assert [r["status"] for r in stored] == ["accepted", "needs_triage"]
    assert [e["type"] for e in stored[0]["events"]] == ["received", "routed", "accepted"]
    assert stored[0]["expires_at"] == NOW + 30 * DAY
    assert stores.recount.stored_requests(NOW + 31 * DAY) == []
