"""Create the service's DynamoDB table (with its indexes and TTL) in AWS, once per stage.

    AWS_PROFILE=... python scripts/create_table.py mentorat-prod --region eu-west-3

`make run` and the tests create their tables in DynamoDB Local the same way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3  # noqa: E402

from chalicelib.adapters.dynamodb import ensure_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table")
    parser.add_argument("--region", default="eu-west-3")
    parser.add_argument("--endpoint-url", default=None)
    args = parser.parse_args()
    client = boto3.client("dynamodb", region_name=args.region, endpoint_url=args.endpoint_url)
    created = ensure_table(client, args.table)
    print(f"{args.table}: {'created' if created else 'already there'}")


if __name__ == "__main__":
    main()
