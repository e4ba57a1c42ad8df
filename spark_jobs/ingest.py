"""Ingest: Kafka ``events`` -> ``bronze.events``, exactly once.

The consumed offsets live in the table itself: every bronze row keeps its
``topic``, ``partition`` and ``offset``, so the next offset to read from a
partition is ``max(offset) + 1`` of what is committed, read back from Delta,
never from a Kafka consumer group. One batch is one Delta commit, so the rows
and the offsets they advance to land atomically:

* a crash after reading and before committing leaves nothing behind; the rerun
  reads the same range again;
* a rerun after a commit starts where that commit ended;
* two runs racing over the same range write it once: each commit carries
  Delta's idempotent-writer options, ``txnAppId = clarion.ingest.<topic>`` and
  ``txnVersion`` = the sum of the batch's end offsets (it grows with every
  batch), and Delta skips a commit whose version it has already recorded.

The run is bounded: it reads up to the end offsets seen when it starts, in
batches of at most ``max_records`` messages. ``plan_batches`` and ``to_bronze``
are pure; ``fetch`` and ``run`` do the I/O.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from spark_jobs.exceptions import IngestError

if TYPE_CHECKING:
    import pyarrow as pa
    from kafka import KafkaConsumer
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = [
    "BRONZE_TABLE",
    "IngestResult",
    "OffsetRange",
    "committed_offsets",
    "fetch",
    "plan_batches",
    "run",
    "to_bronze",
]

log = logging.getLogger(__name__)
BRONZE_TABLE = "bronze.events"
DEFAULT_MAX_RECORDS = 100_000


@dataclass(frozen=True, slots=True)
class OffsetRange:
    """Offsets ``[start, end)`` of one topic partition."""

    partition: int
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one run committed: rows, batches (Delta commits), and the next offset per partition."""

    rows: int
    batches: int
    next_offsets: dict[int, int]


def plan_batches(
    *,
    committed: Mapping[int, int],
    earliest: Mapping[int, int],
    latest: Mapping[int, int],
    max_records: int,
) -> list[list[OffsetRange]]:
    """Split what is left to read into batches of at most ``max_records`` offsets.

    A partition starts at its committed next offset, or at ``earliest`` when
    nothing is committed yet or retention already deleted the committed offset.
    """
    start = {}
    for partition in sorted(latest):
        begin = committed.get(partition, earliest[partition])
        if begin < earliest[partition]:
            log.warning(
                "partition %d: offsets %d..%d were deleted by retention before ingest",
                partition, begin, earliest[partition] - 1,
            )  # fmt: skip
            begin = earliest[partition]
        start[partition] = begin
    batches: list[list[OffsetRange]] = []
    while True:
        batch, room = [], max_records
        for partition in sorted(latest):
            take = min(latest[partition] - start[partition], room)
            if take > 0:
                batch.append(OffsetRange(partition, start[partition], start[partition] + take))
                start[partition] += take
                room -= take
        if not batch:
            return batches
        batches.append(batch)


def committed_offsets(spark: SparkSession, *, uri: str, topic: str) -> dict[int, int]:
    """The next offset to read per partition of ``topic``, from the rows in ``bronze.events``."""
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    if not DeltaTable.isDeltaTable(spark, uri):
        return {}
    rows = (
        spark.read.format("delta")
        .load(uri)
        .where(F.col("topic") == topic)
        .groupBy("partition")
        .agg(F.max("offset").alias("last"))
        .collect()
    )
    return {row["partition"]: row["last"] + 1 for row in rows if row["partition"] is not None}


