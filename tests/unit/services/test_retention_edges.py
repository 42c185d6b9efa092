"""A request's personal data is kept `retention_days` from its creation: readable (by id,
by reference, in lists) until one second before, gone one second after, even before
storage deletes it (issue 14: both edges of every time limit). In-memory stores."""

from __future__ import annotations

from chalicelib.domain.vocabulary import Channel
from tests.builders import request_of, youth


def test_a_request_is_read_until_its_retention_ends_and_not_a_second_more(services, clock, settings):
    result = services.submit(request_of(youth(), Channel.FORM))
    clock.advance(days=settings.retention_days, seconds=-1)
    assert services.requests.get(result.id)["reference"] == result.reference
    assert services.requests.get(result.reference)["id"] == result.id
    assert [i["reference"] for i in services.requests.list(None, None, 50, None)[0]] == [result.reference]
    clock.advance(seconds=2)
    assert services.requests.get(result.id) is None
    assert services.requests.get(result.reference) is None
    assert services.requests.list(None, None, 50, None)[0] == []
