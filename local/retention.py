"""Retention for the files of the local stack (in AWS: DynamoDB TTL and S3 lifecycle rules).

Raw inbound mail and sent `.eml` files hold personal data: they are deleted once older
than the retention the table applies to the same data.
"""

from __future__ import annotations

import time
from pathlib import Path


def purge_older_than(directory: str, days: int, now: float | None = None) -> int:
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - days * 86400
    removed = 0
    for path in folder.glob("*.eml"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # removed meanwhile
    return removed
