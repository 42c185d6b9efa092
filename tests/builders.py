"""What tests build: the people who write in (a youth, a volunteer), an association, a
signed-in operator, settings, and the services wired over memory or DynamoDB.

One place for each, so that every level (tests/unit, tests/integration, tests/e2e,
tests/browser, tests/infra) builds them alike. The fixtures that hand them out live in the
conftest.py of each level; nothing here starts a process or a table by itself.
"""

from __future__ import annotations

import email
import email.policy
import html
import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from chalicelib.adapters.mail import EmlOutbox
from chalicelib.domain.models import Association
from chalicelib.domain.request import Moment, Request
from chalicelib.domain.routing import DirectoryIndex, RoutingWeights, route_request
from chalicelib.domain.vocabulary import Channel
from tests.integration.mail_stream import read_outbox

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


# The people who write in, and where they are sent.


def youth(**overrides):
    """A valid youth-form submission (docs/contract.md §2), as the API takes it."""
    data = {
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "lea.martin@example.net",
        "phone": "06 12 34 56 78",
        "age": 15,
        "postal_code": "59100",
        "city": "Roubaix",
        "situation": "college",
        "need": "scolaire",
        "publics": [],
        "message": "J'ai besoin d'aide en maths.",
        "consent": True,
        "parental_consent": False,
    }
    data.update(overrides)
    return data


def request_of(data, channel):
    """What the forms and the API hand to the intake use case."""
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.submission import parse_submission

    return NewRequest.from_submission(parse_submission(data), channel)


def youth_form(**overrides):
    data = youth(**overrides)
    fields = {k: v for k, v in data.items() if k not in {"consent", "parental_consent", "publics"} and v is not None}
    fields.update(consent="on", website="")
    return fields


def referent_form(**overrides):
    fields = youth_form(email="", phone="", last_name="", age=11, situation="primaire") | {
        "referent_name": "Mme Dupont",
        "referent_email": "cpe@ac-lille.example.fr",
        "referent_phone": "03 20 00 00 00",
        "structure_name": "Collège Jean Macé",
        "structure_type": "etablissement_scolaire",
    }
    return fields | overrides


def volunteer(**overrides):
    """A valid sign-up as the API takes it (docs/contract.md §11)."""
    data = {
        "first_name": "Paul",
        "last_name": "Durand",
        "email": "paul.durand@example.net",
        "phone": "06 98 76 54 32",
        "age": 42,
        "postal_code": "59100",
        "city": "Roubaix",
        "occupation": "actif",
        "modes": ["presentiel"],
        "hours_per_month": 4,
        "youth_ages": ["15-18"],
        "needs": ["orientation"],
        "sector": "Informatique",
        "message": "Ingénieur, j'aimerais aider des lycéens à choisir leur voie.",
        "commitment": True,
        "consent": True,
    }
    data.update(overrides)
    return data


def form_of(data, **extra):
    fields = {k: v for k, v in data.items() if k not in {"commitment", "consent"} and v is not None}
    fields.update(commitment="on", consent="on", website="", **extra)
    return fields


def volunteer_form(**overrides):
    fields = {
        "first_name": "Paul",
        "last_name": "Durand",
        "email": "paul.durand@example.net",
        "phone": "06 98 76 54 32",
        "age": "42",
        "postal_code": "59100",
        "city": "Roubaix",
        "occupation": "actif",
        "modes": ["presentiel"],
        "hours_per_month": "4",
        "youth_ages": ["15-18"],
        "needs": ["orientation"],
        "sector": "Informatique",
        "message": "Ingénieur.",
        "commitment": "on",
        "consent": "on",
        "website": "",
    }
    return fields | overrides


def association(id: str, **overrides):
    """A directory entry for tests: covers département 59, ages 6-30, every situation."""
    entry = {
        "id": id,
        "name": f"Association {id}",
        "emails": [f"{id}@asso.example.org"],
        "active": True,
        "territory": {"national": False, "regions": [], "departements": ["59"], "communes": []},
        "ages": {"min": 6, "max": 30},
        "situations": [],
        "needs": ["scolaire", "orientation", "insertion_pro"],
        "publics": [],
        "publics_required": [],
        "capacity": None,
    }
    for key, value in overrides.items():
        if key in {"departements", "regions", "communes", "national"}:
            entry["territory"] = {**entry["territory"], key: value}
        else:
            entry[key] = value
    return entry


