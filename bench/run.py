"""`make bench`: the speed figures of the service, measured in one run.

1. Intake as the sender waits for it: the HTTP POST of the youth form (303) and of the
   API (201), timed by the client, against the app served as `make run` serves it
   (local/server.py, in this process, with the stream worker running), on one DynamoDB
   Local. Against it, interleaved: a bare boto3 TransactWriteItems of the very same items
   (replayed into a twin table) and a hello-world Chalice route served the same way.
   Target: intake p50 <= 1.5 x (bare transaction p50 + hello route p50). Also: the DynamoDB
   calls made in the request path per intake (target: 1 write call, no Scan), and the
   delay from each commit to its mail's `.eml` (the stream worker sends it), at a steady
   pace of intakes, plus how long the backlog of the back-to-back run took to leave.
2. Routing decisions per second over a 500-association directory (target >= 20,000).
3. Mail intake: messages per second through parse, classify and extract over the
   real-world corpus (../shared/corpus), and the slowest message's time. Mails made to be
   slow (tests/adversarial.py): a 200,000-character body of each shape, parsed and
   extracted (goal: under 2 s each), and a 2,000-character form message masked.
4. Cold import time of app.py against a hello-world Chalice app importing boto3
   (target <= 1.3x).
5. Attached documents made to be slow or big (PDF, DOCX, ODT bombs), each in a mail read
   as the stack reads it: time against the documents' budget (target: within it + 20 %),
   and the child process's new memory against its limit.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from chalicelib.adapters.dynamodb.table import DynamoTable
    from chalicelib.bootstrap import Services

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_INTAKES = 300  # of each door, after the warm-up
WARM_UP = 30
N_PACED = 60  # intakes at PACE_SECONDS apart, for the commit -> .eml delay
PACE_SECONDS = 0.2
N_ASSOCIATIONS = 500
WRITE_CALLS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def table_of(s: Services) -> DynamoTable:
    """The table the bench's services run on (DynamoDB Local; the memory stores have none)."""
    assert s.table is not None, "the bench runs on DynamoDB"
    return s.table


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Client:
    """One keep-alive connection, as a browser or an API client holds one."""

    def __init__(self, port: int, source: str | None = None):
        self.conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=30, source_address=(source, 0) if source else None
        )

    def call(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, float]:
        t = time.perf_counter()
        self.conn.request(method, path, body=body or None, headers=headers or {})
        r = self.conn.getresponse()
        r.read()
        return r.status, time.perf_counter() - t


def serve(app, port: int):
    from local.server import make_server

    server = make_server(app, "127.0.0.1", port)  # Nagle off, as `make run` serves
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


def hello_app():
    from chalice import Chalice

    hello = Chalice(app_name="hello")

    @hello.route("/")
    def index():
        return {"hello": "world"}

    return hello


def youth_body(rng: random.Random, i: int) -> dict:
    return {
        "first_name": "Camille",
        "last_name": "Bench",
        "email": f"camille{i}@example.net",
        "age": rng.randint(15, 25),
        "postal_code": rng.choice(["59100", "75011", "69003", "13008", "31000", "35000"]),
        "situation": rng.choice(["lycee", "etudiant", "recherche_emploi"]),
        "need": rng.choice(["scolaire", "orientation", "insertion_pro"]),
        "publics": rng.choice([[], ["qpv"], ["rural"]]),
        "consent": True,
        "parental_consent": False,
    }


def as_form(body: dict, submission_id: str) -> bytes:
    fields = {k: v for k, v in body.items() if k not in {"consent", "parental_consent", "publics"}}
    fields.update(publics=body["publics"], consent="on", submission_id=submission_id, website="")
    return urlencode(fields, doseq=True).encode()


