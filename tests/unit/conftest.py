"""The unit level: use cases and the HTTP door on the in-memory stores, the same Services
as the stack, no DynamoDB and no process.

The storage ports' own behaviour (conditions, TTL, lists, the outbox states) is the
contract suite's (tests/contract), run on both implementations; DynamoDB's behaviour
under load (threads racing for capacity, the stream) stays in tests/integration.

A module says what its stack needs with module-level names, read here:
- `SETTINGS`: overrides of tests/builders.py's in_process_settings; `keep_raw_mail=True`
  keeps raw mails in the test's folder (RAW_MAIL_DIR);
- `DIRECTORY`: the association directory `wired` starts with (none if absent);
- `OPERATORS`: the console's operators, in the OPERATORS syntax of domain/operators.py
  ("a@x.org,b@x.org:admin") or as Operator values.
"""

from __future__ import annotations

import pytest

from tests.builders import in_process_settings, make_memory_services, served


@pytest.fixture
def settings(request, tmp_path):
    overrides = dict(getattr(request.module, "SETTINGS", {}))
    if overrides.pop("keep_raw_mail", False):
        overrides["raw_mail_dir"] = str(tmp_path / "raw")
    return in_process_settings(tmp_path, **overrides)


@pytest.fixture
def services(settings, clock):
    return make_memory_services(settings, clock)


@pytest.fixture
def wired(request, settings, clock):
    """The module's stack, its console's operators on file, served to app.py's routes."""
    from chalicelib.domain.operators import parse_operators

    s = make_memory_services(settings, clock, directory=getattr(request.module, "DIRECTORY", []))
    operators = getattr(request.module, "OPERATORS", "")
    if operators:
        s.stores.console.replace_operators(parse_operators(operators) if isinstance(operators, str) else operators)
    with served(s):
        yield s
