"""An admin's erasure reaches everything (docs/privacy-and-abuse.md), on DynamoDB Local, the
raw-mail and outbox folders of the local stack, and the logs, through the console's doors.

Requests in every state (to triage, waiting on an association, accepted, closed) and
volunteers' sign-ups in every state they can reach (to triage, waiting, accepted; no
transition closes a sign-up), each with its own name, address, phone, exact age and free
text; replies before and after the erasure (by the reference in the subject, by
In-Reply-To), automatic mails quoting them (an out-of-office reply, a delivery report),
a quarantined mail naming one, a timeline long enough that its rewrite takes several
batches past the transaction, and DynamoDB handing one batch back unprocessed. Then the
whole table is read (a Scan: this is a test), every file of both folders and every log
line: none holds any of it. Every console page still opens, and erasing again is a
harmless redirect."""

from __future__ import annotations

import email
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from email import policy
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from chalicelib.adapters.dynamodb.table import BATCH_MAX, TRANSACTION_MAX
from chalicelib.adapters.mail_reading import InProcessMailReader
from chalicelib.domain.operators import Operator, Role, parse_operators
from chalicelib.services.ports import Assignment, StorageUnavailable
from chalicelib.web import views
from tests.builders import (
    CONSOLE_PAGES,
    LINK,
    association,
    body_text,
    delivery_report,
    human_mail,
    make_services,
    served,
    signed_in,
    volunteer,
    youth,
)
from tests.integration.mail_stream import deliver_mails, read_outbox

INTAKE = "urgence@lementorat.fr"
ADMIN = "admin@reseau.example.org"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
# Ages 6-25 for youths: a 29-year-old goes to triage for her age.
DIRECTORY = [association(i, ages={"min": 6, "max": 25}, recruits_mentors=True) for i in ("nord-asso", "relais-asso")]
# Yanis's replies: a timeline whose rewrite fills the erasure's transaction and takes
# more than one batch after it.
REPLIES = TRANSACTION_MAX + BATCH_MAX

REFERENT = {
    "name": "Clémence Vaubourg",
    "email": "clemence.vaubourg@college-erasure.example.fr",
    "phone": "03 20 47 58 69",
}
YANIS = {"name": "Yanis Belkacemi", "age": 15, "text": "Il collectionne les xylophones anciens."}
# The API's youths: (what each one says, the state it is erased in).
YOUTHS = {
    "needs_triage": youth(
        first_name="Ophélie",
        last_name="Quintard",
        email="ophelie.quintard@example.net",
        phone="07 81 92 03 14",
        age=29,
        situation="emploi",
        need="insertion_pro",
        message="Je rêve de devenir funambule.",
    ),
    "accepted": youth(
        first_name="Maëlys",
        last_name="Tronchet",
        email="maelys.tronchet@example.net",
        phone="06 44 55 66 77",
        age=16,
        situation="lycee",
        message="Passionnée d'origami japonais.",
    ),
    "closed": youth(
        first_name="Ibrahim",
        last_name="Ksouri",
        email="ibrahim.ksouri@example.net",
        phone="06 11 22 33 44",
        age=17,
        situation="lycee",
        message="Je joue du oud le soir.",
    ),
    "routed": youth(
        first_name="Nathanaël",
        last_name="Brochard",
        email="nathanael.brochard@example.net",
        phone="06 55 44 33 22",
        age=13,
        parental_consent=True,
        message="Fan de spéléologie.",
    ),
}
VOLUNTEERS = {
    "routed": volunteer(
        first_name="Gwenaëlle",
        last_name="Kerbrat",
        email="gwenaelle.kerbrat@example.net",
        phone="06 31 41 59 26",
        age=47,
        sector="Ébénisterie",
        message="Je restaure des orgues.",
    ),
    "accepted": volunteer(
        first_name="Théophile",
        last_name="Marchadier",
        email="theophile.marchadier@example.net",
        phone="06 27 18 28 18",
        age=58,
        sector="Lutherie",
        message="Ancien luthier de Mirecourt.",
    ),
    "needs_triage": volunteer(
        first_name="Sidonie",
        last_name="Vautrin",
        email="sidonie.vautrin@example.net",
        phone="06 62 83 18 53",
        age=35,
        postal_code="75019",
        city=None,
        sector="Apiculture",
        message="Je garde des abeilles sur les toits.",
    ),
}


