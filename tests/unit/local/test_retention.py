"""Files of the local stack that hold personal data are deleted after their retention."""

import os
import time

from local.retention import purge_older_than


def test_only_files_past_their_retention_are_deleted(tmp_path):
    old, recent = tmp_path / "old.eml", tmp_path / "recent.eml"
    old.write_bytes(b"x")
    recent.write_bytes(b"y")
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    assert purge_older_than(str(tmp_path), days=7) == 1
    assert not old.exists() and recent.exists()
    assert purge_older_than(str(tmp_path / "missing"), days=7) == 0
