"""scripts/recount.py on DynamoDB Local: requests stored through the use cases, their
counters wiped (a deployment stored before they existed) and skewed (shards holding wrong
numbers, an item from before shards), then recounted: the console's tab counts and its
statistics, read through the services as the console reads them, are what they were when
every transaction kept them; a second run changes nothing, item for item."""

from __future__ import annotations

import pytest

from chalicelib.adapters.dynamodb.table import _n, _s
from chalicelib.domain.operators import Operator, Role
from chalicelib.services.console import ConsoleService
from chalicelib.services.statistics import StatisticsService
from scripts.recount import recount
from tests.builders import ROUTING_DIRECTORY as DIRECTORY
from tests.builders import link_for, make_services
from tests.builders import submit_qpv_youth as submit

COUNTER_PKS = ("COUNTS", "STATS#DAY", "STATS#ASSOC")


@pytest.fixture
def s(settings, clock):
    return make_services(settings, clock, directory=DIRECTORY)


def counter_items(s) -> list[dict]:
    table = s.stores.requests.table
    items = []
    for pk in COUNTER_PKS:
        items += table.query_all(KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": _s(pk)})
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def readings(s, clock):
    console = ConsoleService(
        requests=s.stores.requests,
        queue=s.stores.requests,
        directory=s.directory,
        mails=s.mails,
        clock=clock,
        settings=s.settings,
    )
    stats = StatisticsService(stats=s.stores.stats, directory=s.directory, clock=clock)
    return console.counts(), stats.report(4)


def test_recount_restores_the_tab_counts_and_statistics_and_is_idempotent(s, settings, clock):
    accepted = submit(s)
    clock.advance(hours=5)
    s.answers.accept(link_for(s, "commune-asso"))
    clock.advance(days=1)
    submit(s)  # declined by the commune's association, on to the département's
    s.answers.decline(link_for(s, "commune-asso"), "complet", None)
    closed = submit(s, postal_code="59000", city="Lille")
    console = ConsoleService(
        requests=s.stores.requests,
        queue=s.stores.requests,
        directory=s.directory,
        mails=s.mails,
        clock=clock,
        settings=s.settings,
    )
    console.close(closed.reference, Operator("op@reseau.example.org", Role.OPERATOR), "duplicate")
    clock.advance(hours=1)
    right_counts, right_report = readings(s, clock)
    assert right_counts["toutes"] == 3 and right_report.received == 3 and right_report.accepted == 1
    assert right_report.declines == {"complet": 1} and accepted.status == "routed"

    client, table = s.stores.requests.table.client, settings.table_name
    for item in counter_items(s):  # an upgraded deployment: no counter at all...
        client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    assert readings(s, clock)[0]["toutes"] == 0
    day = clock.now().iso[:10]
    skewed = [  # ... or wrong ones, some from before the counters had shards
        {
            "pk": _s("COUNTS"),
            "sk": _s(f"STATUS#routed#{day}#3"),
            "n": _n(5),
            "expires_at": _n(clock.now().epoch + 86400),
        },
        {
            "pk": _s("COUNTS"),
            "sk": _s(f"STATUS#accepted#{day}"),
            "n": _n(2),
            "expires_at": _n(clock.now().epoch + 86400),
        },
        {"pk": _s("STATS#DAY"), "sk": _s("2026-11-25#7"), "c_received_form": _n(4)},
        {"pk": _s("STATS#ASSOC"), "sk": _s("2026-11-24#far-asso"), "c_routed": _n(9)},
    ]
    for item in skewed:
        client.put_item(TableName=table, Item=item)
    assert readings(s, clock) != (right_counts, right_report)

    report = recount(client, table, clock=clock)
    assert report.requests == 3
    assert readings(s, clock) == (right_counts, right_report)
    items = counter_items(s)
    assert all(i["sk"]["S"].endswith("#0") for i in items if i["pk"]["S"] in {"COUNTS", "STATS#DAY"})

    recount(client, table, clock=clock)
    assert readings(s, clock) == (right_counts, right_report)
    assert counter_items(s) == items
