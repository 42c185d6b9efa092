"""scripts/operators.py on DynamoDB Local: the AWS way to set the console's operators."""

from __future__ import annotations

import uuid

import boto3
import pytest

from chalicelib.adapters.dynamodb import DynamoTable, ensure_table
from chalicelib.adapters.dynamodb.console import DynamoConsoleStore
from chalicelib.domain.operators import Operator, Role
from scripts.operators import set_operators


def test_the_list_replaces_the_stored_one_and_names_nobody(dynamodb_endpoint, capsys):
    client = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name="eu-west-3",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    name = f"ops-{uuid.uuid4().hex[:10]}"
    ensure_table(client, name)
    store = DynamoConsoleStore(DynamoTable(name, lambda: client), 120)
    assert set_operators(client, name, "a@x.org:admin, b@x.org") == (1, 1)
    assert set_operators(client, name, "b@x.org:admin") == (0, 1)
    assert store.operator("a@x.org") is None and store.operator("b@x.org") == Operator("b@x.org", Role.ADMIN)
    with pytest.raises(SystemExit):
        set_operators(client, name, "not-an-address")
    assert store.operator("b@x.org") is not None
