"""The `make run` stack sends mail from the table's stream, after the answer, and a
stack killed (SIGKILL) and started again on the same table loses no mail and sends none
twice."""

from __future__ import annotations

import json
import signal

from tests.e2e.clients import form_fields, reference_from
from tests.e2e.stack import start_stack, stop_stack


def submit(stack, n: int) -> list[str]:
    refs = []
    for i in range(n):
        r = stack.post_form("/demande", form_fields(email=f"jeune{len(stack.outbox_files())}-{i}@example.net"))
        assert r.status == 303
        refs.append(reference_from(r.headers["location"]))
    return refs


def test_a_killed_stack_restarted_on_its_table_resumes_the_stream(dynamodb_endpoint, tmp_path):
    env = {"TABLE_NAME": f"e2e-stream-{tmp_path.name[-8:].lower()}"}
    first = start_stack(dynamodb_endpoint, tmp_path, **env)
    try:
        submit(first, 3)
        files = first.settle_mails()
        assert len(files) == 6  # the association's and the acknowledgement, for each
        written = {p.name: p.stat().st_mtime_ns for p in files}
        checkpoint = json.loads((tmp_path / "stream-checkpoint.json").read_text())
        assert checkpoint["table"] == env["TABLE_NAME"] and checkpoint["shards"]
    finally:
        first.process.send_signal(signal.SIGKILL)  # no shutdown, no last checkpoint
        first.process.wait(10)

    second = start_stack(dynamodb_endpoint, tmp_path, **env)
    try:
        refs = submit(second, 3)
        files = second.settle_mails()
        assert len(files) == 12
        assert {p.name: p.stat().st_mtime_ns for p in files if p.name in written} == written  # none sent again
        texts = [p.read_text(errors="replace") for p in files if p.name not in written]
        assert all(sum(ref in t for t in texts) == 2 for ref in refs)
    finally:
        stop_stack(second)