def bench_intake(endpoint: str) -> dict:
    from chalicelib.adapters.dynamodb import ensure_table
    from chalicelib.adapters.mail import EmlOutbox
    from chalicelib.bootstrap import Services, set_services
    from chalicelib.config import Settings
    from local.dynamodb_local import free_port
    from local.setup import prepare, seed_entries
    from local.stream_worker import StreamWorker

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            table_name=f"bench-{uuid.uuid4().hex[:8]}",
            dynamodb_endpoint=endpoint,
            outbox_dir=tmp,
            rate_limit_count=10**9,
            directory_cache_seconds=3600,
            admin_token="bench",
            secret_key="bench-secret",
        )
        written: dict[str, float] = {}

        class TimedOutbox(EmlOutbox):
            def send(self, mail, sender):
                super().send(mail, sender)
                written[mail.id] = time.perf_counter()

        s = Services(settings, sender=TimedOutbox(tmp))
        prepare(s, seed=False)
        # No capacity: every intake routes, so every one writes the same kinds of items.
        s.directory.replace([{**entry, "capacity": None} for entry in seed_entries()])
        set_services(s)

        # What the request path does to DynamoDB, by operation, counted in the served
        # process (the stream worker's claims and marks are not in the request path).
        calls: Counter = Counter()
        counting = {"on": False}

        def count(model, **_):
            if counting["on"] and threading.current_thread().name != "stream-worker":
                calls[model.name] += 1

        table_of(s).client.meta.events.register("before-call.dynamodb", count)

        recorded: list[list[dict]] = []
        committed: dict[str, float] = {}
        real_transact = table_of(s).transact

        def recording(labelled):
            real_transact(labelled)
            now = time.perf_counter()
            recorded.append([item for _, item in labelled])
            for label, item in labelled:
                if label == "mail":
                    committed[item["Put"]["Item"]["pk"]["S"][5:]] = now

        table_of(s).transact = recording  # type: ignore[method-assign]  # timed: each commit's moment is kept

        twin = f"{settings.table_name}-bare"
        bare_client = s._dynamodb_client()  # its own client: not counted with the app's calls
        ensure_table(bare_client, twin)

        def bare(items: list[dict]) -> float:
            twin_items = []
            for item in items:
                ((op, body),) = item.items()
                twin_items.append({op: {**body, "TableName": twin}})
            t = time.perf_counter()
            bare_client.transact_write_items(TransactItems=twin_items)
            return time.perf_counter() - t

        from app import app

        app_port, hello_port = free_port(), free_port()
        servers = [serve(app, app_port), serve(hello_app(), hello_port)]
        worker = StreamWorker.for_services(s, None, poll_seconds=0.1).start()
        web, hello = Client(app_port), Client(hello_port)
        rng = random.Random(7)
        times: dict[str, list[float]] = {"form": [], "api": [], "bare": [], "hello": []}
        intakes = 0
        try:
            for i in range(N_INTAKES + WARM_UP):
                measured = i >= WARM_UP  # warm-up: connections, caches, DynamoDB Local's JIT
                counting["on"] = measured
                body = youth_body(rng, i)
                status, t_form = web.call(
                    "POST",
                    "/demande",
                    as_form(body, f"bench-form-{i}"),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                assert status == 303, status
                form_items = recorded[-1]
                status, t_api = web.call(
                    "POST",
                    "/api/v1/requests",
                    json.dumps(body).encode(),
                    {"Content-Type": "application/json", "Idempotency-Key": f"bench-api-{i}"},
                )
                assert status == 201, status
                api_items = recorded[-1]
                counting["on"] = False
                t_bare = (bare(form_items) + bare(api_items)) / 2
                status, t_hello = hello.call("GET", "/")
                assert status == 200
                if measured:
                    intakes += 2
                    for key, value in (("form", t_form), ("api", t_api), ("bare", t_bare), ("hello", t_hello)):
                        times[key].append(value)
            last_answer = time.perf_counter()
            deadline = time.monotonic() + 120
            while set(committed) - set(written) and time.monotonic() < deadline:
                time.sleep(0.02)
            backlog_s = max(written.values()) - last_answer
            backlog_mails = len(written)
            # The delay a person sees: intakes at a steady pace, each mail timed from its commit.
            committed.clear()
            written.clear()
            for i in range(N_PACED):
                body = youth_body(rng, 10**6 + i)
                status, _ = web.call(
                    "POST",
                    "/demande",
                    as_form(body, f"bench-paced-{i}"),
                    {"Content-Type": "application/x-www-form-urlencoded"},
                )
                assert status == 303, status
                time.sleep(PACE_SECONDS)
            deadline = time.monotonic() + 60
            while set(committed) - set(written) and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            worker.stop()
            for server in servers:
                server.shutdown()
            set_services(None)
        delays = [written[m] - committed[m] for m in committed if m in written]
        lost = len(set(committed) - set(written))
        bare_client.delete_table(TableName=twin)
        bare_client.delete_table(TableName=settings.table_name)
    ms = {k: (statistics.median(v) * 1000, percentile(v, 99) * 1000) for k, v in times.items()}
    return {
        "ms": ms,
        "calls_per_intake": {op: n / intakes for op, n in sorted(calls.items())},
        "delay_p50": statistics.median(delays) * 1000,
        "delay_p99": percentile(delays, 99) * 1000,
        "mails": len(delays),
        "not_written": lost,
        "backlog_s": backlog_s,
        "backlog_mails": backlog_mails,
    }


def random_directory(rng: random.Random, n: int):
    from chalicelib.domain.models import Association

    regions = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
    deps = ["59", "62", "75", "93", "69", "13", "31", "33", "38", "44", "35", "67", "974", "2A"]
    situations = [
        "primaire",
        "college",
        "lycee",
        "lycee_pro",
        "etudiant",
        "apprenti",
        "recherche_emploi",
        "emploi",
        "sans_activite",
    ]
    needs = ["scolaire", "orientation", "insertion_pro"]
    publics = ["qpv", "rural", "handicap", "refugie", "ase", "femme"]
    out = []
    for i in range(n):
        level = rng.random()
        low = rng.randint(6, 20)
        out.append(
            Association.model_validate(
                {
                    "id": f"asso-{i:04d}",
                    "name": f"Association {i}",
                    "emails": [f"a{i}@example.org"],
                    "active": rng.random() > 0.05,
                    "territory": {
                        "national": level < 0.05,
                        "regions": rng.sample(regions, 2) if 0.05 <= level < 0.3 else [],
                        "departements": rng.sample(deps, 3) if 0.3 <= level < 0.8 else [],
                        "communes": ["59512", "75056", "13055"] if level >= 0.8 else [],
                    },
                    "ages": {"min": low, "max": rng.randint(low, 30)},
                    "situations": rng.sample(situations, rng.randint(0, 4)),
                    "needs": rng.sample(needs, rng.randint(1, 3)),
                    "publics": rng.sample(publics, rng.randint(0, 2)),
                    "publics_required": rng.sample(publics, 1) if rng.random() < 0.1 else [],
                    "capacity": rng.choice([None, 10, 40]),
                }
            )
        )
    return out


def bench_routing() -> dict[str, float]:
    from chalicelib.domain.routing import DirectoryIndex, RoutingQuery, route_request
    from chalicelib.domain.territory import resolve_place
    from chalicelib.domain.vocabulary import Need, Public, Situation

    rng = random.Random(11)
    index = DirectoryIndex(random_directory(rng, N_ASSOCIATIONS))
    load = {a.id: rng.randint(0, 10) for a in index.associations}
    queries = []
    for code in ["59100", "75011", "13008", "69003", "38000", "97400", "20000", "35000", "44000", "31000"]:
        place = resolve_place(code)
        assert place is not None, code
        for _ in range(20):
            queries.append(
                RoutingQuery(
                    age=rng.randint(8, 28),
                    situation=rng.choice(list(Situation)),
                    need=rng.choice(list(Need)),
                    publics=tuple(rng.sample(list(Public), rng.randint(0, 2))),
                    commune=place.commune_code,
                    departement=place.departement,
                    region=place.region,
                )
            )
    routed = 0
    count = 0
    deadline = time.perf_counter() + 3.0
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        for q in queries:
            routed += route_request(q, index, load).association_id is not None
        count += len(queries)
    elapsed = time.perf_counter() - start
    return {"decisions_per_s": count / elapsed, "routed_share": routed / count}


def bench_mail() -> dict[str, Any]:
    """Parse, classify and extract every message of the real-world corpus (no storage)."""
    from chalicelib.domain.extraction import extract_request
    from chalicelib.domain.inbound_mail import UnparseableMail, parse_inbound

    corpus = ROOT.parent / "shared" / "corpus"
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".json" and p.name != "README.md")
    raws = [(p, p.read_bytes()) for p in files]
    extract_request("", "habite à Roubaix")  # the commune name index loads once, not per message
    slowest, slowest_name = 0.0, ""
    start = time.perf_counter()
    for path, raw in raws:
        t = time.perf_counter()
        try:
            mail = parse_inbound(raw, "relay@example.org")
            if not mail.automatic:
                extract_request(mail.subject, mail.own_text, mail.forwarded_text, mail.signature)
        except UnparseableMail:
            pass
        took = time.perf_counter() - t
        if took > slowest:
            slowest, slowest_name = took, str(path.relative_to(corpus))
    elapsed = time.perf_counter() - start
    return {"messages": len(raws), "per_s": len(raws) / elapsed, "slowest_ms": slowest * 1000, "slowest": slowest_name}


