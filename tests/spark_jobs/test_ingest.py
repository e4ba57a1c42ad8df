"""Kafka -> bronze.events exactly once: crashes and reruns neither drop nor duplicate."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from clarion.settings import Settings, load_settings
from spark_jobs import ingest
from spark_jobs.ingest import OffsetRange, plan_batches


def test_plan_batches_resumes_from_committed_offsets_in_bounded_batches() -> None:
    batches = plan_batches(
        committed={0: 5}, earliest={0: 0, 1: 3}, latest={0: 10, 1: 9}, max_records=4
    )
    assert batches == [
        [OffsetRange(0, 5, 9)],
        [OffsetRange(0, 9, 10), OffsetRange(1, 3, 6)],
        [OffsetRange(1, 6, 9)],
    ]
    assert plan_batches(committed={0: 10}, earliest={0: 0}, latest={0: 10}, max_records=4) == []


def test_plan_batches_skips_offsets_deleted_by_retention() -> None:
    assert plan_batches(committed={0: 2}, earliest={0: 7}, latest={0: 8}, max_records=9) == [
        [OffsetRange(0, 7, 8)]
    ]


def _produce(settings: Settings, *, first: int, count: int) -> None:
    from clarion.world.sinks import KafkaSink

    events = [
        {
            "schema_version": 1,
            "event_id": f"e{i}",
            "user_id": f"u{i % 7:09d}",
            "type": "app_open",
            "ts": f"2026-11-{20 + i % 3}T10:00:00.000Z",
            "properties": {},
        }
        for i in range(first, first + count)
    ]
    sink = KafkaSink(settings.kafka, topic=settings.kafka.events_topic)
    sink.setup()
    try:
        sink.write(
            pa.table(
                {
                    "key": [e["user_id"] for e in events],
                    "value": [json.dumps(e) for e in events],
                }
            )
        )
        sink.flush()
    finally:
        sink.close()


def _settings(tmp_path: Path, bootstrap: str, *, topic: str, partitions: int) -> Settings:
    return load_settings(
        environ={},
        state_dir=tmp_path,
        kafka={"bootstrap_servers": bootstrap, "events_topic": topic, "partitions": partitions},
        delta={"root": str(tmp_path / "lake")},
    )


class _Crash(RuntimeError):
    pass


@pytest.mark.kafka
@pytest.mark.spark
def test_crash_and_reruns_give_exactly_once(spark, kafka_bootstrap, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.stack import unique_name

    settings = _settings(tmp_path, kafka_bootstrap, topic=unique_name("ingest"), partitions=3)
    _produce(settings, first=0, count=500)
    uri = settings.table_uri("bronze.events")
    seen: list[int] = []

    def crash_on_second_batch(ranges) -> None:  # type: ignore[no-untyped-def]
        seen.append(sum(r.size for r in ranges))
        if len(seen) == 2:
            raise _Crash("between read and commit")

    with pytest.raises(_Crash):
        ingest.run(spark, settings, max_records=200, before_commit=crash_on_second_batch)
    assert spark.read.format("delta").load(uri).count() == 200  # the first batch only

    again = ingest.run(spark, settings, max_records=200)
    assert again.rows == 300 and again.batches == 2
    assert ingest.run(spark, settings, max_records=200).rows == 0

    _produce(settings, first=500, count=40)
    assert ingest.run(spark, settings).rows == 40

    bronze = spark.read.format("delta").load(uri)
    assert bronze.count() == 540
    assert bronze.select("topic", "partition", "offset").distinct().count() == 540
    assert bronze.select("value").distinct().count() == 540
    days = {str(r.event_date) for r in bronze.select("event_date").distinct().collect()}
    assert days == {"2026-11-20", "2026-11-21", "2026-11-22"}


@pytest.mark.kafka
@pytest.mark.spark
def test_a_replayed_commit_is_skipped_by_delta(
    spark, kafka_bootstrap, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two runs racing over the same range: the second commit carries a seen txnVersion."""
    from tests.fixtures.stack import unique_name

    settings = _settings(tmp_path, kafka_bootstrap, topic=unique_name("race"), partitions=1)
    _produce(settings, first=0, count=20)
    ingest.run(spark, settings)
    # A racing run that read the committed offsets before the first run committed:
    monkeypatch.setattr(ingest, "committed_offsets", lambda *args, **kwargs: {})
    assert ingest.run(spark, settings).rows == 20  # read again, but Delta skips the commit
    assert spark.read.format("delta").load(settings.table_uri("bronze.events")).count() == 20


@pytest.mark.kafka
def test_fetch_reads_a_partition_split_across_batches(kafka_bootstrap: str) -> None:
    """Batches that end a partition mid-log while another is still open, then go on with it:
    every offset exactly once. (The 1M-user bench stalled on this path when finished
    partitions were paused; this small topic did not reproduce that stall.)"""
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    from tests.fixtures.stack import unique_name

    topic, per_partition = unique_name("ingest_split"), 35_000
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(topic, 2, 1)])
        admin.wait_for_topics([topic], timeout_ms=30_000)
    finally:
        admin.close()
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap,
        linger_ms=50,
        compression_type="gzip",
        batch_size=512 * 1024,
    )
    for i in range(per_partition):
        for p in (0, 1):
            producer.send(topic, value=b"x" * 200 + str(i).encode(), partition=p)
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in (0, 1)]
        latest = {tp.partition: o for tp, o in consumer.end_offsets(tps).items()}
        batches = plan_batches(
            committed={}, earliest={0: 0, 1: 0}, latest=latest, max_records=20_000
        )
        assert [[r.partition for r in b] for b in batches] == [[0], [0, 1], [1], [1]]
        seen: dict[int, list[int]] = {0: [], 1: []}
        for ranges in batches:
            table = ingest.fetch(consumer, topic=topic, ranges=ranges, stall_timeout_s=20)
            for p, o in zip(
                table.column("partition").to_pylist(),
                table.column("offset").to_pylist(),
                strict=True,
            ):
                seen[p].append(o)
    finally:
        consumer.close()
    assert seen == {0: list(range(per_partition)), 1: list(range(per_partition))}
