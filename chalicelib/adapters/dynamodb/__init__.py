"""DynamoDB: the one table every record lives in (single-table design, see docs/storage.md).

One module per port, each writing its own item shapes: requests.py (RequestStore),
outbox.py (OutboxStore), directory.py (DirectoryStore), mail_log.py (MailLogStore),
console.py, mentors.py, stats.py; they share table.py (the client, codecs, the labelled
transaction, the table's definition). Requests and volunteers' sign-ups are both routed
records: routed.py writes and reads them, each under its port's key prefixes.
The table has a stream (NEW_IMAGE): each outbox item inserted is sent by its consumer
(adapters/mail_stream.py).
"""

from __future__ import annotations

from .directory import DIRECTORY_PK, DynamoDirectoryStore
from .mail_log import DynamoMailLogStore
from .outbox import OUTBOX_DUE_PK, OUTBOX_FAILED_PK, DynamoOutboxStore
from .requests import FEED_PK, DynamoRequestStore
from .table import INDEXES, STREAM, DynamoTable, ensure_table, table_definition

__all__ = [
    "DIRECTORY_PK",
    "FEED_PK",
    "INDEXES",
    "OUTBOX_DUE_PK",
    "OUTBOX_FAILED_PK",
    "STREAM",
    "DynamoDirectoryStore",
    "DynamoMailLogStore",
    "DynamoOutboxStore",
    "DynamoRequestStore",
    "DynamoTable",
    "ensure_table",
    "table_definition",
]