def bench_mail_attachment(seconds: float = 2.0) -> dict[str, float]:
    """One referent's mail, parsed and extracted again and again: body only, then the same
    facts in a 1-page PDF fiche de liaison (the body says only "ci-joint")."""
    from email.message import EmailMessage

    from chalicelib.domain.extraction import extract_request
    from chalicelib.domain.inbound_mail import parse_inbound
    from tests.corpus.documents import pdf_with_text

    facts = [
        "Élève de 14 ans, en 4ème",
        "Domicile : 14 rue de l'Alma, 59100 Roubaix",
        "Besoin : soutien scolaire, REP+",
    ]

    def message(body: str, pdf: bool) -> bytes:
        m = EmailMessage()
        m["From"] = "CPE <cpe@college.example.fr>"
        m["To"] = "urgence@lementorat.fr"
        m["Subject"] = "Demande de mentorat"
        m["Message-ID"] = "<bench@college.example.fr>"
        m.set_content(body)
        if pdf:
            m.add_attachment(pdf_with_text(facts), maintype="application", subtype="pdf", filename="fiche.pdf")
        return m.as_bytes()

    def rate(raw: bytes) -> float:
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            mail = parse_inbound(raw, "cpe@college.example.fr")
            extract_request(
                mail.subject,
                mail.own_text,
                mail.forwarded_text,
                mail.signature,
                attachments=[(d.name, d.text) for d in mail.documents if d.text],
            )
            count += 1
        return count / (time.perf_counter() - start)

    plain = message("Bonjour,\n\n" + "\n".join(facts) + "\n\nCordialement", pdf=False)
    with_pdf = message("Bonjour,\n\nVeuillez trouver ci-joint la fiche.\n\nCordialement", pdf=True)
    rate(with_pdf)  # pypdf imports once, not in the figure
    return {"plain_per_s": rate(plain), "pdf_per_s": rate(with_pdf)}


