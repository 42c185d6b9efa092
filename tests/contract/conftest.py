"""The storage ports' contract: every test here runs on both implementations, the
in-memory stores (adapters/memory) and DynamoDB Local (adapters/dynamodb, a fresh table
per test). What passes on both is what a use case may rely on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.services.ports import Event, IntakeWrite, OutgoingMail, Transition

NOW = int(datetime(2026, 11, 24, 9, 0, tzinfo=UTC).timestamp())
DAY = 86400


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request):
    from chalicelib.bootstrap import Stores

    if request.param == "memory":
        return Stores.in_memory(mail_grace_seconds=120)
    import boto3

    from chalicelib.adapters.dynamodb import DynamoTable, ensure_table

    endpoint = request.getfixturevalue("dynamodb_endpoint")
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="eu-west-3",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    table = DynamoTable(f"c-{uuid.uuid4().hex[:12]}", lambda: client)
    ensure_table(client, table.name)
    return Stores.on_dynamodb(table, mail_grace_seconds=120)


def mail(request_id: str | None = None, **overrides: Any) -> OutgoingMail:
    fields: dict[str, Any] = dict(
        id=uuid.uuid4().hex,
        message_id=f"<{uuid.uuid4().hex}@lementorat.fr>",
        to=("asso@example.org",),
        subject="Nouvelle demande",
        text="texte",
        html="<p>texte</p>",
        request_id=request_id,
        kind="association_new_request",
    )
    fields.update(overrides)
    return OutgoingMail(**fields)


def record(
    created: int = NOW, status: str = "routed", association: str | None = "asso", attempt: int = 1, **extra: Any
) -> dict[str, Any]:
    """A request's record as the use cases hand it to storage (no events, no expiry)."""
    rid = uuid.uuid4().hex
    reference = "MNT-" + uuid.uuid4().hex[:4].upper() + "-" + uuid.uuid4().hex[:4].upper()
    r: dict[str, Any] = {
        "id": rid,
        "reference": reference,
        "channel": "form",
        "status": status,
        "created_at": iso(created),
        "updated_at": iso(created),
        "fields": {"age": 15},
        "association_id": association,
        "association": {"id": association, "name": association} if association else None,
        "declined": [],
        **extra,
    }
    if association:
        r.update(attempt=attempt, assigned_at=created)
    return r


def intake(
    created: int = NOW,
    mails: int = 1,
    retention: int = 30 * DAY,
    capacity_of: tuple[str, int | None] | None = ("asso", None),
    **request: Any,
) -> IntakeWrite:
    r = record(created, **request)
    if not r["association_id"]:
        capacity_of = None
    return IntakeWrite(
        request=r,
        events=[Event(r["created_at"], "received", "form"), Event(r["created_at"], "routed", "routing")],
        mails=[mail(r["id"]) for _ in range(mails)],
        expires_at=created + retention,
        mail_expires_at=created + 30 * DAY,
        capacity_of=capacity_of,
    )


def transition(stored: dict[str, Any], at: int, status: str, **changes: Any) -> Transition:
    """A change of a stored request, from the state it was read in."""
    after = {k: v for k, v in stored.items() if k not in {"events", "expires_at"}}
    after.update(status=status, updated_at=iso(at), **changes)
    return Transition(
        request=after,
        from_status=stored["status"],
        from_attempt=stored.get("attempt", 0),
        events=[Event(iso(at), status, "association")],
        mails=[],
        expires_at=stored["expires_at"],
        mail_expires_at=at + 30 * DAY,
        event_seq=len(stored["events"]),
    )
