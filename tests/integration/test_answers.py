"""Two answers racing on DynamoDB Local end in one outcome (the transition's condition).
The rest of the answer use case runs on the in-memory stores (tests/unit/services)."""

from __future__ import annotations

import threading

import pytest

from tests.builders import ROUTING_DIRECTORY as DIRECTORY
from tests.builders import event_types, link_for, make_services
from tests.builders import submit_qpv_youth as submit


@pytest.fixture
def s(settings, clock):
    return make_services(settings, clock, directory=DIRECTORY)


def test_two_simultaneous_answers_end_in_one_outcome(s):
    result = submit(s)
    token = link_for(s, "commune-asso")
    barrier = threading.Barrier(2)
    outcomes = []

    def answer(kind):
        barrier.wait()
        view = s.answers.accept(token) if kind == "accept" else s.answers.decline(token, "complet", None)
        outcomes.append(view.just_done)

    threads = [threading.Thread(target=answer, args=(k,)) for k in ("accept", "decline")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o is not None for o in outcomes) == [False, True]  # one acted, one saw the result
    types = event_types(s, result.reference)
    assert (types.count("accepted"), types.count("declined")) in {(1, 0), (0, 1)}
