"""An admin's erasure (GDPR art. 17) over HTTP, on the stack `make run` serves: after it,
nothing the service keeps still holds the person's data — the whole table is read (a
Scan: this is a test), and the raw-mail folder — while the statistics' stub stays."""

from __future__ import annotations

import time
from email.message import EmailMessage

from tests.e2e.clients import ADMIN_EMAIL, csrf_of, email_requests, send, sign_in, state

# What the person wrote, each unique to this test.
NAME, PHONE, ADDRESS = "Yanis Belkacemi", "06 71 23 45 89", "claire.dupuis-e2e@college-erasure.example.fr"
SECRETS = (NAME, "Belkacemi", "06 71 23 45 89", "0671234589", ADDRESS, "claire.dupuis-e2e")


def referent_mail(subject: str, body: str, message_id: str) -> bytes:
    m = EmailMessage()
    m["From"] = f"Claire Dupuis <{ADDRESS}>"
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = subject
    m["Message-ID"] = message_id
    m.set_content(body)
    return bytes(m)


def table_items(stack) -> list[dict]:
    stack._mails_waiting()  # makes the client
    items, args = [], {"TableName": stack.table}
    while True:
        out = stack._client.scan(**args)
        items += out["Items"]
        if "LastEvaluatedKey" not in out:
            return items
        args["ExclusiveStartKey"] = out["LastEvaluatedKey"]


def holding_secrets(stack) -> list[str]:
    return [f"{i['pk']['S']} / {i['sk']['S']}" for i in table_items(stack) if any(s in str(i) for s in SECRETS)]


def test_after_an_erasure_no_stored_copy_holds_the_persons_data(stack):
    raw_dir = stack.outbox.parent / "raw-mail"
    before_raw = set(raw_dir.glob("*.eml")) if raw_dir.exists() else set()
    body = (
        f"Bonjour,\nJe vous écris pour {NAME}, 15 ans, en 3ème au collège, qui habite à Roubaix (59100).\n"
        f"Il a besoin d'aide pour ses devoirs (soutien scolaire). Vous pouvez me joindre au {PHONE}.\n"
        "Cordialement,\nClaire Dupuis, CPE\n"
    )
    assert (
        send(stack, referent_mail("Demande de mentorat", body, "<erasure-1@college-erasure.example.fr>"), ADDRESS) == {}
    )
    (listed,) = [r for r in email_requests(stack) if r.get("referent", {}).get("email") == ADDRESS or NAME in str(r)]
    reference = listed["reference"]
    reply = referent_mail(
        f"Re: {reference}", f"Merci ! {NAME} est disponible le mercredi.\n", "<erasure-2@college-erasure.example.fr>"
    )
    assert send(stack, reply, ADDRESS) == {}
    stack.settle_mails()
    assert [e["type"] for e in state(stack, reference)["events"]][-1] == "reply_received"
    raw = set(raw_dir.glob("*.eml")) - before_raw
    assert len(raw) == 2 and all(NAME.encode() in p.read_bytes() for p in raw)
    assert holding_secrets(stack)  # the request, its timeline, its mails (the acknowledgement, sent)

    admin = sign_in(stack, ADMIN_EMAIL)
    page = stack.call("GET", f"/console/demandes/{reference}", headers={"Cookie": admin})
    done = stack.post_form(f"/console/demandes/{reference}/effacer", {"csrf": csrf_of(page.text)}, {"Cookie": admin})
    assert done.status == 303
    deadline = time.monotonic() + 5
    while holding_secrets(stack) and time.monotonic() < deadline:  # the stream may mark a mail meanwhile
        time.sleep(0.2)

    assert holding_secrets(stack) == []
    assert not any(p.exists() for p in raw)
    stub = state(stack, reference)
    assert stub["status"] == listed["status"] and stub["channel"] == "email"
    assert [e["actor"] for e in stub["events"] if e["type"] == "erased"] == [ADMIN_EMAIL]
    # The console still shows the request, without its data.
    shown = stack.call("GET", f"/console/demandes/{reference}", headers={"Cookie": admin})
    assert shown.status == 200 and not any(s in shown.text for s in SECRETS)
