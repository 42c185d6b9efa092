"""The storage ports' contract: every test here runs on both implementations, the
in-memory stores (adapters/memory) and DynamoDB Local (adapters/dynamodb, a fresh table
per test). What passes on both is what a use case may rely on."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.mentor import MentorSignup
from chalicelib.domain.request import Request
from chalicelib.domain.routed_record import RoutedRecord
from chalicelib.domain.vocabulary import Status
from chalicelib.services.ports import Event, NewRecord, OutgoingMail, RecordChange

NOW = int(datetime(2026, 11, 24, 9, 0, tzinfo=UTC).timestamp())
DAY = 86400


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# The kinds of routed record, each with its store's name in Stores: the twins' tests run on both.
KINDS = {"request": (Request, "requests"), "mentor": (MentorSignup, "mentors")}


@pytest.fixture(params=sorted(KINDS))
def kind(request) -> type[RoutedRecord]:
    return KINDS[request.param][0]


def store_of(stores: Any, kind: type[RoutedRecord]) -> Any:
    """The store of `kind`'s records."""
    return getattr(stores, next(name for k, name in KINDS.values() if k is kind))


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
    created: int = NOW,
    status: str = "routed",
    association: str | None = "asso",
    attempt: int = 1,
    retention: int = 30 * DAY,
    kind: type[RoutedRecord] = Request,
    **extra: Any,
) -> Any:
    """A record of `kind` (a request unless told) as the use cases hand it to storage: no
    timeline yet, its data kept `retention` seconds."""
    rid = uuid.uuid4().hex
    prefix = kind.KIND.reference_prefix
    r: dict[str, Any] = {
        "id": rid,
        "reference": f"{prefix}-{uuid.uuid4().hex[:4].upper()}-{uuid.uuid4().hex[:4].upper()}",
        "channel": "form",
        "status": status,
        "created_at": iso(created),
        "updated_at": iso(created),
        "fields": {"age": 15},
        "association_id": association,
        "association": {"id": association, "name": association} if association else None,
        "declined": [],
        "expires_at": created + retention,
        **extra,
    }
    if association:
        r.update(attempt=attempt, assigned_at=created)
    return kind.from_record(r)


def intake(
    created: int = NOW,
    mails: int = 1,
    retention: int = 30 * DAY,
    capacity_of: tuple[str, int | None] | None = ("asso", None),
    kind: type[RoutedRecord] = Request,
    keep: int = 0,
    **request: Any,
) -> NewRecord[Any]:
    """A new record's write (a request unless told), its reference and timeline kept
    `keep` seconds past its data."""
    r = record(created, retention=retention, kind=kind, **request)
    if not r.association_id:
        capacity_of = None
    return NewRecord(
        record=r,
        events=[Event(r.created_at, "received", "form"), Event(r.created_at, "routed", "routing")],
        mails=[mail(r.id) for _ in range(mails)],
        keep_until=r.expires_at + keep,
        mail_expires_at=created + 30 * DAY,
        capacity_of=capacity_of,
        at=created,
    )


def signup_intake(created: int = NOW, retention: int = 90 * DAY, **kwargs: Any) -> Any:
    """A volunteer's sign-up as `intake` writes it, with the sign-ups' retentions (90 days
    unless accepted, 365 days kept once accepted)."""
    return intake(created, retention=retention, kind=MentorSignup, keep=365 * DAY, **kwargs)


def transition(stored: Any, at: int, status: str, keep: int = 0, **changes: Any) -> RecordChange[Any]:
    """A change of a stored record (as read, or as its stored dict: a request's), from the
    state it was read in (its timeline kept `keep` seconds past its data)."""
    if isinstance(stored, dict):
        stored = Request.from_record(stored)
    after = replace(stored, status=Status(status), updated_at=iso(at), **changes)
    return RecordChange(
        before=stored,
        after=after,
        events=[Event(iso(at), status, "association")],
        mails=[],
        keep_until=stored.expires_at + keep,
        mail_expires_at=at + 30 * DAY,
    )
