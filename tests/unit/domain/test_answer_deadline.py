"""What the association's page says about its deadline: a rule of the Request, shown as a
French date. Pure."""

from __future__ import annotations

from chalicelib.domain.request import Request
from chalicelib.domain.paris_time import french_date, french_long_date

ASSIGNED = 1_796_083_200  # 2026-12-01T00:00:00Z


def request(**record) -> Request:
    return Request.from_record(
        {
            "id": "r1",
            "reference": "MNT-ABCD-EFGH",
            "channel": "form",
            "status": "routed",
            "created_at": "2026-11-30T23:30:00.000000Z",
            "expires_at": ASSIGNED + 86400 * 365,
            "fields": {"age": 16},
            **record,
        }
    )


def test_silence_sends_it_on_reroute_days_after_it_was_routed_here():
    assert request(assigned_at=ASSIGNED).answer_deadline(reroute_days=7) == ASSIGNED + 7 * 86400


def test_no_deadline_when_no_association_holds_it():
    assert request(status="needs_triage").answer_deadline(reroute_days=7) is None


def test_the_deadline_reads_as_a_day_in_france():
    assert french_long_date(ASSIGNED + 7 * 86400) == "mardi 8 décembre 2026"
    # 23:30 UTC on 30 November is already 1 December in Paris, written "1er".
    assert french_long_date(ASSIGNED - 1800) == "mardi 1er décembre 2026"
    assert french_date("2026-11-30T23:30:00.000000Z") == "01/12/2026"
