"""DynamoDB: the one table every record lives in (single-table design, see docs/storage.md).

One module per port, each writing its own item shapes: routed.py (RoutedStore: requests
and volunteers' sign-ups, each under its kind's keys), outbox.py (OutboxStore),
directory.py (DirectoryStore), mail_log.py (MailLogStore), console.py, stats.py; they
share table.py (the client, codecs, the labelled transaction, the table's definition).
The table has a stream (NEW_IMAGE): each outbox item inserted is sent by its consumer
(adapters/mail_stream.py).
"""

from __future__ import annotations

from .directory import DIRECTORY_PK, DynamoDirectoryStore
from .mail_log import DynamoMailLogStore
from .outbox import OUTBOX_DUE_PK, OUTBOX_FAILED_PK, DynamoOutboxStore
from .routed import DynamoRoutedStore
from .table import INDEXES, STREAM, DynamoTable, ensure_table, table_definition

__all__ = [
    "DIRECTORY_PK",
    "INDEXES",
    "OUTBOX_DUE_PK",
    "OUTBOX_FAILED_PK",
    "STREAM",
    "DynamoDirectoryStore",
    "DynamoMailLogStore",
    "DynamoOutboxStore",
    "DynamoRoutedStore",
    "DynamoTable",
    "ensure_table",
    "table_definition",
]