# The youth form as the HTTP door module posts it, with its idempotency field.


def youth_form_with_id(**overrides):
    """youth_form with the form's idempotency field (`submission_id`, empty unless given)."""
    data = youth(**overrides)
    fields = {k: v for k, v in data.items() if k not in {"consent", "parental_consent", "publics"} and v is not None}
    fields.update(consent="on", website="", submission_id=overrides.get("submission_id", ""))
    return fields


# A retired volunteer, as the mails' texts show them.


ANSWER_URL = re.compile(r"http://127\.0\.0\.1:8000/reponse/([A-Za-z0-9_.\-]+)")


RETIRED = {
    "occupation": "retraite",
    "modes": ["presentiel", "distance"],
    "youth_ages": ["11-14", "15-18"],
    "needs": ["scolaire", "orientation"],
    "message": "Ingénieur, j'aimerais aider des lycéens.",
}


def retired_volunteer(**overrides):
    """volunteer() retired, in person or at a distance, for younger youths and both needs."""
    return volunteer(**{**RETIRED, **overrides})


# Two directories the HTTP door's modules serve: requests' associations, and associations
# that recruit volunteers (one of them does not: it never gets a volunteer).
YOUTH_DIRECTORY = [
    association("first-asso", needs=["scolaire"], capacity=5),
    association("second-asso", needs=["scolaire"]),
]
VOLUNTEER_DIRECTORY = [
    association("lille-mentors", recruits_mentors=True, mentor_capacity=3, communes=["59512"]),
    association("nord-mentors", recruits_mentors=True),
    association("youth-only"),  # recruits no mentor: never gets a volunteer
]
# Two associations for Roubaix's youth: the commune's first, the département's second.
TWO_ASSOCIATIONS = [
    association("first-asso", departements=[], communes=["59512"], needs=["scolaire"]),
    association("second-asso", needs=["scolaire"]),
]
# The console's operator and admin, as the modules put them on file (OPERATORS).
OPERATOR = "operatrice@reseau.example.org"
ADMIN_EMAIL = "admin@reseau.example.org"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DESK = "operator-desk"  # who asks: the keyed hash of an IP address (web/security.client_key)


# Settings and the wired services.


def dynamodb_settings(endpoint: str, tmp_path, **overrides: Any):
    """Local stage on a fresh table of the DynamoDB at `endpoint`, mails to a folder."""
    return in_process_settings(tmp_path, dynamodb_endpoint=endpoint, **overrides)


def in_process_settings(tmp_path, **overrides: Any):
    """Local stage, no DynamoDB endpoint (nothing starts DynamoDB Local), mails to a folder."""
    from chalicelib.config import Settings

    base: dict[str, Any] = dict(
        stage="local",
        table_name=f"t-{uuid.uuid4().hex[:12]}",
        outbox_dir=str(tmp_path / "outbox"),
        admin_token="test-admin-token",
        public_base_url="http://127.0.0.1:8000",
        secret_key="test-secret",
        directory_cache_seconds=0.0,
    )
    return Settings(**{**base, **overrides})


def make_services(settings, clock=None, sender=None, directory=None, stores=None, mail_reader=None):
    """A wired stack on a fresh table (or on the `stores` given), with the seed directory
    or the one given; mail read in child processes, as the stack reads it, unless told."""
    from chalicelib.bootstrap import Services
    from local.setup import prepare, seed_entries

    s = Services(settings, clock=clock, sender=sender, stores=stores, mail_reader=mail_reader)
    prepare(s, seed=False)
    s.directory.replace(directory if directory is not None else seed_entries())
    return s


def make_memory_services(settings, clock=None, sender=None, directory=None):
    """The same stack on the in-memory stores, mail read in this process: use-case tests,
    no DynamoDB, no process (chalicelib/adapters/mail_reading.py has its own tests)."""
    from chalicelib.adapters.mail_reading import InProcessMailReader
    from chalicelib.bootstrap import Stores

    return make_services(
        settings,
        clock,
        sender,
        directory,
        stores=Stores.in_memory(settings.mail_grace_seconds),
        mail_reader=InProcessMailReader,
    )


