"""Recount the console's tab counts and daily statistics from the stored requests.

    python scripts/recount.py --stack mentorat-prod --region eu-west-1    # make recount STAGE=prod
    python scripts/recount.py --table mentorat-local --endpoint-url http://127.0.0.1:8001

Once, after upgrading a deployment whose requests were stored before these counters
existed (they are kept in the requests' own transactions, so older requests were never
counted). It reads every request (a Scan: an admin command, never a page), recomputes the
counters and replaces them: running it again gives the same counts, and a request
counted already is not counted twice. Run it while no request comes in (intake, answers,
the console): a change committed during the run may be missed until the next run.
It prints how many requests it read per status and the days it rewrote, no personal data.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def recount(client: Any, table: str, since: str | None = None, clock: Any = None) -> Any:
    """The recount on `table` through `client`; its RecountReport."""
    from chalicelib.adapters.clock import SystemClock
    from chalicelib.adapters.dynamodb import DynamoTable
    from chalicelib.adapters.dynamodb.recount import DynamoRecountStore
    from chalicelib.services.recount import RecountService

    store = DynamoRecountStore(DynamoTable(table, lambda: client))
    return RecountService(store=store, clock=clock or SystemClock()).recount(since)


def table_of_stack(session: Any, stack: str) -> str:
    """The table a stack made (its output TableName, as scripts/deploy.py reads it)."""
    (described,) = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    return next(o["OutputValue"] for o in described.get("Outputs", []) if o["OutputKey"] == "TableName")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--table", help="the table's name")
    where.add_argument("--stack", help="the stack whose table it is (mentorat-<stage>)")
    parser.add_argument("--region", default=None)
    parser.add_argument("--endpoint-url", default=None, help="DynamoDB Local (the stack of `make run`)")
    parser.add_argument(
        "--since",
        default=None,
        help="first day (YYYY-MM-DD, Paris) of statistics to rewrite; default: the oldest stored request's",
    )
    args = parser.parse_args(argv)
    import boto3

    session = boto3.session.Session(region_name=args.region)
    table = args.table or table_of_stack(session, args.stack)
    extra = {}
    if args.endpoint_url:  # DynamoDB Local takes any credentials
        extra = dict(endpoint_url=args.endpoint_url, aws_access_key_id="local", aws_secret_access_key="local")
        extra["region_name"] = args.region or "eu-west-3"
    report = recount(session.client("dynamodb", **extra), table, args.since)
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(report.by_status.items())) or "none"
    print(f"{report.requests} request(s) recounted in {table}: {statuses}")
    if report.first_day:
        print(f"statistics rewritten from {report.first_day} to {report.last_day} ({report.days} day(s) with any)")


if __name__ == "__main__":
    main()
