"""What docs/privacy-and-abuse.md says our logs hold, and what they never hold.

- An unhandled failure: the person sees a correlation id, and the log line holds the same
  id, the exception's type and where it was raised, never its message (it may quote input).
- A CSV export: logged with the operator as a keyed hash, not their address.
- Console actions: logged with the request's reference, never its personal data.

`make mutation` leaves the lines that call the logger alone (see scripts/mutation.py):
these tests are what pins the logs' content."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from types import SimpleNamespace
from urllib.parse import urlencode

from tests.builders import association, signed_in, youth

OPERATOR = "operatrice@reseau.example.org"
ADMIN = "admin@reseau.example.org"
SECRET_INPUT = "lea.martin@example.org 06 12 34 56 78"
SETTINGS = dict(rate_limit_count=100)
DIRECTORY = [association("first-asso", needs=["scolaire"])]
OPERATORS = f"{OPERATOR},{ADMIN}:admin"


def records(caplog, logger_prefix: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(logger_prefix)]


class _Room:
    settings = None

    def boom(self):
        raise ValueError(f"could not read {SECRET_INPUT}")


def test_a_failure_logs_its_correlation_id_type_and_place_but_never_its_message(caplog):
    from chalicelib.web.boundary import GuardedViews

    request = SimpleNamespace(path="/demande", context={"requestId": "req-1234"})
    with caplog.at_level(logging.INFO):
        response = GuardedViews(_Room, request).boom()

    assert response.status_code == 500
    assert response.headers["X-Correlation-Id"] == "req-1234"
    assert "req-1234" in response.body  # what the person reads out to an operator
    [line] = records(caplog, "chalicelib.web.boundary")
    assert line.levelno == logging.ERROR
    assert line.getMessage() == "unexpected error"
    assert (line.correlation_id, line.error, line.path) == ("req-1234", "ValueError", "/demande")
    assert re.fullmatch(r"test_log_claims\.py:\d+( < [\w.]+:\d+)*", line.where)
    everything = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "lea.martin" not in everything and "06 12" not in everything


def test_a_storage_outage_is_logged_as_such_with_the_id_given_to_the_api_client(caplog):
    from chalicelib.services.ports import StorageUnavailable
    from chalicelib.web.boundary import failure_response

    try:
        raise StorageUnavailable("throttled")
    except StorageUnavailable as exc:
        with caplog.at_level(logging.INFO):
            response = failure_response(exc, SimpleNamespace(path="/api/v1/requests", context={"requestId": "abc"}))

    assert (response.status_code, response.headers["Retry-After"]) == (503, "30")
    assert "correlation id abc" in response.body
    [line] = records(caplog, "chalicelib.web.boundary")
    assert (line.getMessage(), line.correlation_id, line.error) == ("storage unavailable", "abc", "StorageUnavailable")


def _post(http, session, path, fields=None):
    data = {**(fields or {}), "csrf": session[1]}
    return http.post(
        path, body=urlencode(data).encode(), headers={**session[0], "Content-Type": "application/x-www-form-urlencoded"}
    )


def _submit(wired, **fields):
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission
    from chalicelib.domain.vocabulary import Channel

    return wired.intake.accept(
        NewRequest.from_submission(parse_submission(youth(**fields), json=True), Channel.FORM), None, None
    )


def test_an_export_is_logged_with_the_operator_as_a_keyed_hash(http, wired, caplog):
    _submit(wired, need="scolaire")
    session = signed_in(wired, OPERATOR)
    with caplog.at_level(logging.INFO):
        r = _post(http, session, "/console/export/demandes?onglet=toutes")
    assert r.status_code == 200

    [line] = [r for r in records(caplog, "chalicelib.services.exports") if r.getMessage() == "console export"]
    expected = hmac.new(wired.settings.secret_key.encode(), OPERATOR.encode(), hashlib.sha256).hexdigest()[:12]
    assert (line.kind, line.rows, line.operator_key) == ("demandes", 1, expected)
    assert OPERATOR not in str(line.__dict__)


def test_console_actions_log_the_reference_and_no_personal_data(http, wired, caplog):
    request = _submit(wired, need="scolaire", first_name="Léa", email="lea.martin@example.org")
    session = signed_in(wired, ADMIN)  # erasure is an administrator's
    with caplog.at_level(logging.INFO):
        r = _post(http, session, f"/console/demandes/{request.reference}/effacer")
    assert r.status_code == 303

    [line] = [
        r for r in records(caplog, "chalicelib.services.console") if r.getMessage() == "console: personal data erased"
    ]
    assert line.reference == request.reference
    everything = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "lea.martin" not in everything and "Léa" not in everything