def bench_document_bombs(rounds: int = 3) -> list[dict]:
    """Attached documents made to be slow or big, each in a mail read as the stack reads it
    (a child process, the default budget): the best time of a few rounds against the
    documents' budget (Limits.attachment_seconds), the most memory the child took beyond
    its parent's, and what the operator is told."""
    from email.message import EmailMessage
    from functools import partial

    from chalicelib.adapters.mail_reading import ChildProcessMailReader
    from chalicelib.config import Settings
    from chalicelib.domain.inbound_mail import Limits
    from chalicelib.services.mail_intake import read_mail, warm_up
    from tests.corpus.documents import (
        docx_with_paragraphs,
        odt_with_malformed_content,
        odt_with_paragraphs,
        pdf_made_to_be_slow,
        pdf_with_big_page,
        zip_bomb_docx,
    )

    pdf, docx, odt = "pdf", "vnd.openxmlformats-officedocument.wordprocessingml.document", "vnd.oasis.opendocument.text"
    bombs = [
        ("PDF, a page of 1.4 MB of text once inflated", pdf, pdf_with_big_page(45_000)),
        ("PDF, a page of 140 KB of text (a tenth)", pdf, pdf_with_big_page(4_500)),
        ("PDF, 30 pages of 65,000 operators each", pdf, pdf_made_to_be_slow()),
        ("PDF, 30 pages of 65,000 numbers each (longest parse)", pdf, pdf_made_to_be_slow(token=b"1")),
        ("DOCX, 60,000 paragraphs", docx, docx_with_paragraphs(60_000)),
        ("DOCX, 6,000 paragraphs (a tenth)", docx, docx_with_paragraphs(6_000)),
        ("DOCX, 300 MB of zeros zipped", docx, zip_bomb_docx(300)),
        ("ODT, 60,000 paragraphs", odt, odt_with_paragraphs(60_000)),
        ("ODT, 6,000 paragraphs (a tenth)", odt, odt_with_paragraphs(6_000)),
        ("ODT, content.xml cut short (odfpy prints it)", odt, odt_with_malformed_content(["Nom : Léo"] * 1000)),
    ]
    settings, limits = Settings(), Limits()
    reader = ChildProcessMailReader(
        partial(read_mail, limits=limits),
        seconds=settings.mail_read_seconds,
        memory_bytes=settings.mail_read_memory_mb * 2**20,
        warm=partial(warm_up, limits),
    )
    rows = []
    for name, subtype, data in bombs:
        m = EmailMessage()
        m["From"] = "CPE <cpe@college.example.fr>"
        m["Subject"] = "Fiche de liaison"
        m.set_content("Bonjour,\n\nci-joint la fiche.")
        m.add_attachment(data, maintype="application", subtype=subtype, filename="fiche")
        raw = m.as_bytes()
        best, grown, note = float("inf"), 0, ""
        for _ in range(rounds):
            with open("/proc/self/status") as status:
                parent = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
            start = time.perf_counter()
            try:
                reading = reader.read(raw, "cpe@college.example.fr")
                note = reading.mail.documents[0].note or f"{len(reading.mail.documents[0].text):,} characters read"
            except Exception as exc:  # noqa: BLE001 - a mail over its budget: the figure says so
                note = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            best = min(best, time.perf_counter() - start)
            grown = max(grown, reader.last_peak_bytes - parent)
        rows.append({"name": name, "bytes": len(data), "s": best, "grown_mb": grown / 2**20, "note": note})
    return rows


