"""The items and write units of each transaction, measured on DynamoDB Local from what the
store really sends (local/transaction_meter.py), and the table of docs/storage.md held to
them: a change that adds an item to a transaction, or makes one larger than the KB it
was, fails here until docs/storage.md says so."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from tests.builders import (
    INTAKE,
    association,
    body_text,
    intake_mail,
    link_for,
    make_services,
    post_form,
    post_json,
    referent_form,
    served,
    volunteer_form,
    youth,
    youth_form,
)
from tests.unit.web import conftest as web_door

http = web_door.http  # the HTTP door in process, over this module's `wired`
STORAGE = Path(__file__).resolve().parents[2] / "docs" / "storage.md"
DIRECTORY = [
    association("first-asso"),
    association("second-asso"),
    association("lille-mentors", recruits_mentors=True, mentor_capacity=3),
]
OPERATOR = "operatrice@reseau.example.org"


@pytest.fixture
def wired(settings, clock):
    from chalicelib.adapters.mail_reading import InProcessMailReader
    from local.transaction_meter import TransactionMeter

    s = make_services(
        replace(settings, rate_limit_count=10**6), clock, directory=DIRECTORY, mail_reader=InProcessMailReader
    )
    s.meter = TransactionMeter(s.table.client)
    with served(s):
        yield s


def measured(wired, act) -> list:
    """The items of the one transaction `act` committed."""
    start = len(wired.meter.transactions)
    act()
    (written,) = wired.meter.transactions[start:]
    return written


# What each item is, by its keys' prefixes (docs/storage.md's table of items).
KINDS = {
    ("REQ", "META"): "record",
    ("MENTOR", "META"): "record",
    ("REF", "REF"): "reference",
    ("MREF", "REF"): "reference",
    ("REQ", "EVENT"): "events",
    ("MENTOR", "EVENT"): "events",
    ("MAIL", "MAIL"): "mails",
    ("REQ", "MAIL"): "mail pointers",
    ("MENTOR", "MAIL"): "mail pointers",
    ("IDEM", "IDEM"): "idempotency",
    ("RATE", "RATE"): "per-IP counter",
    ("DIRECTORY", "LOAD"): "load counters",
    ("DIRECTORY", "MENTOR_LOAD"): "load counters",
    ("COUNTS", "STATUS"): "tab counts",
    ("MENTOR_COUNTS", "STATUS"): "tab counts",
    ("STATS", ""): "statistics",
}


def kind(w) -> str:
    pk, sk = w.pk.split("#")[0], w.sk.split("#")[0]
    return KINDS.get((pk, sk)) or KINDS[(pk, "")]


def row(name: str, written: list) -> str:
    """The line of docs/storage.md's table for one transaction, from its items."""
    from local.transaction_meter import KB

    counts = Counter(kind(w) for w in written)
    largest = -(-max(w.size for w in written) // KB)
    what = ", ".join(f"{k} {n}" for k, n in sorted(counts.items(), key=lambda kv: list(KINDS.values()).index(kv[0])))
    return f"| {name} | {len(written)} | {sum(w.write_units for w in written)} | {largest} KB | {what} |"


def created(r) -> str:
    assert r.status_code == 201
    return json.loads(r.body)["reference"]


def answer_token(http, wired) -> str:
    """A new request's answer link, from its association's mail."""
    ref = created(post_json(http, "/api/v1/requests", youth()))
    return link_for(wired, wired.requests.get(ref)["association"]["id"])


def answered(http, token: str, decision: dict) -> None:
    page = body_text(http.get(f"/reponse/{token}"))
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = post_form(http, f"/reponse/{token}", {**decision, "csrf": csrf})
    assert r.status_code == 200


def test_the_storage_page_states_each_transaction_items_and_write_units(http, wired):
    from chalicelib.domain.operators import Operator, Role
    from chalicelib.services.console import ConsoleService

    def sent(path, fields):
        assert post_form(http, path, fields).status_code == 303

    refs: list[str] = []
    api = {"Idempotency-Key": "costs-1"}
    rows = {
        "intake, youth form": measured(wired, lambda: sent("/demande", youth_form(submission_id="costs-youth"))),
        "intake, referent form": measured(
            wired, lambda: sent("/orienter", referent_form(submission_id="costs-referent"))
        ),
        "intake, API": measured(
            wired,
            lambda: refs.append(created(post_json(http, "/api/v1/requests", youth(), api))),
        ),
        "intake, mail": measured(
            wired,
            lambda: wired.mail_intake.ingest(intake_mail(), "cpe@college.example.fr", INTAKE),
        ),
        "volunteer sign-up": measured(
            wired, lambda: sent("/devenir-mentor", volunteer_form(submission_id="costs-volunteer"))
        ),
    }
    token = answer_token(http, wired)
    rows["answer: accept"] = measured(wired, lambda: answered(http, token, {"decision": "accept"}))
    token = answer_token(http, wired)
    rows["answer: decline"] = measured(
        wired, lambda: answered(http, token, {"decision": "decline", "reason": "complet"})
    )
    console = ConsoleService(
        requests=wired.stores.requests,
        queue=wired.stores.requests,
        directory=wired.directory,
        mails=wired.mails,
        clock=wired.clock,
        settings=wired.settings,
    )
    operator, (ref,) = Operator(OPERATOR, Role.ADMIN), refs
    held_by = wired.requests.get(ref)["association"]["id"]
    other = "second-asso" if held_by == "first-asso" else "first-asso"
    rows["operator: assign"] = measured(wired, lambda: console.assign(ref, operator, other, "proche du domicile"))
    rows["operator: route again"] = measured(wired, lambda: console.reroute(ref, operator, confirmed=True))
    rows["operator: close"] = measured(wired, lambda: console.close(ref, operator, "unreachable"))
    page = STORAGE.read_text(encoding="utf-8")
    table = [
        line
        for line in page.splitlines()
        if line.startswith("| intake")
        or line.startswith("| answer")
        or line.startswith("| operator")
        or line.startswith("| volunteer")
    ]
    assert table == [row(name, written) for name, written in rows.items()]
