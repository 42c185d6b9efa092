"""Volunteer mentors on DynamoDB Local: sign-ups racing for an association's last places
(exactly `mentor_capacity` take it), and re-routing on decline."""

from __future__ import annotations

import threading

import pytest

from chalicelib.domain.mentor_submission import parse_mentor_submission
from tests.builders import LINK, association, make_services, volunteer
from tests.integration.mail_stream import read_outbox


def sign_up_together(services, n: int) -> list:
    barrier = threading.Barrier(n)
    results: list = []
    errors: list = []

    def one(i: int) -> None:
        submission = parse_mentor_submission(volunteer(email=f"v{i}@example.net"), json=True)
        barrier.wait()
        try:
            results.append(services.mentors.sign_up(submission, "api"))
        except Exception as exc:  # noqa: BLE001 - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and len(results) == n
    return results


@pytest.mark.parametrize("round", range(2))
def test_exactly_mentor_capacity_sign_ups_of_many_take_the_association(settings, clock, round):
    s = make_services(
        settings, clock, directory=[association("small", recruits_mentors=True, mentor_capacity=3, capacity=0)]
    )
    results = sign_up_together(s, 10)
    routed = [r for r in results if r.association]
    assert len(routed) == 3 and {r.association["id"] for r in routed} == {"small"}
    triaged = [s.mentor_queries.get(r.id) for r in results if not r.association]
    assert len(triaged) == 7 and {t["triage_reason"] for t in triaged} == {"all candidates at mentor capacity"}
    assert s.stores.mentors.load_counts() == {"small": 3}
    assert s.stores.directory.load_counts().get("small", 0) == 0  # requests' counter untouched


def test_the_overflow_goes_to_the_next_candidate(settings, clock):
    s = make_services(
        settings,
        clock,
        directory=[
            association("small", recruits_mentors=True, mentor_capacity=2, communes=["59512"]),
            association("large", recruits_mentors=True),
        ],
    )
    results = sign_up_together(s, 8)
    by = [r.association["id"] for r in results]
    assert by.count("small") == 2 and by.count("large") == 6
    assert s.stores.mentors.load_counts() == {"small": 2, "large": 6}


def test_a_decline_routes_onward_and_moves_both_counters(settings, clock):
    s = make_services(
        settings,
        clock,
        directory=[
            association("first", recruits_mentors=True, mentor_capacity=5, communes=["59512"]),
            association("second", recruits_mentors=True, mentor_capacity=5),
        ],
    )
    made = s.mentors.sign_up(parse_mentor_submission(volunteer(), json=True), "form")
    mail = [m for m in read_outbox(s) if m["To"] == "first@asso.example.org"][0]
    token = LINK.search(mail.get_body(("plain",)).get_content()).group(1)
    day = clock.now().iso[:10]
    clock.advance(hours=30)
    view = s.mentors.decline(token, "complet", "plus de place ce trimestre")
    assert view.just_done == "declined"
    # Its time to answer runs from its routing to "first", not from the routing onward.
    counts = {a: c for _, a, c in s.stores.mentors.association_counts(day, clock.now().iso[:10]) if c.get("declined")}
    assert counts == {"first": {"declined": 1, "h36": 1}}
    stored = s.mentor_queries.get(made.reference)
    assert stored["status"] == "routed" and stored["association"]["id"] == "second" and stored["declined"] == ["first"]
    declined = [e for e in stored["events"] if e["type"] == "declined"][0]
    assert declined["actor"] == "first" and declined["detail"]["reason"] == "complet"
    assert s.stores.mentors.load_counts() == {"first": 0, "second": 1}
    assert [m["To"] for m in read_outbox(s) if m["To"] == "second@asso.example.org"] == ["second@asso.example.org"]
    # The first link acts no more: a second answer changes nothing.
    assert s.mentors.accept(token).state == "declined"
    assert s.mentor_queries.get(made.id)["association"]["id"] == "second"


def test_the_status_counters_are_sharded_and_summed_with_the_unsharded_ones_written_before(settings, clock):
    from chalicelib.adapters.counters import counter_expiry
    from chalicelib.adapters.dynamodb.table import COUNTER_SHARDS
    from chalicelib.domain.record_kind import VOLUNTEER

    MENTOR_COUNTS_PK = VOLUNTEER.keys.counts

    s = make_services(settings, clock, directory=[association("first", recruits_mentors=True)])
    made = [
        s.mentors.sign_up(parse_mentor_submission(volunteer(email=f"v{i}@example.net"), json=True), "api")
        for i in range(12)
    ]
    table, now = s.stores.mentors.table, clock.now().epoch
    expires = s.mentor_queries.get(made[0].id)["expires_at"]
    # An item of the release before the shards: counted along with the shards.
    table.client.put_item(
        TableName=table.name,
        Item={
            "pk": {"S": MENTOR_COUNTS_PK},
            "sk": {"S": f"STATUS#routed#{counter_expiry(expires)}"},
            "n": {"N": "2"},
            "expires_at": {"N": str(counter_expiry(expires))},
        },
    )
    keys = [
        i["sk"]["S"].split("#")
        for i in table.query_all(
            KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": MENTOR_COUNTS_PK}}
        )
    ]
    shards = {k[3] for k in keys if len(k) == 4}
    assert len(keys) - 1 == len(shards) > 1 and shards <= {str(n) for n in range(COUNTER_SHARDS)}
    assert s.stores.mentors.status_counts(now)["routed"] == 14
