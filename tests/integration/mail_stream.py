"""The mails a test's requests stored, delivered as the stack delivers them: through the
table's stream (local/stream_worker.py -> Services.mail_stream_batch), synchronously, so
that a test reads the outbox only once the stream holds nothing more. On the in-memory
stores, the mails inserted since the last delivery stand for the stream's records."""

from __future__ import annotations

import email
import weakref
from email import policy
from pathlib import Path

from local.stream_worker import StreamWorker

_workers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def stream_worker(services) -> StreamWorker:
    """One worker per wired stack, so that it resumes where it stopped, as the real one does."""
    worker = _workers.get(services)
    if worker is None:
        worker = _workers[services] = StreamWorker.for_services(services)
    return worker


def deliver_mails(services) -> int:
    """Everything the stream holds now, handed to the mail consumer; the records handled."""
    if services.table is None:  # in-memory stores: no table, no stream
        inserted = services.stores.outbox.take_inserted()
        for mail_id in inserted:
            services.send_new_mail(mail_id)
        return len(inserted)
    return stream_worker(services).drain()


def read_outbox(services) -> list[email.message.EmailMessage]:
    """The mails sent so far. They leave through the table's stream, not in the request:
    what the stream holds is delivered first."""
    deliver_mails(services)
    path = Path(services.settings.outbox_dir)
    # The folder read is the one the wired sender writes, and an absent folder means
    # nothing was sent only when nothing waits to be: otherwise `== []` would pass on a
    # wrong path, or on mails the delivery above never sent.
    written_to = getattr(services.outbox.sender, "directory", None)
    assert written_to is not None, "this stack's sender writes no .eml files: read_outbox cannot see its mails"
    assert Path(written_to) == path, f"the sender writes to {written_to}, not {path}"
    if not path.exists():
        later = services.clock.now().epoch + 3650 * 86400
        assert services.stores.outbox.due_mails(later, 10) == [], (
            "mails wait unsent: the folder is empty for that reason"
        )
        return []
    # In the order they were written: a mail's Date has whole seconds, so two mails sent in
    # the same second would otherwise come in the order of their random file names.
    written = sorted(path.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in written]
