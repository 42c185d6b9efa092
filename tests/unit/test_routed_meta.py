"""A routed record's first META item keeps its newest event's type when its kind tracks it
(adapters/dynamodb/routed.py), for requests and sign-ups alike: no port sets it by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.adapters.dynamodb.mentors import MENTOR_KIND
from chalicelib.adapters.dynamodb.requests import REQUEST_KIND
from chalicelib.adapters.dynamodb.routed import meta_item
from chalicelib.services.ports import Event

RECORD = {"id": "r1", "reference": "MNT-AAAA-BBBB", "status": "routed", "created_at": "2026-11-24T09:00:00Z",
          "association_id": "asso", "assigned_at": 1}
EVENTS = [Event("2026-11-24T09:00:00Z", "received", "form"), Event("2026-11-24T09:00:00Z", "routed", "routing")]


@pytest.mark.parametrize("kind", [REQUEST_KIND, MENTOR_KIND], ids=["request", "mentor"])
def test_the_first_meta_item_carries_the_newest_event_when_the_kind_tracks_it(kind):
    assert meta_item(kind, RECORD, 100, EVENTS)["last_event"] == {"S": "routed"}
    assert "last_event" not in meta_item(replace(kind, tracks_last_event=False), RECORD, 100, EVENTS)
    assert "last_event" not in meta_item(kind, RECORD, 100)
