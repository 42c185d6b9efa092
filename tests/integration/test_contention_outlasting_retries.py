"""Contention that outlasts the retries, at the HTTP door (app.py in process, on DynamoDB
Local): while another writer holds every item (local/conflict_rule.py), each commit is
cancelled by the store (TransactionConflict, a Rejected CONFLICT) and the use case's
retries (services/concurrency.py) run out. A person then gets a 503 with `Retry-After`,
never a 500: the forms as typed, the API's JSON errors, the answer link's page. Once the
conflict ends, sending again stores once (docs/contract.md §2, §3, §9)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.builders import (
    association,
    body_text,
    link_for,
    make_services,
    post_form,
    post_json,
    served,
    volunteer_form,
    youth,
    youth_form,
)
from tests.unit.web import conftest as web_door

http = web_door.http  # the HTTP door in process, over this module's `wired`

DIRECTORY = [association("first-asso"), association("lille-mentors", recruits_mentors=True, mentor_capacity=3)]
ANSWERS = {"accepted": "accept", "declined": "decline"}  # the timeline's event: the decision posted


@pytest.fixture
def wired(settings, clock, monkeypatch):
    from chalicelib.services import concurrency
    from local.conflict_rule import ConflictRule

    # Every retry at once: the test waits for nothing, the retries themselves still run.
    monkeypatch.setattr(concurrency, "CONFLICT_WAIT", 0.0)
    monkeypatch.setattr(concurrency, "CONFLICT_WAIT_MAX", 0.0)
    s = make_services(replace(settings, rate_limit_count=10**6), clock, directory=DIRECTORY)
    s.rule = ConflictRule(s.table.client)
    with served(s):
        yield s


def held(wired) -> int:
    """Another writer holds every item from now on; the conflicts counted so far."""
    wired.rule.all_held = True
    return wired.rule.conflicts


def released(wired, before: int) -> None:
    """The conflict ends, after it cancelled every attempt of each commit in between."""
    from chalicelib.services.concurrency import MAX_ATTEMPTS

    assert (wired.rule.conflicts - before) % MAX_ATTEMPTS == 0 and wired.rule.conflicts > before
    wired.rule.all_held = False


def requests_stored(wired) -> list[dict]:
    return wired.requests.list(None, None, 200, None)[0]


def signups_stored(wired) -> list[dict]:
    return wired.mentor_queries.list(limit=200)[0]


def assert_form_kept(r, what: str, button: str) -> None:
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    page = body_text(r)
    assert f'<h2 id="unavailable-title">Votre {what} n\'a pas pu être envoyée</h2>' in page
    assert f"« {button} »" in page
    assert '<input type="hidden" name="submission_id" value="sid-contended">' in page
    assert 'value="Roubaix"' in page


def test_the_youth_form_answers_503_as_typed_then_stores_once(http, wired):
    before = held(wired)
    fields = youth_form(submission_id="sid-contended", first_name="Zoé")
    assert_form_kept(post_form(http, "/demande", fields), "demande", "Envoyer la demande")
    assert 'value="Zoé"' in body_text(post_form(http, "/demande", fields))
    released(wired, before)
    assert requests_stored(wired) == []
    sent = [post_form(http, "/demande", fields) for _ in range(2)]  # sent again, twice (a double click)
    assert [r.status_code for r in sent] == [303, 303]
    refs = {parse_qs(urlsplit(r.headers["Location"]).query)["ref"][0] for r in sent}
    assert [r["reference"] for r in requests_stored(wired)] == list(refs)


def test_the_volunteer_form_answers_503_as_typed_then_stores_once(http, wired):
    before = held(wired)
    fields = volunteer_form(submission_id="sid-contended")
    assert_form_kept(post_form(http, "/devenir-mentor", fields), "candidature", "Proposer mon aide")
    released(wired, before)
    assert signups_stored(wired) == []
    assert [post_form(http, "/devenir-mentor", fields).status_code for _ in range(2)] == [303, 303]
    assert len(signups_stored(wired)) == 1


def test_the_api_answers_503_with_its_json_errors_then_stores_once(http, wired):
    before = held(wired)
    headers = {"Idempotency-Key": "key-contended"}
    r = post_json(http, "/api/v1/requests", youth(), headers)
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    cid = r.headers["X-Correlation-Id"]
    assert json.loads(r.body) == {
        "errors": [{"field": "body", "message": f"service temporarily unavailable, retry later (correlation id {cid})"}]
    }
    released(wired, before)
    again = [post_json(http, "/api/v1/requests", youth(), headers) for _ in range(2)]
    assert [a.status_code for a in again] == [201, 201]
    assert len({json.loads(a.body)["reference"] for a in again}) == 1
    assert len(requests_stored(wired)) == 1


@pytest.mark.parametrize("answer", [{"decision": "accept"}, {"decision": "decline", "reason": "complet"}])
def test_the_answer_link_answers_503_then_the_answer_is_taken_once(http, wired, answer):
    assert post_json(http, "/api/v1/requests", youth()).status_code == 201
    token = link_for(wired, "first-asso")
    page = body_text(http.get(f"/reponse/{token}"))
    fields = {**answer, "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1)}
    before = held(wired)
    r = post_form(http, f"/reponse/{token}", fields)
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert "<h1>Service momentanément indisponible</h1>" in body_text(r)
    released(wired, before)
    (still,) = requests_stored(wired)
    assert answered(wired, still) == []
    assert post_form(http, f"/reponse/{token}", fields).status_code == 200
    assert post_form(http, f"/reponse/{token}", fields).status_code == 200  # sent again: the page as answered
    (after,) = requests_stored(wired)
    assert answered(wired, after) == [answer["decision"]]


def answered(wired, request: dict) -> list[str]:
    """The association's answers in the request's timeline."""
    events = wired.requests.get(request["reference"])["events"]
    return [ANSWERS[e["type"]] for e in events if e["type"] in ANSWERS]
