"""Sinks: Delta written by delta-rs reads back; the lifecycle holds on failure; Kafka errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from clarion.settings import load_settings
from clarion.world import (
    DeltaSink,
    InMemorySink,
    KafkaSink,
    SinkUnavailableError,
    WorldSpec,
    write_world,
)
from clarion.world.encoding import BRONZE_EVENTS_SCHEMA
from clarion.world.sinks.kafka import key_partitions
from tests.clarion.world._world import build_world

SPEC = WorldSpec(users=1_200, days=3, start_date=date(2026, 5, 4), seed=5, chunk_users=500)


def test_write_world_hands_every_chunk_to_every_sink() -> None:
    events_a, events_b, users, traits = (InMemorySink(name=n) for n in ("a", "b", "u", "t"))
    seen: list[tuple[int, int]] = []
    summary = write_world(
        SPEC,
        event_sinks=[events_a, events_b],
        users_sink=users,
        traits_sink=traits,
        on_chunk=lambda u, e: seen.append((u, e)),
    )
    expected_users, expected_traits, expected_events = build_world(SPEC)
    assert events_a.table().equals(expected_events)
    assert events_b.table().equals(expected_events)
    assert users.table().equals(expected_users)
    assert traits.table().equals(expected_traits)
    assert [u for u, _ in seen] == [1_000, 200]
    assert summary.users == SPEC.users
    assert summary.events == expected_events.num_rows == sum(e for _, e in seen)
    assert all(s.closed for s in (events_a, events_b, users, traits))


class ExplodingSink(InMemorySink):
    """A sink whose destination breaks after the first chunk."""

    def write(self, rows: pa.Table) -> None:
        if self._pending:
            raise OSError("disk full")
        super().write(rows)


def test_a_failing_sink_closes_every_sink_and_flushes_none() -> None:
    good, bad = InMemorySink(), ExplodingSink()
    with pytest.raises(OSError, match="disk full"):
        write_world(SPEC, event_sinks=[good, bad])
    assert good.closed and bad.closed
    assert good.chunks == []


def test_delta_sink_overwrites_then_appends_and_delta_rs_reads_it(tmp_path: Path) -> None:
    uri = str(tmp_path / "bronze" / "events")
    _, _, events = build_world(SPEC)
    for mode in ("overwrite", "append"):
        sink = DeltaSink(
            uri, schema=BRONZE_EVENTS_SCHEMA, mode=mode, partition_by=["event_date"], flush_rows=700
        )
        sink.setup()
        for batch in events.to_batches(max_chunksize=1_000):
            sink.write(pa.Table.from_batches([batch]))
        sink.flush()
        sink.close()
        assert sink.rows_written == events.num_rows
    table = DeltaTable(uri)
    assert table.metadata().partition_columns == ["event_date"]
    read = table.to_pyarrow_table()
    assert read.num_rows == 2 * events.num_rows
    assert set(read.schema.names) == set(BRONZE_EVENTS_SCHEMA.names)
    dates = {d.isoformat() for d in read.column("event_date").to_pylist()}
    assert dates == {"2026-05-04", "2026-05-05", "2026-05-06"}

    again = DeltaSink(
        uri, schema=BRONZE_EVENTS_SCHEMA, mode="overwrite", partition_by=["event_date"]
    )
    again.setup()
    again.flush()  # an empty overwrite leaves an empty table
    assert DeltaTable(uri).to_pyarrow_table().num_rows == 0


def test_kafka_sink_without_a_broker_says_what_to_do() -> None:
    settings = load_settings(environ={"CLARION_KAFKA__BOOTSTRAP_SERVERS": "127.0.0.1:9"})
    sink = KafkaSink(settings.kafka, topic="events", bootstrap_timeout_s=1)
    with pytest.raises(SinkUnavailableError, match="clarion stack up"):
        sink.setup()


def test_precomputed_partitions_match_kafka_pythons_default_partitioner() -> None:
    from kafka.partitioner.default import DefaultPartitioner

    class Cluster:  # the three questions DefaultPartitioner asks of cluster metadata
        def topics(self) -> set[str]:
            return {"events"}

        def partitions_for_topic(self, topic: str) -> set[int]:
            return set(range(6))

        def available_partitions_for_topic(self, topic: str) -> set[int]:
            return set(range(6))

    keys = [f"u{i:09d}".encode() for i in range(500)]
    ours = key_partitions(keys, partitions=set(range(6)))
    theirs = {
        k: DefaultPartitioner().partition("events", k, k, None, None, Cluster()) for k in keys
    }
    assert ours == theirs
    assert len(set(ours.values())) == 6