def secrets() -> set[str]:
    """What names each person or says what they wrote: names, addresses, phones (as typed
    and as stored), free text; exact ages are looked for as values (`ages_in`)."""
    found = {
        REFERENT["name"],
        REFERENT["email"],
        REFERENT["phone"],
        REFERENT["phone"].replace(" ", ""),
        YANIS["name"],
        YANIS["text"],
        "Belkacemi",
    }
    for person in (*YOUTHS.values(), *VOLUNTEERS.values()):
        found |= {
            person["last_name"],
            person["email"],
            person["phone"],
            person["phone"].replace(" ", ""),
            person["message"],
        }
        found |= {person["sector"]} if person.get("sector") else set()
    return found


AGES = {YANIS["age"], *(p["age"] for p in YOUTHS.values()), *(p["age"] for p in VOLUNTEERS.values())}


@pytest.fixture
def s(settings, clock, tmp_path):
    wired = make_services(
        replace(settings, raw_mail_dir=str(tmp_path / "raw"), intake_addresses=(INTAKE,), rate_limit_count=1000),
        clock,
        directory=DIRECTORY,
        mail_reader=InProcessMailReader,
    )
    wired.stores.console.replace_operators(parse_operators(f"{ADMIN}:admin"))
    with served(wired):
        yield wired


@pytest.fixture
def http(s):
    from app import app

    with Client(app) as client:
        yield client.http


class OneBatchHandedBack:
    """The table's client, whose first BatchWriteItem writes half of its items and hands
    the rest back unprocessed, as DynamoDB does when it throttles; `refuse_all`: every
    batch handed back whole (a throttling that never ends)."""

    def __init__(self, client: Any, refuse_all: bool = False):
        self.client, self.refuse_all, self.batches, self.handed_back = client, refuse_all, 0, 0

    def batch_write_item(self, RequestItems: dict) -> dict:
        self.batches += 1
        if self.handed_back and not self.refuse_all:
            return self.client.batch_write_item(RequestItems=RequestItems)
        self.handed_back += 1
        ((table, writes),) = RequestItems.items()
        half = 0 if self.refuse_all else len(writes) // 2
        if half:
            self.client.batch_write_item(RequestItems={table: writes[:half]})
        return {"UnprocessedItems": {table: writes[half:]}}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


# -- what the test reads ----------------------------------------------------------------------


def table_items(s) -> list[dict]:
    client, items, args = s.table.client, [], {"TableName": s.settings.table_name}
    while True:
        out = client.scan(**args)
        items += out["Items"]
        if "LastEvaluatedKey" not in out:
            return items
        args["ExclusiveStartKey"] = out["LastEvaluatedKey"]


