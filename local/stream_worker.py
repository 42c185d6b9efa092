"""The local stand-in for the Lambda on the table's stream: reads DynamoDB Local's stream
through the `dynamodbstreams` API, the way the Lambda event source does, and hands each
batch to the same `Services.mail_stream_batch`.

- Shards are read in lineage order: a child only once its parent is closed and read to
  its end (or trimmed away), so a mail's record is never overtaken by a later one.
- The position is a checkpoint per shard (the last sequence number handled), saved to a
  small JSON file after each batch: a restart resumes there. Without a checkpoint (first
  start, a lost file, another stream) it starts at TRIM_HORIZON; mails already sent are
  skipped by their claim, so nothing is sent twice.
- A batch answering `batchItemFailures` is read again from its first failed record, as
  Lambda does; after `max_retries` that record is skipped (logged, by sequence number):
  its mail waits for the sweeper, as after the Lambda's on-failure destination.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("stream_worker")

BATCH_SIZE = 100
SHARD_REFRESH_SECONDS = 1.0


@dataclass
class _Shard:
    parent: str | None
    after: str | None = None  # last sequence number handled (the checkpoint)
    done: bool = False  # closed and read to its end
    iterator: str | None = None


@dataclass
class _Position:
    stream_arn: str | None = None
    shards: dict[str, _Shard] = field(default_factory=dict)


class StreamWorker:
    def __init__(
        self,
        handle_batch: Callable[[dict, Any], dict],
        dynamodb: Any,
        streams: Any,
        table: str,
        checkpoint: Path | None = None,
        poll_seconds: float = 0.1,
        max_retries: int = 3,
    ):
        self.handle_batch = handle_batch
        self.dynamodb = dynamodb
        self.streams = streams
        self.table = table
        self.checkpoint = Path(checkpoint) if checkpoint else None
        self.poll_seconds = poll_seconds
        self.max_retries = max_retries
        self.position = self._load()
        self._retries: dict[str, int] = {}
        self._shards_read_at = 0.0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @classmethod
    def for_services(cls, services: Any, checkpoint: Path | None = None, **kwargs: Any) -> StreamWorker:
        return cls(
            services.mail_stream_batch,
            services.table.client,
            services.streams_client(),
            services.settings.table_name,
            checkpoint,
            **kwargs,
        )

    # -- running -----------------------------------------------------------------------

    def start(self) -> StreamWorker:
        self._stop.clear()
        self._thread = threading.Thread(target=self.run, name="stream-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                handled = self.poll_once()
                failures = 0
            except Exception as exc:  # noqa: BLE001 - DynamoDB Local restarting, say: try again, slower
                failures += 1
                handled = 0
                log.warning("stream read failed", extra={"error": type(exc).__name__})
                self._forget_iterators()
            if not handled:
                self._stop.wait(self.poll_seconds * (1 if not failures else min(50, 5 * failures)))

    def drain(self, rounds: int = 50) -> int:
        """Handle every record the stream holds now (tests): polls until a round finds none."""
        total = 0
        for _ in range(rounds):
            self._shards_read_at = 0.0  # see new shards at once
            handled = self.poll_once()
            total += handled
            if not handled:
                return total
        return total

    # -- one round -------------------------------------------------------------------

    def poll_once(self) -> int:
        """Read each shard that may be read now, once; returns how many records were handled."""
        if time.monotonic() - self._shards_read_at >= SHARD_REFRESH_SECONDS or self.position.stream_arn is None:
            self._refresh_shards()
        if self.position.stream_arn is None:
            return 0
        handled = 0
        for shard_id in self._readable():
            handled += self._read(shard_id)
        return handled

    def _refresh_shards(self) -> None:
        table = self.dynamodb.describe_table(TableName=self.table)["Table"]
        arn = table.get("LatestStreamArn") if (table.get("StreamSpecification") or {}).get("StreamEnabled") else None
        if arn != self.position.stream_arn:
            # Another stream (a new table, the stream turned on): nothing of the old one applies.
            self.position = _Position(arn)
            self._retries.clear()
        self._shards_read_at = time.monotonic()
        if arn is None:
            return
        listed: dict[str, str | None] = {}
        kwargs: dict[str, Any] = {"StreamArn": arn}
        while True:
            description = self.streams.describe_stream(**kwargs)["StreamDescription"]
            for shard in description.get("Shards", []):
                listed[shard["ShardId"]] = shard.get("ParentShardId")
            last = description.get("LastEvaluatedShardId")
            if not last:
                break
            kwargs["ExclusiveStartShardId"] = last
        known = self.position.shards
        for shard_id, parent in listed.items():
            if shard_id not in known:
                known[shard_id] = _Shard(parent)
        for shard_id in [s for s in known if s not in listed]:
            del known[shard_id]  # trimmed away (24 hours): nothing left to read there

    def _readable(self) -> list[str]:
        """Open shards whose parent is read to its end or gone: parents before children."""
        shards = self.position.shards
        return [
            shard_id
            for shard_id, shard in shards.items()
            if not shard.done and (shard.parent is None or shard.parent not in shards or shards[shard.parent].done)
        ]

    def _read(self, shard_id: str) -> int:
        shard = self.position.shards[shard_id]
        if shard.iterator is None:
            shard.iterator = self._iterator(shard_id, shard)
        client_errors = self.streams.exceptions
        try:
            page = self.streams.get_records(ShardIterator=shard.iterator, Limit=BATCH_SIZE)
        except client_errors.ExpiredIteratorException:
            shard.iterator = None  # iterators live 15 minutes: take a new one at the checkpoint
            return 0
        except client_errors.TrimmedDataAccessException:
            log.warning("stream records trimmed before they were read", extra={"shard": shard_id})
            shard.after, shard.iterator = None, None
            return 0
        records = page.get("Records", [])
        next_iterator = page.get("NextShardIterator")
        if records:
            if not self._handle(shard_id, shard, records):
                return len(records)  # read again from the failed record on the next round
        shard.iterator = next_iterator
        if next_iterator is None:  # closed, and read to its end: its children may start
            shard.done = True
            self._save()
        return len(records)

    def _iterator(self, shard_id: str, shard: _Shard) -> str:
        kwargs: dict[str, Any] = {"StreamArn": self.position.stream_arn, "ShardId": shard_id}
        if shard.after:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=shard.after)
        else:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        return self.streams.get_shard_iterator(**kwargs)["ShardIterator"]

    def _handle(self, shard_id: str, shard: _Shard, records: list[dict]) -> bool:
        """Hand the batch over; True when every record is done with (checkpoint moved)."""
        event = {"Records": [self._as_lambda_record(r) for r in records]}
        try:
            answer = self.handle_batch(event, None) or {}
            failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        except Exception as exc:  # noqa: BLE001 - every record failed (Powertools raises then)
            log.warning("stream batch failed", extra={"shard": shard_id, "error": type(exc).__name__})
            failed = {r["dynamodb"]["SequenceNumber"] for r in records}
        first_failed = next((r for r in records if r["dynamodb"]["SequenceNumber"] in failed), None)
        if first_failed is None:
            shard.after = records[-1]["dynamodb"]["SequenceNumber"]
            self._save()
            return True
        seq = first_failed["dynamodb"]["SequenceNumber"]
        before = [r["dynamodb"]["SequenceNumber"] for r in records[: records.index(first_failed)]]
        tries = self._retries[seq] = self._retries.get(seq, 0) + 1
        if tries > self.max_retries:
            # Lambda would send it to the on-failure destination; its mail is the sweeper's now.
            log.error("stream record given up, left to the sweeper", extra={"shard": shard_id, "sequence": seq})
            del self._retries[seq]
            shard.after, shard.iterator = seq, None
            self._save()
        elif before:
            shard.after, shard.iterator = before[-1], None  # resumes at the failed record
            self._save()
        else:
            shard.iterator = self.streams.get_shard_iterator(
                StreamArn=self.position.stream_arn,
                ShardId=shard_id,
                ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=seq,
            )["ShardIterator"]
        return False

    def _forget_iterators(self) -> None:
        for shard in self.position.shards.values():
            shard.iterator = None
        self._shards_read_at = 0.0

    @staticmethod
    def _as_lambda_record(record: dict[str, Any]) -> dict[str, Any]:
        """What the Lambda event source delivers: the same record, times as epoch seconds."""
        out = dict(record)
        body = dict(record["dynamodb"])
        created: Any = body.get("ApproximateCreationDateTime")  # a datetime, from boto3
        if hasattr(created, "timestamp"):
            body["ApproximateCreationDateTime"] = created.timestamp()
        out["dynamodb"] = body
        return out

    # -- checkpoint --------------------------------------------------------------------

    def _load(self) -> _Position:
        if self.checkpoint is None or not self.checkpoint.exists():
            return _Position()
        try:
            data = json.loads(self.checkpoint.read_text(encoding="utf-8"))
            shards = {
                sid: _Shard(s.get("parent"), s.get("after"), bool(s.get("done")))
                for sid, s in data.get("shards", {}).items()
            }
            return _Position(data.get("stream_arn"), shards)
        except (ValueError, OSError, AttributeError):
            log.warning("stream checkpoint unreadable, starting at the oldest record")
            return _Position()

    def _save(self) -> None:
        if self.checkpoint is None:
            return
        data = {
            "table": self.table,
            "stream_arn": self.position.stream_arn,
            "shards": {
                sid: {"parent": s.parent, "after": s.after, "done": s.done} for sid, s in self.position.shards.items()
            },
        }
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a crash leaves the old checkpoint or the new one, never half.
        fd, tmp = tempfile.mkstemp(dir=self.checkpoint.parent, prefix=".stream-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, self.checkpoint)