def report_document_bombs(rows: list[dict]) -> None:
    from chalicelib.config import Settings
    from chalicelib.domain.inbound_mail import Limits

    budget, memory = Limits().attachment_seconds, Settings().mail_read_memory_mb
    print(
        f"\nAttached documents made to be slow or big, each in a mail read as the stack reads it (a child"
        f" process; best of 3). Budget: {budget:g} s for the documents + 20 %, {memory} MB of new memory:"
    )
    for r in rows:
        print(
            f"  {r['name']:<52} {r['bytes'] / 1024:>7,.0f} KB  {r['s'] * 1000:>6,.0f} ms"
            f" ({r['s'] / budget:>4.0%} of {budget:g} s)  +{r['grown_mb']:>5.1f} MB  {r['note']}"
        )
    worst = max(r["s"] for r in rows)
    grown = max(r["grown_mb"] for r in rows)
    print(
        f"  slowest {worst:.2f} s (target <= {budget * 1.2:g} s: {verdict(worst <= budget * 1.2)}),"
        f" most memory +{grown:.0f} MB (target <= {memory} MB: {verdict(grown <= memory)})"
    )


# The shapes of a body made to be slow (tests/adversarial.py): the (no "@", "@"
# repeated, "a@" repeated, digit runs with separators) and a few that slowed other readers.
SLOW_SHAPES = (
    "letters, no @",
    "@ repeated",
    "a@ repeated",
    "digits",
    "1 repeated",
    "1. repeated",
    "1- repeated",
    "1/ repeated",
    "0 6 repeated",
    "+33 repeated",
    "letter-spaced",
    "A- repeated",
    "signature delimiters",
    "a sentence with contacts",
    "ages",
    "phone numbers",
)
SLOW_MAIL_GOAL_S = 2.0


def bench_slow_mails() -> dict:
    """A 200,000-character body of each shape, parsed and extracted as mail intake does
    (storage aside), and redact_contacts on a 2,000-character form message of the same
    shape: the wall time of one run each, after a warm-up. Last, a body holding every shape
    in turn, as plain text and as HTML."""
    from chalicelib.domain.inbound_mail import Limits
    from chalicelib.domain.text import redact_contacts
    from chalicelib.domain.text_rules import MESSAGE_MAX
    from tests.adversarial import FAMILIES, adversarial, corpus_text, intake, mail

    body_chars = Limits().max_text_chars  # what the parser reads of a body

    intake(mail(corpus_text()))  # imports and the commune index load once, not in a figure
    redact_contacts(corpus_text())

    def timed(run) -> float:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start

    out: dict[str, dict[str, float]] = {}
    for shape in SLOW_SHAPES:
        body = adversarial(FAMILIES[shape], body_chars)
        message = adversarial(FAMILIES[shape], MESSAGE_MAX)
        out[shape] = {
            # timed() calls each lambda at once, inside this iteration.
            "mail_s": timed(lambda: intake(mail(body))),  # noqa: B023
            "message_ms": timed(lambda: redact_contacts(message)) * 1000,  # noqa: B023
        }
    run = body_chars // len(SLOW_SHAPES)
    every = "".join(adversarial(FAMILIES[shape], run) for shape in SLOW_SHAPES)
    out["every shape in turn"] = {"mail_s": timed(lambda: intake(mail(every)))}
    out["every shape in turn, HTML"] = {"mail_s": timed(lambda: intake(mail(every, "text/html")))}
    return {"body_chars": body_chars, "message_chars": MESSAGE_MAX, "shapes": out}


HELLO = """
import boto3
from chalice import Chalice

app = Chalice(app_name="hello")


@app.route("/")
def index():
    return {"hello": "world"}
"""
TIME_IMPORT = "import time, sys; t = time.perf_counter(); import app; print(time.perf_counter() - t)"


def bench_cold_import(rounds: int = 15) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as hello_dir:
        Path(hello_dir, "app.py").write_text(HELLO)
        ours: list[float] = []
        hello: list[float] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        for _ in range(rounds):  # interleaved, so machine noise hits both alike
            for cwd, out in ((ROOT, ours), (hello_dir, hello)):
                r = subprocess.run(
                    [sys.executable, "-c", TIME_IMPORT], cwd=cwd, env=env, capture_output=True, text=True, check=True
                )
                out.append(float(r.stdout))
    return {"app_ms": statistics.median(ours) * 1000, "hello_ms": statistics.median(hello) * 1000}