def fetch(
    consumer: KafkaConsumer,
    *,
    topic: str,
    ranges: Sequence[OffsetRange],
    stall_timeout_s: float = 60.0,
) -> pa.Table:
    """Read exactly the offsets of ``ranges`` into an Arrow table (bronze's raw columns)."""
    import pyarrow as pa
    from kafka import TopicPartition

    wanted = {TopicPartition(topic, r.partition): r for r in ranges}
    # No pause() of a finished partition: with kafka-python 3.0.12 a partition paused with
    # fetched records buffered never fetched again after resume() + seek() (a 1M-user
    # ingest stalled on it). A finished partition's extra records are skipped below.
    consumer.assign(list(wanted))
    for tp, r in wanted.items():
        consumer.seek(tp, r.start)
    columns: dict[str, list] = {k: [] for k in ("key", "value", "partition", "offset", "ts")}
    open_parts = set(wanted)
    deadline = time.monotonic() + stall_timeout_s
    while open_parts:
        if time.monotonic() > deadline:
            raise IngestError(
                f"no message from {topic} partitions {sorted(tp.partition for tp in open_parts)} "
                f"for {stall_timeout_s:g} s before their end offsets; is the broker up?"
            )
        polled = consumer.poll(timeout_ms=1_000, max_records=10_000)
        if polled:
            deadline = time.monotonic() + stall_timeout_s
        for tp, records in polled.items():
            end = wanted[tp].end
            for rec in records:
                if rec.offset >= end:
                    break
                columns["key"].append(None if rec.key is None else rec.key.decode(errors="replace"))
                columns["value"].append(
                    None if rec.value is None else rec.value.decode(errors="replace")
                )
                columns["partition"].append(tp.partition)
                columns["offset"].append(rec.offset)
                columns["ts"].append(datetime.fromtimestamp(rec.timestamp / 1000, tz=UTC))
        for tp in list(open_parts):
            if consumer.position(tp) >= wanted[tp].end:  # gaps (control records) are fine
                open_parts.discard(tp)
    return pa.table(
        {
            "key": pa.array(columns["key"], pa.string()),
            "value": pa.array(columns["value"], pa.string()),
            "topic": pa.array([topic] * len(columns["key"]), pa.string()),
            "partition": pa.array(columns["partition"], pa.int32()),
            "offset": pa.array(columns["offset"], pa.int64()),
            "ingested_at": pa.array(columns["ts"], pa.timestamp("us", tz="UTC")),
        }
    )


def to_bronze(raw: DataFrame) -> DataFrame:
    """Add ``event_date``: the UTC day of the event's ``ts``, else of its arrival.

    Args:
        raw: ``key``, ``value``, ``topic``, ``partition``, ``offset``, ``ingested_at``.
    """
    from pyspark.sql import functions as F

    ts = F.try_to_timestamp(F.get_json_object("value", "$.ts"))
    return raw.select(
        "key", "value", "topic", "partition", "offset", "ingested_at",
        F.coalesce(F.to_date(ts), F.to_date("ingested_at")).alias("event_date"),
    )  # fmt: skip


def _consumer(settings: Settings) -> KafkaConsumer:
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    from clarion.kafka_options import client_options

    try:
        return KafkaConsumer(
            **client_options(settings.kafka),
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="clarion-ingest",
        )
    except KafkaError as exc:
        servers = ",".join(settings.kafka.bootstrap_servers)
        raise IngestError(
            f"cannot reach Kafka at {servers}: {exc}. Start it with `clarion stack up`."
        ) from exc


def run(
    spark: SparkSession,
    settings: Settings,
    *,
    max_records: int = DEFAULT_MAX_RECORDS,
    before_commit: Callable[[Sequence[OffsetRange]], None] | None = None,
) -> IngestResult:
    """Append every new message of the events topic to ``bronze.events``, one commit per batch.

    Args:
        spark: the session.
        settings: Clarion settings (``kafka.events_topic``, the lake root).
        max_records: messages per batch (per Delta commit).
        before_commit: called with a batch's ranges after reading, before committing
            (a test raises from it to simulate a crash).

    Raises:
        IngestError: Kafka is unreachable or the topic does not exist.
    """
    from kafka import TopicPartition

    topic, uri = settings.kafka.events_topic, settings.table_uri(BRONZE_TABLE)
    consumer = _consumer(settings)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise IngestError(f"Kafka topic {topic!r} does not exist; nothing to ingest")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        earliest = {tp.partition: o for tp, o in consumer.beginning_offsets(tps).items()}
        latest = {tp.partition: o for tp, o in consumer.end_offsets(tps).items()}
        committed = committed_offsets(spark, uri=uri, topic=topic)
        batches = plan_batches(
            committed=committed, earliest=earliest, latest=latest, max_records=max_records
        )
        rows = 0
        for ranges in batches:
            table = fetch(consumer, topic=topic, ranges=ranges)
            if before_commit is not None:
                before_commit(ranges)
            committed.update({r.partition: r.end for r in ranges})
            (
                to_bronze(spark.createDataFrame(table))
                .write.format("delta")
                .mode("append")
                .partitionBy("event_date")
                .option("txnAppId", f"clarion.ingest.{topic}")
                .option("txnVersion", str(sum(committed.values())))
                .save(uri)
            )
            rows += table.num_rows
            log.info("ingested %d messages of %s: %s", table.num_rows, topic, ranges)
        return IngestResult(rows=rows, batches=len(batches), next_offsets=dict(committed))
    finally:
        consumer.close()
