"""The mails a test's requests stored, delivered as the stack delivers them: through the
table's stream (local/stream_worker.py -> Services.mail_stream_batch), synchronously, so
that a test reads the outbox only once the stream holds nothing more."""

from __future__ import annotations

import weakref

from local.stream_worker import StreamWorker

_workers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def stream_worker(services) -> StreamWorker:
    """One worker per wired stack, so that it resumes where it stopped, as the real one does."""
    worker = _workers.get(services)
    if worker is None:
        worker = _workers[services] = StreamWorker.for_services(services)
    return worker


def deliver_mails(services) -> int:
    """Everything the stream holds now, handed to the mail consumer; the records handled."""
    return stream_worker(services).drain()