@contextmanager
def served(services) -> Iterator[Any]:
    """`services` are what app.py's routes use until the block ends."""
    from chalicelib.bootstrap import set_services

    set_services(services)
    try:
        yield services
    finally:
        set_services(None)


@contextmanager
def served_with_operators(settings, clock, directory: list[dict[str, Any]], operators: str) -> Iterator[Any]:
    """The in-memory stack over `directory`, its console's `operators` (the OPERATORS
    syntax of domain/operators.py, "a@x.org,b@x.org:admin"), served to app.py's routes."""
    from chalicelib.domain.operators import parse_operators

    s = make_memory_services(settings, clock, directory=directory)
    s.stores.console.replace_operators(parse_operators(operators))
    with served(s):
        yield s


# Services wired over either storage family, as the tests that run on both take them.


def wired_services(settings, clock, store_kind: str, directory=TWO_ASSOCIATIONS):
    """The stack on DynamoDB (`store_kind` "dynamodb": a fresh table) or on the in-memory
    stores ("memory"), with `directory`."""
    if store_kind == "dynamodb":
        return make_services(settings, clock, directory=directory)
    from chalicelib.bootstrap import Services, Stores

    s = Services(settings, clock=clock, stores=Stores.in_memory(settings.mail_grace_seconds))
    s.directory.replace(directory)
    return s


# Senders that record, count or die, standing for SES and for a worker's crash.


