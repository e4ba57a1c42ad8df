"""The durable copy in the real Cassandra: rows, run log, idempotent resume, reads back."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from serving.publish import DeltaViewSource, publish_batch_view
from serving.stores import (
    CassandraBatchViewConfig,
    CassandraBatchViewStore,
    ChunkKind,
    InMemoryBatchViewStore,
    InMemoryCheckpointStore,
    StoreError,
    ViewChunk,
)

from .builders import users, write_gold

pytestmark = pytest.mark.cassandra

DAY = date(2026, 11, 27)
VERSION = "2026-11-27.r1"
N = 150


class Crash(Exception):
    pass


@pytest.fixture(scope="module")
def gold(tmp_path_factory: pytest.TempPathFactory) -> dict[ChunkKind, str]:
    return write_gold(tmp_path_factory.mktemp("lake"), users(N), as_of=DAY, files=2)


def cassandra(session: Any, keyspace: str, table: str, **batching: int) -> CassandraBatchViewStore:
    config = CassandraBatchViewConfig(
        keyspace=keyspace, view_table=table, runs_table=f"{table}_runs", **batching
    )
    return CassandraBatchViewStore(session, config=config)


def publish(
    stores: list[Any], uris: dict[ChunkKind, str], checkpoints: Any, hook: Any = None
) -> Any:
    return publish_batch_view(
        source=DeltaViewSource(uris=uris, as_of=DAY, rows_per_chunk=40),
        stores=stores,
        checkpoints=checkpoints,
        on_checkpoint=hook,
    )


def rows(session: Any, keyspace: str, table: str) -> list[tuple[Any, ...]]:
    found = session.execute(
        f"SELECT user_id, as_of, version, features, score, model_version, segments "
        f"FROM {keyspace}.{table}"
    )
    out = [
        (
            r.user_id,
            str(r.as_of),
            r.version,
            dict(r.features or {}),
            r.score,
            r.model_version,
            sorted(r.segments or ()),
        )
        for r in found
    ]
    return sorted(out)


def test_crash_and_resume_equals_a_clean_publish_and_reads_match_redis_shape(
    cassandra_session: Any, cassandra_keyspace: str, gold: dict[ChunkKind, str]
) -> None:
    clean, memory = (
        cassandra(cassandra_session, cassandra_keyspace, "clean"),
        InMemoryBatchViewStore(),
    )
    publish([clean, memory], gold, InMemoryCheckpointStore())

    resumed = cassandra(cassandra_session, cassandra_keyspace, "resumed")
    checkpoints = InMemoryCheckpointStore()

    def crash(kind: ChunkKind, done: int) -> None:
        if kind == "segments":
            raise Crash

    with pytest.raises(Crash):
        publish([resumed], gold, checkpoints, crash)
    assert resumed.current_version() is None
    run = cassandra_session.execute(
        f"SELECT * FROM {cassandra_keyspace}.resumed_runs WHERE version = %s", (VERSION,)
    ).one()
    assert run.status == "running" and run.finished_at is None
    publish([resumed], gold, checkpoints)

    want = rows(cassandra_session, cassandra_keyspace, "clean")
    assert len(want) == N
    assert rows(cassandra_session, cassandra_keyspace, "resumed") == want
    run = cassandra_session.execute(
        f"SELECT * FROM {cassandra_keyspace}.resumed_runs WHERE version = %s", (VERSION,)
    ).one()
    assert run.status == "published" and run.rows["features"] == N
    assert run.started_at <= run.finished_at
    assert resumed.current_version() == VERSION
    for user in users(5):
        assert resumed.online_read(user) == memory.online_read(user)


def test_schema_creation_is_idempotent(cassandra_session: Any, cassandra_keyspace: str) -> None:
    store = cassandra(cassandra_session, cassandra_keyspace, "again")
    store.update()
    store.update()
    assert store.current_version() is None and store.online_read("u1") is None
    store.teardown()


def test_largest_batches_write_the_same_rows_as_one_request_per_row(
    cassandra_session: Any, cassandra_keyspace: str, gold: dict[ChunkKind, str]
) -> None:
    # The largest allowed batches must stay under the server's batch_size_fail_threshold
    # (an underestimated row size fails here with "Batch too large").
    single = cassandra(cassandra_session, cassandra_keyspace, "single", batch_rows=1)
    largest = cassandra(
        cassandra_session, cassandra_keyspace, "largest", batch_rows=500, batch_bytes=45_000
    )
    publish([single], gold, InMemoryCheckpointStore())
    publish([largest], gold, InMemoryCheckpointStore())
    want = rows(cassandra_session, cassandra_keyspace, "single")
    assert len(want) == N
    assert rows(cassandra_session, cassandra_keyspace, "largest") == want


def test_a_failed_batch_raises_a_store_error_naming_the_table(
    cassandra_session: Any, cassandra_keyspace: str
) -> None:
    store = cassandra(cassandra_session, cassandra_keyspace, "gone")
    store.update()
    cassandra_session.execute(f"DROP TABLE {cassandra_keyspace}.gone")
    chunk = ViewChunk(kind="segments", rows=2, segments={"u1": ("vip",), "u2": ("new_user",)})
    with pytest.raises(StoreError, match=f"{cassandra_keyspace}.gone"):
        store.online_write_batch(version=VERSION, chunk=chunk)
