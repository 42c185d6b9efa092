"""Page cursors (memory and DynamoDB): a cursor travels in a URL, where anyone may change
it. Whatever it holds, a list answers a page or InvalidCursor, never a query storage
refuses (DynamoDB once received a crafted JSON key as its ExclusiveStartKey)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings

from chalicelib.services.ports import InvalidCursor, QueueQuery
from tests.contract.conftest import NOW, intake, iso
from tests.contract.conftest import signup_intake as signup_write
from tests.unicode_inputs import CRAFTED_CURSORS, cursors

LATER = NOW + 500


def requests_at(stores, *offsets):
    writes = [intake(created=NOW + s) for s in offsets]
    for w in writes:
        stores.requests.commit_new(w)
    return [w.record.id for w in writes]


def every_list(stores):
    """Each list that takes a cursor, as (name, call with the cursor)."""
    return [
        ("requests", lambda c: stores.requests.page(LATER, None, None, 2, c)),
        ("requests by status", lambda c: stores.requests.page(LATER, "routed", None, 2, c)),
        ("requests by association", lambda c: stores.requests.page(LATER, None, "asso", 2, c)),
        (
            "queue in a window",
            lambda c: stores.requests.queue_page(
                LATER, QueueQuery("routed", created_from=iso(NOW), created_to=iso(NOW + 300)), 2, c
            ),
        ),
        ("sign-ups", lambda c: stores.mentors.page(LATER, None, None, 2, c)),
        ("sign-ups' queue", lambda c: stores.mentors.queue_page(LATER, QueueQuery(association="asso"), 2, c)),
    ]


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_a_crafted_cursor_is_refused_by_every_list(stores, cursor):
    requests_at(stores, 1, 2, 3)
    for name, listed in every_list(stores):
        with pytest.raises(InvalidCursor):
            listed(cursor)
            pytest.fail(f"{name} took {cursor!r}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=cursors())
def test_any_cursor_gives_a_page_or_invalid_cursor(stores, cursor):
    for _, listed in every_list(stores):
        try:
            items, _ = listed(cursor)
        except InvalidCursor:
            continue
        assert isinstance(items, list)


def test_a_cursor_is_a_position_in_the_list_whoever_wrote_it(stores):
    """A well-formed sort key that names no record still starts the page after it: a
    cursor is a position, the same on both stores, and the `next` cursors read every
    record once."""
    ids = requests_at(stores, 10, 20, 30, 40)
    between = base64.urlsafe_b64encode(f"{iso(NOW + 25)}#{'f' * 32}".encode()).decode()
    items, _ = stores.requests.page(LATER, None, None, 10, between)
    assert [i.id for i in items] == [ids[1], ids[0]]
    seen, cursor = [], None
    while True:
        items, cursor = stores.requests.page(LATER, None, None, 3, cursor)
        seen += [i.id for i in items]
        if cursor is None:
            break
    assert seen == ids[::-1]


def test_a_cursor_outside_the_queues_window_is_refused(stores):
    """DynamoDB refuses to start a Query outside its key condition: a cursor of another
    window (a link kept while the dates changed) is no cursor of this list."""
    requests_at(stores, 10, 20, 400, 410)
    _, cursor = stores.requests.queue_page(
        LATER, QueueQuery("routed", created_from=iso(NOW + 300), created_to=iso(NOW + 450)), 1, None
    )
    assert cursor is not None
    with pytest.raises(InvalidCursor):
        stores.requests.queue_page(
            LATER, QueueQuery("routed", created_from=iso(NOW), created_to=iso(NOW + 100)), 1, cursor
        )
    rest, _ = stores.requests.queue_page(
        LATER, QueueQuery("routed", created_from=iso(NOW + 300), created_to=iso(NOW + 450)), 1, cursor
    )
    assert len(rest) == 1


def test_sign_ups_page_with_their_own_cursor(stores):
    writes = [signup_write(NOW + s) for s in (1, 2, 3)]
    for w in writes:
        stores.mentors.commit_new(w)
    page, cursor = stores.mentors.page(LATER, None, None, 2, None)
    rest, last = stores.mentors.page(LATER, None, None, 2, cursor)
    assert [s.id for s in page + rest] == [w.record.id for w in writes[::-1]] and last is None
