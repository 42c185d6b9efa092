"""`make run`: the whole stack on one machine, in the foreground; Ctrl-C stops it all.

DynamoDB Local (persisted under .local/dynamodb/), the table, the seed directory, the
web app on PORT, the stream worker that sends each new mail (the Lambda on the table's
stream, in AWS), and the sweeper loop that sends what the stream missed and retries.
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"


def admin_token() -> str:
    path = LOCAL / "admin-token"
    if os.environ.get("ADMIN_TOKEN"):
        return os.environ["ADMIN_TOKEN"]
    if not path.exists():
        LOCAL.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(24) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def local_secret() -> str:
    """Signs links and hashes IPs; kept across restarts so old links keep working."""
    path = LOCAL / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from local.dynamodb_local import DynamoDBLocal

    LOCAL.mkdir(exist_ok=True)
    os.environ.setdefault("STAGE", "local")
    os.environ.setdefault("OUTBOX_DIR", str(LOCAL / "outbox"))
    os.environ.setdefault("RAW_MAIL_DIR", str(LOCAL / "raw-mail"))
    token_source = "the ADMIN_TOKEN variable" if os.environ.get("ADMIN_TOKEN") else str(LOCAL / "admin-token")
    os.environ["ADMIN_TOKEN"] = admin_token()
    os.environ.setdefault("SECRET_KEY", local_secret())
    port = int(os.environ.get("PORT", "8000"))
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")

    ddb = None
    if not os.environ.get("DYNAMODB_ENDPOINT"):
        ddb_port = int(os.environ.get("DYNAMODB_PORT", "8001"))
        ddb = DynamoDBLocal(ddb_port, db_path=LOCAL / "dynamodb", log_path=LOCAL / "dynamodb.log").start()
        os.environ["DYNAMODB_ENDPOINT"] = ddb.endpoint

    try:
        serve(port, token_source)
    finally:
        if ddb:
            ddb.stop()


def serve(port: int, token_source: str) -> None:
    from app import app
    from chalicelib.bootstrap import services
    from local.greedy_routes import install as greedy_routes
    from local.server import make_server
    from local.setup import prepare

    greedy_routes()  # /{proxy+} (the 404 page) at any depth, as API Gateway routes it

    from local.stream_worker import StreamWorker

    s = services()
    created, seeded = prepare(s)
    # Its position in the stream survives a restart; one file per table.
    checkpoint = Path(os.environ.get("STREAM_CHECKPOINT") or LOCAL / f"stream-{s.settings.table_name}.json")
    stream = StreamWorker.for_services(
        s, checkpoint, poll_seconds=float(os.environ.get("STREAM_POLL_SECONDS", "0.1"))
    ).start()
    stop = threading.Event()
    sweeper = threading.Thread(target=sweep_loop, args=(s, stop), name="sweeper", daemon=True)
    sweeper.start()
    server = make_server(app, "127.0.0.1", port)
    from local.smtp_ingress import start_ingress

    smtp_port = int(os.environ.get("SMTP_PORT", "2525"))
    smtp = start_ingress(s.mail_intake, smtp_port, s.settings.max_mail_bytes)

    def shutdown(*_):
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    # Both set explicitly: a shell that starts us in the background ignores SIGINT.
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    print(
        "\n".join(
            [
                "",
                "Mentorat is running:",
                f"  youth form        http://127.0.0.1:{port}/demande",
                f"  referent form     http://127.0.0.1:{port}/orienter",
                f"  API               http://127.0.0.1:{port}/api/v1/requests  (OpenAPI: /api/v1/openapi.json)",
                f"  DynamoDB Local    {s.settings.dynamodb_endpoint}  table {s.settings.table_name}"
                + ("  (created)" if created else ""),
                f"  outbox (.eml)     {s.settings.outbox_dir}  (sent from the table's stream; checkpoint {checkpoint})",
                f"  SMTP ingress      127.0.0.1:{smtp_port}  for {', '.join(s.settings.intake_addresses)}",
                f"  admin token       {token_source}",
                f"  directory         {seeded} associations loaded from the seed"
                if seeded
                else "  directory         kept as it was",
                "Ctrl-C stops everything.",
                "",
            ]
        ),
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        stream.stop()
        smtp.stop()


def sweep_loop(s, stop: threading.Event) -> None:
    """Stands in for the scheduled `send_outbox`, `unanswered_requests` and
    `console_digest` Lambdas."""
    import logging

    from chalicelib.domain.paris_time import paris_day
    from chalicelib.services.digest import digest_for
    from local.retention import purge_older_than

    digest_day = None  # the operators' digest, once a (Paris) day, as the console_digest schedule
    while not stop.wait(s.settings.sweeper_seconds):
        try:
            s.outbox.sweep()
            s.answers.sweep_silence()
            s.mentors.sweep_silence()
            today = paris_day(s.clock.now().epoch)
            if today != digest_day:
                digest_for(s).send()  # the day's mark makes a second send that day a no-op
                digest_day = today
            purge_older_than(s.settings.raw_mail_dir, s.settings.retention_days)
            purge_older_than(s.settings.outbox_dir, s.settings.mail_retention_days)
        except Exception:  # DynamoDB Local restarting, say: next round
            logging.getLogger("sweeper").exception("sweep failed")


if __name__ == "__main__":
    main()
