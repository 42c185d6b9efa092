"""The items and write units of each transaction, measured on DynamoDB Local from what the
store really sends (local/transaction_meter.py), and the table of docs/storage.md held to
them: a change that adds an item to a transaction, or makes one larger than the KB it
was, fails here until docs/storage.md says so."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.conftest import association, make_services, youth
from tests.integration.mail_stream import read_outbox
from tests.unit.web.conftest import body_text as text
from tests.unit.web.conftest import served
from tests.unit.web.test_form_door_answers import post, referent_form, volunteer_form, youth_form

STORAGE = Path(__file__).resolve().parents[2] / "docs" / "storage.md"
DIRECTORY = [
    association("first-asso"),
    association("second-asso"),
    association("lille-mentors", recruits_mentors=True, mentor_capacity=3),
]
LINK = re.compile(r"/reponse/([A-Za-z0-9_.\-]+)")
JSON = {"Content-Type": "application/json"}
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


@pytest.fixture
def http(wired):
    from chalice.test import Client

    from app import app

    with Client(app) as client:
        yield client.http


def referent_mail(settings) -> bytes:
    """A referent's mail that makes a request (docs/mail.md)."""
    m = EmailMessage()
    m["From"] = "Mme Dupont <cpe@ac-lille.example.fr>"
    m["To"] = settings.intake_addresses[0]
    m["Subject"] = "Demande de mentorat"
    m["Message-ID"] = "<fiche-1@ac-lille.example.fr>"
    m.set_content(
        "Bonjour,\n\nJe vous écris pour Yanis, 14 ans, en 3ème, à Roubaix (59100). "
        "Il a besoin de soutien scolaire.\n\nMme Dupont, CPE, 03 20 00 00 00\n"
    )
    return m.as_bytes()


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
    ref = created(http.post("/api/v1/requests", body=json.dumps(youth()).encode(), headers=JSON))
    association_id = wired.requests.get(ref)["association"]["id"]
    mail = [m for m in read_outbox(wired) if m["To"] == f"{association_id}@asso.example.org"][-1]
    return LINK.search(mail.get_body(("plain",)).get_content()).group(1)


def answered(http, token: str, decision: dict) -> None:
    page = text(http.get(f"/reponse/{token}"))
    r = post(http, f"/reponse/{token}", {**decision, "csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1)})
    assert r.status_code == 200


def test_the_storage_page_states_each_transaction_items_and_write_units(http, wired, settings):
    from chalicelib.domain.operators import Operator, Role
    from chalicelib.services.console import ConsoleService

    def sent(path, fields):
        assert post(http, path, fields).status_code == 303

    refs: list[str] = []
    api = {**JSON, "Idempotency-Key": "costs-1"}
    rows = {
        "intake, youth form": measured(wired, lambda: sent("/demande", youth_form(submission_id="costs-youth"))),
        "intake, referent form": measured(
            wired, lambda: sent("/orienter", referent_form(submission_id="costs-referent"))
        ),
        "intake, API": measured(
            wired,
            lambda: refs.append(created(http.post("/api/v1/requests", body=json.dumps(youth()).encode(), headers=api))),
        ),
        "intake, mail": measured(
            wired,
            lambda: wired.mail_intake.ingest(
                referent_mail(settings), "cpe@ac-lille.example.fr", [settings.intake_addresses[0]]
            ),
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
