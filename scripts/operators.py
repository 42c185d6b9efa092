"""Set the console's operators of a deployed stage: the AWS counterpart of OPERATORS.

    python scripts/operators.py --table mentorat-prod --region eu-west-1 \
        "alice@reseau.example.org:admin,bob@reseau.example.org"

The list replaces the stored one whole: an address left out loses the console at its
next request (its sessions are closed, and every request reads the list again). It
prints how many operators and admins it stored, never the addresses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def set_operators(client: Any, table: str, setting: str) -> tuple[int, int]:
    from chalicelib.adapters.dynamodb import DynamoTable
    from chalicelib.adapters.dynamodb.console import DynamoConsoleStore
    from chalicelib.domain.operators import parse_operators

    operators = parse_operators(setting)
    if not operators:
        raise SystemExit("no valid address in the list: nothing changed")
    DynamoConsoleStore(DynamoTable(table, lambda: client), mail_grace_seconds=120).replace_operators(operators)
    admins = sum(o.is_admin for o in operators)
    return len(operators) - admins, admins


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True)
    parser.add_argument("--region", default=None)
    parser.add_argument("operators", help="comma separated `email` or `email:admin`")
    args = parser.parse_args(argv)
    import boto3

    operators, admins = set_operators(boto3.client("dynamodb", region_name=args.region), args.table, args.operators)
    print(f"{operators} operator(s) and {admins} admin(s) stored in {args.table}")


if __name__ == "__main__":
    main()