# -- the console's pages (docs/console.md) ----------------------------------------------

CONSOLE_SIZES = (100, 5000)
CONSOLE_GETS = 30
STATS_PAGES = ("/console/statistiques?periode=52",)
QUEUE_PAGES = ("/console/demandes?onglet=toutes", "/console/demandes?onglet=en-attente")


def bench_console_pages(endpoint: str, pages: tuple[str, ...], seed: int) -> dict[int, dict[str, float]]:
    """Console pages served as `make run` serves them, on a table holding 100 and then
    5,000 requests spread over a year (so that the statistics' 52 weeks are all filled):
    the DynamoDB calls per page and the p50. The statistics read daily aggregates and the
    queue reads its counters and one page of an index, so the calls must not grow with
    the count."""
    from datetime import datetime, timedelta

    from app import app
    from chalicelib.adapters.clock import SettableClock
    from chalicelib.bootstrap import Services, set_services
    from chalicelib.config import Settings
    from chalicelib.domain.models import NewRequest
    from chalicelib.domain.operators import Operator, Role
    from chalicelib.domain.submission import parse_submission
    from chalicelib.domain.vocabulary import Channel
    from local.dynamodb_local import free_port
    from local.setup import prepare

    out: dict[int, dict[str, float]] = {}
    rng = random.Random(seed)
    for n in CONSOLE_SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                table_name=f"bench-console-{uuid.uuid4().hex[:8]}",
                dynamodb_endpoint=endpoint,
                outbox_dir=tmp,
                rate_limit_count=10**9,
                directory_cache_seconds=3600,
                admin_token="bench",
                secret_key="bench-secret",
            )
            clock = SettableClock(datetime.now(UTC) - timedelta(weeks=52))
            s = Services(settings, clock=clock)
            prepare(s)
            s.stores.console.replace_operators([Operator("bench@reseau.example.org", Role.OPERATOR)])
            step = timedelta(weeks=52) / n
            for i in range(n):
                body = youth_body(rng, i)
                s.intake.accept(NewRequest.from_submission(parse_submission(body, json=True), Channel.API))
                clock.advance(seconds=step.total_seconds())
            set_services(s)
            calls: Counter = Counter()
            counting = {"on": False}

            # Registered on this iteration's own client, so it sees this iteration's counters.
            def count(model, **_):
                if counting["on"]:  # noqa: B023
                    calls[model.name] += 1  # noqa: B023

            table_of(s).client.meta.events.register("before-call.dynamodb", count)
            port = free_port()
            server = serve(app, port)
            try:
                session = s.console_auth.open_session(Operator("bench@reseau.example.org", Role.OPERATOR))
                cookie = {"Cookie": f"mentorat_console={session.cookie}"}
                client = Client(port)
                for path in pages * 2:  # warm: templates, the directory's cache
                    client.call("GET", path, headers=cookie)
                times = []
                counting["on"] = True
                for i in range(CONSOLE_GETS):
                    status, seconds = client.call("GET", pages[i % len(pages)], headers=cookie)
                    assert status == 200, status
                    times.append(seconds * 1000)
                counting["on"] = False
            finally:
                server.shutdown()
                set_services(None)
                # DynamoDB Local slows down with every item it holds, whichever table.
                table_of(s).client.delete_table(TableName=table_of(s).name)
            out[n] = {
                "p50": percentile(times, 50),
                "calls": sum(calls.values()) / CONSOLE_GETS,
                "scans": calls.get("Scan", 0) / CONSOLE_GETS,
            }
    return out


N_CROWD = 200  # concurrent intakes, each on its own connection
CROWD_CLIENTS = 50


