"""`make bench`: the speed figures of the service, measured in one run.

1. Intake latency (validate, route, one transaction) over 500 submissions against DynamoDB
   Local, and its ratio to a bare boto3 TransactWriteItems of the very same items
   (target <= 1.5). Each intake's items are replayed, interleaved, into a twin table.
2. Routing decisions per second over a 500-association directory (target >= 20,000).
3. Mail intake: messages per second through parse, classify and extract over the
   real-world corpus (../shared/corpus), and the slowest message's time.
4. Cold import time of app.py against a hello-world Chalice app importing boto3
   (target <= 1.3x).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_INTAKES = 500
N_ASSOCIATIONS = 500


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_intake(endpoint: str) -> dict[str, float]:
    from chalicelib.adapters.dynamodb import ensure_table
    from chalicelib.bootstrap import Services
    from chalicelib.config import Settings
    from chalicelib.domain.models import NewRequest, parse_submission
    from chalicelib.domain.vocabulary import Channel
    from chalicelib.services.intake import Idempotency
    from local.setup import prepare

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            table_name=f"bench-{uuid.uuid4().hex[:8]}",
            dynamodb_endpoint=endpoint,
            outbox_dir=tmp,
            rate_limit_count=10**9,
            directory_cache_seconds=3600,
        )
        s = Services(settings)
        prepare(s)
        twin = f"{settings.table_name}-bare"
        client = s.store.client
        ensure_table(client, twin)

        recorded: list[list[dict]] = []
        real_transact = s.store._transact

        def recording(labelled):
            real_transact(labelled)
            recorded.append([item for _, item in labelled])

        s.store._transact = recording

        def bare(items: list[dict]) -> float:
            twin_items = []
            for item in items:
                ((op, body),) = item.items()
                twin_items.append({op: {**body, "TableName": twin}})
            t = time.perf_counter()
            client.transact_write_items(TransactItems=twin_items)
            return time.perf_counter() - t

        rng = random.Random(7)
        postal = ["59100", "75011", "69003", "13008", "31000", "38000", "93000", "97400", "35000", "44000"]
        intake_times, bare_times, dispatch_times = [], [], []
        for i in range(N_INTAKES + 50):
            body = {
                "first_name": "Camille", "last_name": "Bench", "email": f"camille{i}@example.net",
                "age": rng.randint(13, 25), "postal_code": rng.choice(postal),
                "situation": rng.choice(["college", "lycee", "etudiant", "recherche_emploi"]),
                "need": rng.choice(["scolaire", "orientation", "insertion_pro"]),
                "publics": rng.choice([[], ["qpv"], ["rural"]]), "consent": True, "parental_consent": True,
            }
            t = time.perf_counter()
            new = NewRequest.from_submission(parse_submission(body), Channel.API)
            result = s.intake.accept(new, Idempotency.of_body(f"api:b{i}", body), f"ip{i % 7}")
            t_intake = time.perf_counter() - t
            t = time.perf_counter()
            s.outbox.dispatch(result.mail_ids)
            t_dispatch = time.perf_counter() - t
            t_bare = bare(recorded[-1])
            if i >= 50:  # warm-up: connections, caches, JIT of DynamoDB Local
                intake_times.append(t_intake)
                bare_times.append(t_bare)
                dispatch_times.append(t_dispatch)
        client.delete_table(TableName=twin)
        client.delete_table(TableName=settings.table_name)
    return {
        "intake_p50": statistics.median(intake_times) * 1000,
        "intake_p99": percentile(intake_times, 99) * 1000,
        "bare_p50": statistics.median(bare_times) * 1000,
        "bare_p99": percentile(bare_times, 99) * 1000,
        "dispatch_p50": statistics.median(dispatch_times) * 1000,
    }


def random_directory(rng: random.Random, n: int):
    from chalicelib.domain.models import Association

    regions = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
    deps = ["59", "62", "75", "93", "69", "13", "31", "33", "38", "44", "35", "67", "974", "2A"]
    situations = ["primaire", "college", "lycee", "lycee_pro", "etudiant", "apprenti", "recherche_emploi", "emploi", "sans_activite"]
    needs = ["scolaire", "orientation", "insertion_pro"]
    publics = ["qpv", "rural", "handicap", "refugie", "ase", "femme"]
    out = []
    for i in range(n):
        level = rng.random()
        low = rng.randint(6, 20)
        out.append(Association.model_validate({
            "id": f"asso-{i:04d}", "name": f"Association {i}", "emails": [f"a{i}@example.org"], "active": rng.random() > 0.05,
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
        }))
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
        for _ in range(20):
            queries.append(RoutingQuery(
                age=rng.randint(8, 28), situation=rng.choice(list(Situation)), need=rng.choice(list(Need)),
                publics=tuple(rng.sample(list(Public), rng.randint(0, 2))),
                commune=place.commune_code, departement=place.departement, region=place.region,
            ))
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


def bench_mail() -> dict[str, float]:
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

    facts = ["Élève de 14 ans, en 4ème", "Domicile : 14 rue de l'Alma, 59100 Roubaix", "Besoin : soutien scolaire, REP+"]

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
            extract_request(mail.subject, mail.own_text, mail.forwarded_text, mail.signature,
                            attachments=[(d.name, d.text) for d in mail.documents if d.text])
            count += 1
        return count / (time.perf_counter() - start)

    plain = message("Bonjour,\n\n" + "\n".join(facts) + "\n\nCordialement", pdf=False)
    with_pdf = message("Bonjour,\n\nVeuillez trouver ci-joint la fiche.\n\nCordialement", pdf=True)
    rate(with_pdf)  # pypdf imports once, not in the figure
    return {"plain_per_s": rate(plain), "pdf_per_s": rate(with_pdf)}


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
        ours, hello = [], []
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        for _ in range(rounds):  # interleaved, so machine noise hits both alike
            for cwd, out in ((ROOT, ours), (hello_dir, hello)):
                r = subprocess.run([sys.executable, "-c", TIME_IMPORT], cwd=cwd, env=env, capture_output=True, text=True, check=True)
                out.append(float(r.stdout))
    return {"app_ms": statistics.median(ours) * 1000, "hello_ms": statistics.median(hello) * 1000}


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def main() -> None:
    from local.dynamodb_local import DynamoDBLocal, free_port

    ddb = None
    endpoint = os.environ.get("DYNAMODB_ENDPOINT")
    if not endpoint:
        ddb = DynamoDBLocal(free_port()).start()
        endpoint = ddb.endpoint
    try:
        intake = bench_intake(endpoint)
    finally:
        if ddb:
            ddb.stop()
    routing = bench_routing()
    mail = bench_mail()
    attachment = bench_mail_attachment()
    cold = bench_cold_import()

    ratio = intake["intake_p50"] / intake["bare_p50"]
    import_ratio = cold["app_ms"] / cold["hello_ms"]
    print(f"\nIntake over {N_INTAKES} submissions against DynamoDB Local (validate + route + one transaction):")
    print(f"  intake  p50 {intake['intake_p50']:.2f} ms   p99 {intake['intake_p99']:.2f} ms")
    print(f"  bare TransactWriteItems of the same items  p50 {intake['bare_p50']:.2f} ms   p99 {intake['bare_p99']:.2f} ms")
    print(f"  ratio p50 {ratio:.2f} (target <= 1.5: {verdict(ratio <= 1.5)})")
    print(f"  then sending its mails from the outbox (after the commit)  p50 {intake['dispatch_p50']:.2f} ms")
    print(f"\nRouting over a {N_ASSOCIATIONS}-association directory, one core:")
    print(f"  {routing['decisions_per_s']:,.0f} decisions/s (target >= 20,000: {verdict(routing['decisions_per_s'] >= 20000)}),"
          f" {routing['routed_share']:.0%} routed")
    print(f"\nMail intake over the real-world corpus ({mail['messages']} messages: parse, classify, extract):")
    print(f"  {mail['per_s']:,.0f} messages/s; slowest {mail['slowest_ms']:.1f} ms ({mail['slowest']})")
    print("\nMail intake of one referent's mail (parse, classify, extract; storage not included):")
    print(f"  facts in the body {attachment['plain_per_s']:,.0f} messages/s;"
          f" facts in a 1-page PDF attachment {attachment['pdf_per_s']:,.0f} messages/s")
    print("\nCold import (median of 15, interleaved):")
    print(f"  app.py {cold['app_ms']:.1f} ms   hello-world Chalice + boto3 {cold['hello_ms']:.1f} ms")
    print(f"  ratio {import_ratio:.2f} (target <= 1.3: {verdict(import_ratio <= 1.3)})")


if __name__ == "__main__":
    main()