class Recorder:
    """A sender that records each send (by mail id); it cannot tell an unknown outcome."""

    def __init__(self):
        self.sent = []

    def send(self, mail, sender):
        self.sent.append(mail.id)


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs in the worker (no mark, no checkpoint)."""


class CountingEml(EmlOutbox):
    """The local outbox, counting its writes, and able to die right after one."""

    def __init__(self, directory):
        super().__init__(directory)
        self.writes = Counter()
        self.die_after = None

    def send(self, mail, sender):
        super().send(mail, sender)
        self.writes[mail.id] += 1
        if self.die_after is not None and sum(self.writes.values()) == self.die_after:
            raise Killed()


# Routed requests and their records, on a wired stack.


# Policy v1 on this directory, for a 15-year-old collégien of Roubaix (59512, dép. 59,
# région 32) asking for "scolaire" with the public qpv:
#   commune-asso  commune 8 + qpv 10 + first need 2 = 20
#   dep-asso      département 6 + qpv 10 + first need 2 = 18
#   region-asso   région 3 + first need 2 = 5
#   far-asso      covers 75 only: never a candidate
ROUTING_DIRECTORY = [
    association("commune-asso", departements=[], communes=["59512"], publics=["qpv"], needs=["scolaire"], capacity=3),
    association("dep-asso", publics=["qpv"], needs=["scolaire", "orientation"], capacity=3),
    association("region-asso", departements=[], regions=["32"], needs=["scolaire"], capacity=3),
    association("far-asso", departements=["75"]),
]


def submit_qpv_youth(s, **overrides):
    """A youth of the public qpv submits the form (ROUTING_DIRECTORY's scores are for them)."""
    return s.submit(request_of(youth(publics=["qpv"], **overrides), Channel.FORM))


def event_types(s, reference):
    return [e["type"] for e in s.requests.get(reference)["events"]]


def submit_youth(s, **overrides):
    """A youth submits the form."""
    return s.submit(request_of(youth(**overrides), Channel.FORM))


def association_mail_id(s, association_id: str, subject_start: str = "") -> str:
    mail = next(
        m
        for m in read_outbox(s)
        if m["To"] == f"{association_id}@asso.example.org" and m["Subject"].startswith(subject_start)
    )
    return mail["Message-ID"].strip("<>").split(".")[0]


# The console's operator.


def signed_in(services, email: str) -> tuple[dict[str, str], str]:
    """(cookie header, csrf field) of a console session of `email`, as a sign-in leaves
    it (its record on the server). An address off the list gets a session that its next
    request refuses, as one whose operator was removed."""
    from chalicelib.domain.operators import Operator, Role

    operator = services.stores.console.operator(email) or Operator(email, Role.OPERATOR)
    session = services.console_auth.open_session(operator)
    return {"Cookie": f"mentorat_console={session.cookie}"}, session.csrf


# The console's mails and sign-in.


def mails_to(services, address: str) -> list[str]:
    """The texts of the mails waiting in the outbox for `address`."""
    out = []
    for key in services.stores.outbox.due_mails(10**12, 100):
        mail = services.stores.outbox.mail_state(key)
        if address in json.dumps(mail):
            out.append(mail.get("text") or mail["body"]["text"])
    return out


def cookie_of(services, email: str) -> dict[str, str]:
    return signed_in(services, email)[0]


def submit_request(http, **overrides) -> str:
    """A youth's request through the API, as the console's pages then list it: its reference."""
    r = http.post(
        "/api/v1/requests",
        body=json.dumps(youth(**overrides)).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    assert r.status_code == 201, body_text(r)
    return json.loads(r.body)["reference"]


# The console's pages an admin reads.


# Every page of the console an operator may open besides a record's own (the directory's
# entry: nord-asso's), with the queues' filters tests/integration/test_erasure_everywhere.py reads too.
CONSOLE_PAGES = (
    "/console",
    "/console/demandes?onglet=a-trier",
    "/console/demandes?onglet=en-attente",
    "/console/demandes?onglet=acceptees",
    "/console/demandes?onglet=closes",
    "/console/demandes?onglet=toutes",
    "/console/demandes?onglet=toutes&departement=59&besoin=scolaire&du=2026-11-01&au=2026-11-30",
    "/console/annuaire",
    "/console/annuaire/nord-asso",
    "/console/annuaire/nouvelle",
    "/console/annuaire/versions",
    "/console/statistiques",
    "/console/statistiques?periode=4",
    "/console/statistiques/benevoles",
    "/console/export/demandes?onglet=toutes",
    "/console/export/statistiques",
    "/console/quarantaine",
    "/console/benevoles",
    "/console/benevoles?onglet=a-trier",
    "/console/benevoles?onglet=en-attente",
    "/console/benevoles?onglet=acceptees",
    "/console/benevoles?onglet=toutes",
    "/console/benevoles?onglet=toutes&departement=59&besoin=orientation",
)


# Reading what the HTTP door answers, and posting to it.


def body_text(r) -> str:
    """A response's body as the server wrote it (entities left as they are)."""
    return r.body if isinstance(r.body, str) else r.body.decode("utf-8")


def shown(r) -> str:
    """A page's text as a reader sees it (entities decoded)."""
    return html.unescape(body_text(r))


def title_of(r) -> str:
    """The page's <title>, as a reader sees it."""
    return re.search(r"<title>(.*?)</title>", shown(r), re.S).group(1).strip()


def post_form(http, path, fields, headers=None):
    return http.post(
        path,
        body=urlencode(fields, doseq=True).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
    )


def post_json(http, path, data, headers=None):
    return http.post(
        path, body=json.dumps(data).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


# Mails: what the outbox sends, what the intake address receives.


LINK = re.compile(r"/reponse/([A-Za-z0-9_.\-]+)")


def link_for(s, association_id: str) -> str:
    """The token of the newest mail sent to this association."""
    mails = [m for m in read_outbox(s) if m["To"] == f"{association_id}@asso.example.org"]
    assert mails, f"no mail to {association_id}"
    newest = sorted(mails, key=lambda m: m["Date"])[-1]
    return LINK.search(newest.get_body(("plain",)).get_content()).group(1)


def delivery_report(message_id: str, recipient: str, quoted: str = "") -> bytes:
    """A mail server's report that our mail `message_id` to `recipient` bounced, as it
    reaches the intake address (RFC 3464): with its headers, or the whole mail `quoted`."""
    returned = f"message/rfc822\r\n\r\n{quoted}" if quoted else f"text/rfc822-headers\r\n\r\nMessage-ID: {message_id}"
    return (
        "From: MAILER-DAEMON@mx.asso.example.org\r\nTo: urgence@lementorat.fr\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThe mail system: user unknown.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.asso.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--b\r\nContent-Type: {returned}\r\n--b--\r\n"
    ).encode()


def human_mail(
    subject="Demande de mentorat",
    body="Bonjour, un élève de 4e, 14 ans, à Roubaix 59100, a besoin de soutien scolaire.",
    sender="cpe@college.example.fr",
    message_id="<m1@college.example.fr>",
    **headers,
) -> bytes:
    m = EmailMessage()
    m["From"] = f"Mme CPE <{sender}>"
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = subject
    m["Message-ID"] = message_id
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    return m.as_bytes()


def with_attachment(
    body: str,
    name: str,
    data: bytes,
    subtype: str,
    sender="cpe@college.example.fr",
    message_id="<att@college.example.fr>",
) -> bytes:
    m = EmailMessage()
    m["From"] = f"Mme CPE <{sender}>"
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = "Fiche de liaison"
    m["Message-ID"] = message_id
    m.set_content(body)
    m.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return m.as_bytes()


# Mails as they reach the intake address.


INTAKE = ["urgence@lementorat.fr"]  # the address mail intake reads
INTAKE_BODY = "Bonjour, un élève de 4e, 14 ans, à Roubaix 59100, a besoin de soutien scolaire."


def intake_mail(
    body=INTAKE_BODY, subject="Demande de mentorat", message_id="<m1@college.example.fr>", **headers
) -> bytes:
    m = EmailMessage()
    m["From"] = "Jean Dupont <cpe@college.example.fr>"
    m["To"] = "urgence@lementorat.fr"
    m["Subject"] = subject
    if message_id:
        m["Message-ID"] = message_id
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    return m.as_bytes()


FR = SHARED / "corpus" / "fr"  # the real mail corpus


CPE = "cpe.jean-mace@ac-lille.fr"  # fr-01's sender


FAILS_DMARC = (
    "lementorat.fr; spf=fail smtp.mailfrom=ac-lille.fr; dkim=none; dmarc=fail (p=reject) header.from=ac-lille.fr"
)


def corpus_mail(
    *authentication_results: str,
    sender: str = CPE,
    message_id: str = "<fr-01@ac-lille.fr>",
    subject: str = "",
    name: str = "fr-01-cpe-college-roubaix",
) -> bytes:
    """A mail of the corpus as it reaches the ingress: the relay's header on top."""
    m = email.message_from_bytes((FR / f"{name}.eml").read_bytes(), policy=email.policy.compat32)
    for field, value in (("From", f"Sophie Lemaire <{sender}>"), ("Message-ID", message_id), ("Subject", subject)):
        if value:
            del m[field]
            m[field] = value
    fields = "".join(f"Authentication-Results: {v}\r\n" for v in authentication_results)
    return fields.encode() + m.as_bytes()


# The Request entity, without storage (chalicelib/domain/request.py).


AT = Moment(1_790_000_000, "2026-09-21T10:13:20.000000Z")
LATER = Moment(1_790_086_400, "2026-09-22T10:13:20.000000Z")
A = Association.model_validate(association("asso-a"))
B = Association.model_validate(association("asso-b"))
WEIGHTS = RoutingWeights()


def new_request(**fields) -> Request:
    return Request.from_record(
        {
            "id": "r1",
            "reference": "MNT-TEST-0001",
            "channel": "form",
            "status": "needs_triage",
            "created_at": AT.iso,
            "expires_at": AT.epoch + 86400,
            "fields": {
                "age": 15,
                "situation": "college",
                "need": "scolaire",
                "publics": [],
                "email": "lea@example.net",
                **fields,
            },
            "place": {
                "postal_code": "59100",
                "commune_code": "59512",
                "commune_name": "Roubaix",
                "departement": "59",
                "region": "32",
            },
        }
    )


def decide(request: Request, directory=(A, B), declined=()):
    index = DirectoryIndex(directory)
    decision = route_request(request.routing_query(), index, {}, declined, WEIGHTS)
    chosen = next((a for a in directory if a.id == decision.association_id), None)
    return decision, chosen


def routed() -> Request:
    request = new_request()
    return request.first_routing(*decide(request), AT).after