def bench_contention(endpoint: str, dynamodb_rule: bool = True, one_association: bool = True) -> dict[str, Any]:
    """Every intake ADDs to the same few counter items (the tabs' status counter of the
    day, the day's and the association's aggregates, the association's load): N_CROWD
    API posts from CROWD_CLIENTS threads released together, served as `make run` serves
    them. Counted in the served process: transactions DynamoDB cancelled for a
    TransactionConflict (each one retried by the intake), and the posts' p50/p99."""
    from concurrent.futures import ThreadPoolExecutor

    from app import app
    from chalicelib.bootstrap import Services, set_services
    from chalicelib.config import Settings
    from local.conflict_rule import ConflictRule
    from local.dynamodb_local import free_port
    from local.setup import prepare, seed_entries

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            table_name=f"bench-crowd-{uuid.uuid4().hex[:8]}",
            dynamodb_endpoint=endpoint,
            outbox_dir=tmp,
            rate_limit_count=10**9,
            directory_cache_seconds=3600,
            admin_token="bench",
            secret_key="bench-secret",
        )
        s = Services(settings)
        prepare(s, seed=False)
        # No capacity; with `one_association`, the same place and need: one association
        # takes every request, the hottest case for its items.
        s.directory.replace([{**entry, "capacity": None} for entry in seed_entries()])
        tally: Counter = Counter()

        def after(model, parsed, **_):
            tally["transactions"] += 1
            if "TransactionConflict" in [r.get("Code") for r in parsed.get("CancellationReasons", [])]:
                tally["conflicts"] += 1  # from DynamoDB Local itself (never seen)

        table_of(s).client.meta.events.register("after-call.dynamodb.TransactWriteItems", after)
        rule = ConflictRule(table_of(s).client) if dynamodb_rule else None  # local/conflict_rule.py
        set_services(s)
        port = free_port()
        server = serve(app, port)
        rng = random.Random(3)
        hot = {"postal_code": "59100", "need": "scolaire", "publics": []} if one_association else {}
        bodies = [{**youth_body(rng, i), **hot} for i in range(N_CROWD)]
        start = threading.Barrier(CROWD_CLIENTS)

        def client(k: int) -> list[tuple[int, float]]:
            start.wait()
            out = []
            for body in bodies[k::CROWD_CLIENTS]:
                # Each client from its own address, as people are: its own per-IP counter.
                out.append(
                    Client(port, f"127.0.0.{k + 1}").call(
                        "POST",
                        "/api/v1/requests",
                        json.dumps(body).encode(),
                        {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
                    )
                )
            return out

        try:
            t = time.perf_counter()
            with ThreadPoolExecutor(CROWD_CLIENTS) as pool:
                outcomes = [o for part in pool.map(client, range(CROWD_CLIENTS)) for o in part]
            wall = time.perf_counter() - t
            by_status = s.stores.requests.status_counts
            counts = by_status(s.clock.now().epoch)
        finally:
            server.shutdown()
            set_services(None)
            table_of(s).client.delete_table(TableName=settings.table_name)
    times = [seconds * 1000 for _, seconds in outcomes]
    return {
        "accepted": sum(status == 201 for status, _ in outcomes),
        "conflicts": tally["conflicts"] + (rule.conflicts if rule else 0),
        "on": dict(rule.on) if rule else {},
        "transactions": tally["transactions"],
        "p50": percentile(times, 50),
        "p99": percentile(times, 99),
        "wall_s": wall,
        "counted": sum(counts.values()),
    }


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def print_slow_mails(slow: dict) -> None:
    print(
        f"\nMails made to be slow: a {slow['body_chars']:,}-character body of each shape, parsed and extracted"
        f" (storage not included); redact_contacts on a {slow['message_chars']:,}-character form message:"
    )
    shapes = slow["shapes"]
    for shape, f in shapes.items():
        message = f"   form message {f['message_ms']:6.1f} ms" if "message_ms" in f else ""
        print(f"  {shape:<28} mail {f['mail_s']:5.2f} s{message}")
    slowest = max(shapes, key=lambda shape: shapes[shape]["mail_s"])
    seconds = shapes[slowest]["mail_s"]
    print(
        f"  slowest mail {seconds:.2f} s ({slowest}; goal < {SLOW_MAIL_GOAL_S:g} s: "
        f"{verdict(seconds < SLOW_MAIL_GOAL_S)})"
    )


def main() -> None:
    from local.dynamodb_local import DynamoDBLocal, free_port

    ddb = None
    endpoint = os.environ.get("DYNAMODB_ENDPOINT")
    if not endpoint:
        ddb = DynamoDBLocal(free_port()).start()
        endpoint = ddb.endpoint
    try:
        crowd = {rule: bench_contention(endpoint, dynamodb_rule=rule, one_association=False) for rule in (False, True)}
        intake = bench_intake(endpoint)
        stats_page = bench_console_pages(endpoint, STATS_PAGES, seed=12)
        queue_page = bench_console_pages(endpoint, QUEUE_PAGES, seed=21)
    finally:
        if ddb:
            ddb.stop()
    routing = bench_routing()
    mail = bench_mail()
    attachment = bench_mail_attachment()
    bombs = bench_document_bombs()
    slow_mails = bench_slow_mails()
    cold = bench_cold_import()

    import_ratio = cold["app_ms"] / cold["hello_ms"]
    ms = intake["ms"]
    floor = ms["bare"][0] + ms["hello"][0]
    print(
        f"\nIntake through HTTP, as the sender waits for it ({N_INTAKES} of each door, one DynamoDB Local,"
        " the stream worker running):"
    )
    print(f"  youth form POST -> 303   p50 {ms['form'][0]:.2f} ms   p99 {ms['form'][1]:.2f} ms")
    print(f"  API POST -> 201          p50 {ms['api'][0]:.2f} ms   p99 {ms['api'][1]:.2f} ms")
    print(f"  bare TransactWriteItems of the same items   p50 {ms['bare'][0]:.2f} ms   p99 {ms['bare'][1]:.2f} ms")
    print(
        f"  hello-world Chalice route served the same way   p50 {ms['hello'][0]:.2f} ms   p99 {ms['hello'][1]:.2f} ms"
    )
    for door in ("form", "api"):
        ratio = ms[door][0] / floor
        print(f"  {door}: p50 / (bare + hello) = {ratio:.2f} (goal <= 1.5: {verdict(ratio <= 1.5)})")
    per = intake["calls_per_intake"]
    writes = sum(n for op, n in per.items() if op in WRITE_CALLS)
    scans = per.get("Scan", 0)
    print(
        "  DynamoDB calls in the request path per intake: "
        + ", ".join(f"{op} {n:.2f}" for op, n in per.items())
        + f"  -> {writes:.2f} write call(s), {scans:.0f} Scan "
        + f"(goal 1 and 0: {verdict(round(writes, 2) == 1 and scans == 0)})"
    )
    print(
        f"  commit -> .eml written (the stream worker, after the answer), {N_PACED} intakes {PACE_SECONDS:g} s apart:"
        f" p50 {intake['delay_p50']:.0f} ms   p99 {intake['delay_p99']:.0f} ms over {intake['mails']} mails"
        + (f"; {intake['not_written']} NOT WRITTEN" if intake["not_written"] else "")
    )
    print(
        f"  the back-to-back run's {intake['backlog_mails']} mails: the last written {intake['backlog_s']:.1f} s"
        " after the last answer"
    )
    print(
        f"\n{N_CROWD} intakes at once ({CROWD_CLIENTS} clients, each from its own address), all adding to the"
        " same counters (tabs' status counter, the day's statistics), served as `make run` serves them:"
    )
    for rule, c in crowd.items():
        where = "under DynamoDB's conflict rule (local/conflict_rule.py, pessimistic)" if rule else "on DynamoDB Local"
        print(
            f"  {where}: {c['accepted']:.0f} of {N_CROWD} accepted, {c['conflicts']:.0f} transactions cancelled"
            f" for a conflict (retried) {c['on']}, p50 {c['p50']:.0f} ms, p99 {c['p99']:.0f} ms,"
            f" counted {c['counted']:.0f}"
        )
    for title, figures_by_count in (
        ("Console statistics page (52 weeks)", stats_page),
        ("Console queue page (tab counts and a page of 25)", queue_page),
    ):
        print(f"\n{title}, served as `make run` serves it:")
        for n, figures in figures_by_count.items():
            print(
                f"  {n:>5} stored requests: p50 {figures['p50']:.2f} ms, {figures['calls']:.1f} DynamoDB calls "
                "per page,"
                f" {figures['scans']:.0f} Scan"
            )
        same = len({round(f["calls"], 2) for f in figures_by_count.values()}) == 1
        print(f"  calls per page independent of the count: {verdict(same)}")
    print(f"\nRouting over a {N_ASSOCIATIONS}-association directory, one core:")
    print(
        f"  {routing['decisions_per_s']:,.0f} decisions/s (target >= 20,000: "
        f"{verdict(routing['decisions_per_s'] >= 20000)}),"
        f" {routing['routed_share']:.0%} routed"
    )
    print(f"\nMail intake over the real-world corpus ({mail['messages']} messages: parse, classify, extract):")
    print(f"  {mail['per_s']:,.0f} messages/s; slowest {mail['slowest_ms']:.1f} ms ({mail['slowest']})")
    print("\nMail intake of one referent's mail (parse, classify, extract; storage not included):")
    print(
        f"  facts in the body {attachment['plain_per_s']:,.0f} messages/s;"
        f" facts in a 1-page PDF attachment {attachment['pdf_per_s']:,.0f} messages/s"
    )
    report_document_bombs(bombs)
    print_slow_mails(slow_mails)
    print("\nCold import (median of 15, interleaved):")
    print(f"  app.py {cold['app_ms']:.1f} ms   hello-world Chalice + boto3 {cold['hello_ms']:.1f} ms")
    print(f"  ratio {import_ratio:.2f} (target <= 1.3: {verdict(import_ratio <= 1.3)})")


if __name__ == "__main__":
    main()