def ages_in(value: Any) -> Iterator[Any]:
    """Every value stored under an `age` key, at any depth (a routing explanation's `age`
    rule lists the associations it left out: ids, not an age)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "age" and not isinstance(v, (list, dict)):
                yield v
            yield from ages_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from ages_in(v)


def item_text(item: dict) -> tuple[str, list[Any]]:
    """An item as text (its JSON bodies decoded), and the ages its bodies hold."""
    decoded = []
    for value in item.values():
        text = value.get("S")
        if text and text[:1] in "{[":
            decoded.append(json.loads(text))
    return str(item) + json.dumps(decoded, ensure_ascii=False), [a for d in decoded for a in ages_in(d)]


def mail_text(path: Path) -> str:
    """A stored mail as a reader would see it: its bytes, then each header and part decoded."""
    data = path.read_bytes()
    message = email.message_from_bytes(data, policy=policy.default)
    parts = [data.decode("utf-8", "replace"), *(str(v) for v in message.values())]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def holding(texts: dict[str, str]) -> dict[str, list[str]]:
    found = {name: sorted(x for x in secrets() if x in text) for name, text in texts.items()}
    return {name: words for name, words in found.items() if words}


def folders(s) -> dict[str, str]:
    files = [*Path(s.settings.raw_mail_dir).glob("*.eml"), *Path(s.settings.outbox_dir).glob("*.eml")]
    return {str(p): mail_text(p) for p in files}


# -- the people and their mail -----------------------------------------------------------------


def referent_mail(subject: str, body: str, n: int, **headers: str) -> bytes:
    return human_mail(
        subject=subject, body=body, sender=REFERENT["email"], message_id=f"<m{n}@college-erasure.example.fr>", **headers
    )


def out_of_office(to_association: email.message.EmailMessage, n: int) -> bytes:
    """The association's out-of-office reply, quoting the mail it answers (the youth's age,
    commune and message)."""
    quoted = "> " + to_association.get_body(("plain",)).get_content().replace("\n", "\n> ")
    return human_mail(
        subject=f"Réponse automatique : {to_association['Subject']}",
        sender=to_association["To"],
        body=f"Je suis absente jusqu'au 2 janvier.\n\n{quoted}",
        message_id=f"<ooo{n}@asso.example.org>",
        Auto_Submitted="auto-replied",
        In_Reply_To=to_association["Message-ID"],
    )


def mails_to(s, address: str) -> list[email.message.EmailMessage]:
    return [m for m in read_outbox(s) if m["To"] == address]


def ingest(s, raw: bytes, sender: str, kind: str):
    outcome = s.mail_intake.ingest(raw, sender, [INTAKE])
    assert outcome.kind == kind, (outcome, kind)
    return outcome


def api_submit(s, http, path: str, person: dict) -> tuple[dict, Any]:
    """What the API answered, and the mail its association was sent (None: to triage)."""
    r = http.post(path, body=json.dumps(person).encode(), headers=JSON)
    assert r.status_code == 201, r.body
    answer = json.loads(r.body)
    association = answer["association"]
    return answer, mails_to(s, f"{association['id']}@asso.example.org")[-1] if association else None


def yanis_by_his_school(s, clock, replies: int = REPLIES) -> str:
    """Yanis's request, by his school's mail: routed, with `replies` replies; its reference."""
    text = (
        f"Bonjour,\nJe vous écris pour {YANIS['name']}, {YANIS['age']} ans, en 3ème, à Roubaix (59100). "
        f"Il a besoin de soutien scolaire. {YANIS['text']}\n{REFERENT['name']}, CPE, {REFERENT['phone']}\n"
    )
    yanis = ingest(s, referent_mail("Demande de mentorat", text, 0), REFERENT["email"], "request")
    ref = yanis.reference
    for n in range(1, replies + 1):
        clock.advance(seconds=30)
        ingest(
            s,
            referent_mail(f"Re: {ref}", f"Merci ! {YANIS['name']} est disponible le mercredi ({n}).", n),
            REFERENT["email"],
            "reply",
        )
    return ref


def made(s, http, clock, admin) -> dict[str, Any]:
    """Everyone's data through the doors a person uses, each record in its state (`admin`:
    a console session, to close one); their references and the mails an association was
    sent about them."""
    # Yanis: his replies, a quarantined mail naming him, an out-of-office quoting him.
    ref = yanis_by_his_school(s, clock)
    no_sender = (
        f"From: {REFERENT['name']}\r\nTo: {INTAKE}\r\nSubject: Re: {ref}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{YANIS['name']} sera absent lundi.\r\n"
    ).encode()
    ingest(s, no_sender, REFERENT["email"], "quarantined")
    (to_yanis_association,) = mails_to(s, f"{s.requests.get(ref)['association']['id']}@asso.example.org")
    ingest(s, out_of_office(to_yanis_association, 1), to_yanis_association["To"], "automatic")

    # The API's youths.
    records = {"yanis": (ref, "routed")}
    association_mails = {"yanis": to_yanis_association}
    for state, person in YOUTHS.items():
        answer, to_association = api_submit(s, http, "/api/v1/requests", person)
        records[person["last_name"]] = (answer["reference"], state)
        if to_association:
            association_mails[person["last_name"]] = to_association
    assert s.requests.get(records["Quintard"][0])["triage_reason"] == "no association in the territory takes this age"
    closed = http.post(
        f"/console/demandes/{records['Ksouri'][0]}/clore",
        body=urlencode({"csrf": admin[1], "motif": "duplicate"}).encode(),
        headers={**admin[0], **FORM},
    )
    assert closed.status_code == 303
    tronchet = s.requests.get(records["Tronchet"][0])
    token = s.links.answer_token(Assignment(tronchet["id"], tronchet["association"]["id"], 1))
    assert s.answers.accept(token).state == "accepted"
    # Nathanaël: a reply by In-Reply-To to his acknowledgement, and his association's mail bounced.
    brochard = YOUTHS["routed"]
    (ack,) = mails_to(s, brochard["email"])
    ingest(
        s,
        human_mail(
            subject="Re: votre demande",
            body=f"Merci, c'est {brochard['first_name']} {brochard['last_name']}.",
            sender=brochard["email"],
            message_id="<n1@example.net>",
            In_Reply_To=ack["Message-ID"],
        ),
        brochard["email"],
        "reply",
    )
    bounced = association_mails["Brochard"]
    ingest(s, delivery_report(bounced["Message-ID"], bounced["To"], quoted=bounced.as_string()), "", "automatic")
    assert s.requests.get(records["Brochard"][0])["status"] == "routed"  # on to the other association

    # Volunteers.
    signups = {}
    for state, person in VOLUNTEERS.items():
        answer, to_association = api_submit(s, http, "/api/v1/mentors", person)
        signups[person["last_name"]] = (answer["reference"], state)
        if to_association:
            association_mails[person["last_name"]] = to_association
            ingest(s, out_of_office(to_association, len(association_mails)), to_association["To"], "automatic")
    marchadier = association_mails["Marchadier"]
    assert s.mentors.accept(LINK.search(marchadier.get_body(("plain",)).get_content()).group(1)).state == "accepted"
    deliver_mails(s)
    return {"records": records, "signups": signups, "association_mails": association_mails, "ack": ack["Message-ID"]}


def test_an_erasure_leaves_nothing_of_anyone_in_the_table_the_folders_or_the_logs(
    s, http, clock, caplog, capfd, monkeypatch
):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="chalicelib")
    admin = signed_in(s, ADMIN)
    people = made(s, http, clock, admin)
    records, signups = people["records"], people["signups"]

    # The console's confirmations first: at every state, with everything they hold.
    for reference, state in records.values():
        assert s.requests.get(reference)["status"] == state
    for reference, state in signups.values():
        assert s.mentor_queries.get(reference)["status"] == state
    assert holding({"table": " ".join(item_text(i)[0] for i in table_items(s))})
    assert holding(folders(s))
    yanis = s.stores.requests.get(records["yanis"][0], clock.now().epoch)
    assert len(yanis.events) > TRANSACTION_MAX + BATCH_MAX

    handing_back = OneBatchHandedBack(s.table.client)
    monkeypatch.setattr(s.table, "_client", handing_back)
    for base, erased in (("/console/demandes", records), ("/console/benevoles", signups)):
        for reference, _ in erased.values():
            r = http.post(
                f"{base}/{reference}/effacer", body=urlencode({"csrf": admin[1]}).encode(), headers={**admin[0], **FORM}
            )
            assert (r.status_code, r.headers["Location"]) == (303, f"{base}/{reference}?fait=effacee")
    assert handing_back.handed_back == 1 and handing_back.batches >= 3  # handed back once, sent again, drained

    # After: replies and automatic mails that still quote them.
    clock.advance(hours=1)
    for n, (reference, _) in enumerate(records.values()):
        ingest(
            s,
            referent_mail(f"Re: {reference}", f"{YANIS['name']} vous remercie.", 1000 + n),
            REFERENT["email"],
            "reply_to_erased",
        )
    brochard = YOUTHS["routed"]
    ingest(
        s,
        human_mail(
            subject="Re: votre demande",
            body=f"Encore moi, {brochard['last_name']}.",
            sender=brochard["email"],
            message_id="<n2@example.net>",
            In_Reply_To=people["ack"],
        ),
        brochard["email"],
        "reply_to_erased",
    )
    for n, mail in enumerate(people["association_mails"].values()):
        ingest(s, out_of_office(mail, 100 + n), mail["To"], "automatic")
    deliver_mails(s)

    for reference, state in records.values():
        stub = s.requests.get(reference)
        assert stub["status"] == state and [e["type"] for e in stub["events"]].count("erased") == 1
    for reference, state in signups.values():
        assert s.mentor_queries.get(reference)["status"] == state
    for item in table_items(s):
        text, ages = item_text(item)
        assert not holding({item["pk"]["S"]: text}), (item["pk"], item["sk"])
        assert not ages, (item["pk"], item["sk"])  # the exact age: nowhere (only bands)
        assert "takes age" not in text and " ans" not in text
    assert holding(folders(s)) == {}
    assert s.stores.mail_log.list_quarantine(clock.now().epoch, 100) == []
    logged = [f"{r.getMessage()} {vars(r)}" for r in caplog.records]
    out, err = capfd.readouterr()
    assert holding({"logs": "\n".join(logged), "stdout": out, "stderr": err}) == {}
    assert not any(f"{age} ans" in line for line in logged for age in AGES)

    # Every console page still opens; erasing again is a harmless redirect.
    for path in CONSOLE_PAGES:
        r = http.get(path, headers=admin[0])
        assert r.status_code == 200, path
        assert not holding({path: body_text(r)}), path
    for base, erased in (("/console/demandes", records), ("/console/benevoles", signups)):
        for reference, _ in erased.values():
            page = http.get(f"{base}/{reference}", headers=admin[0])
            assert page.status_code == 200 and not holding({reference: body_text(page)})
            again = http.post(
                f"{base}/{reference}/effacer", body=urlencode({"csrf": admin[1]}).encode(), headers={**admin[0], **FORM}
            )
            assert again.status_code == 303


def test_storage_that_never_drains_a_batch_is_said_and_erasing_again_finishes(s, clock, monkeypatch):
    reference = yanis_by_his_school(s, clock, replies=TRANSACTION_MAX)  # a batch or more past the transaction
    never = OneBatchHandedBack(s.table.client, refuse_all=True)
    monkeypatch.setattr(s.table, "_client", never)
    monkeypatch.setattr(s.table, "sleep", lambda seconds: None)
    console = views.console_queue(s).service
    admin = Operator(ADMIN, Role.ADMIN)
    with pytest.raises(StorageUnavailable):
        console.erase(reference, admin)  # the web door answers 503: nothing is said done that is not
    assert never.batches > 1
    half_done = s.stores.requests.get(reference, clock.now().epoch)
    assert half_done.erased and YANIS["name"] in json.dumps(half_done.events)  # the rest of the timeline
    monkeypatch.setattr(s.table, "_client", never.client)
    console.erase(reference, admin)
    done = s.stores.requests.get(reference, clock.now().epoch).to_record()
    assert YANIS["name"] not in json.dumps(done) and [e["type"] for e in done["events"]].count("erased") == 1
