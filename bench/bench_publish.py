"""Throughput of publishing the batch view, against bare client loops measured in the same run.

Generates one day of gold tables (features from the declarations, scores, segments)
on local disk, then prints:

* Redis: ``publish_batch_view`` users/s (Delta read, encoding, three passes,
  checkpoints, verification SCAN, switch) as a ratio to a bare pipelined redis-py
  loop that HSETs the very same final hashes (read back from the published version
  and decoded to str, untimed), pipelines of ``--rows`` users.
* Cassandra: ``publish_batch_view`` rows/s (users) into the durable copy as a ratio
  to two bare loops over the same prepared statements and parameters, measured in
  the same run: ``execute_concurrent_with_args`` (one request per row, ``--concurrency``
  in flight) and ``execute_concurrent`` of the same UNLOGGED batches the store sends
  (``--batch-rows`` rows each, built by the store's ``chunk_batches``, building timed,
  ``--batch-concurrency`` in flight; run before and after the publish, the faster
  one shown). ``--batch-rows 1`` publishes row by row.

Ratios are given for wall time and for this process's CPU time (the client side,
which dominates both loops and is less disturbed by other jobs on a shared host).
Redis runs ``--repeats`` rounds (publish, then bare) and shows the best of each.

    .venv/bin/python bench/bench_publish.py --users 100000 --cassandra-users 10000
    .venv/bin/python bench/bench_publish.py --users 0 --cassandra-users 20000 --batch-rows 20
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args

from clarion.settings import load_settings
from clarion.stack.cassandra import cluster, keyspace_cql
from clarion.stack.redis import client as redis_client
from serving.publish import PASSES, DeltaViewSource, chunk_from_batch, publish_batch_view
from serving.stores import (
    CassandraBatchViewConfig,
    CassandraBatchViewStore,
    InMemoryCheckpointStore,
    RedisBatchViewConfig,
    RedisBatchViewStore,
    RedisCheckpointStore,
)
from tests.serving.publish.builders import users, write_gold

DAY = date(2026, 11, 27)


class Timer:
    """Wall and process-CPU seconds of the timed sections (CPU is less hurt by a busy host)."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.process_time() - self._cpu


def _line(label: str, rows: int, timer: Timer, baseline: Timer | None = None) -> None:
    ratio = ""
    if baseline is not None:
        ratio = f"  ({baseline.wall / timer.wall:.2f}x wall, {baseline.cpu / timer.cpu:.2f}x CPU)"
    print(
        f"{label:<50} {rows:>9,} {timer.wall:7.2f} s {rows / timer.wall:>8,.0f}/s "
        f"cpu {timer.cpu:6.2f} s{ratio}",
        flush=True,
    )


def _best(timers: list[Timer]) -> Timer:
    return min(timers, key=lambda t: t.wall)


def _redis_round(client: Any, uris: dict[str, Any], *, rows: int) -> tuple[int, Timer, Timer]:
    """One publish, then the bare loop writing the same hashes; both torn down."""
    prefix, bare = f"bench_{uuid.uuid4().hex[:8]}", f"bench_bare_{uuid.uuid4().hex[:8]}"
    store = RedisBatchViewStore(client, config=RedisBatchViewConfig(key_prefix=prefix))
    published, looped = Timer(), Timer()
    try:
        with published:
            result = publish_batch_view(
                source=DeltaViewSource(uris=uris, as_of=DAY, rows_per_chunk=rows),
                stores=[store],
                checkpoints=RedisCheckpointStore(client, key_prefix=prefix),
            )
        keys = list(client.scan_iter(match=store.keys.user_pattern(result.version), count=10_000))
        for at in range(0, len(keys), rows):
            reader = client.pipeline(transaction=False)
            for key in keys[at : at + rows]:
                reader.hgetall(key)
            # As str, like the hashes any caller builds (bytes would skip redis-py's encoding).
            hashes = [{k.decode(): v.decode() for k, v in h.items()} for h in reader.execute()]
            with looped:
                writer = client.pipeline(transaction=False)
                for key, fields in zip(keys[at : at + rows], hashes, strict=True):
                    writer.hset(key.replace(prefix.encode(), bare.encode(), 1), mapping=fields)
                writer.execute()
        assert len(keys) == result.users
        return result.users, published, looped
    finally:
        store.teardown()
        RedisBatchViewStore(client, config=RedisBatchViewConfig(key_prefix=bare)).teardown()


def bench_redis(uris: dict[str, Any], *, rows: int, repeats: int) -> None:
    client = redis_client(load_settings())
    try:
        rounds = [_redis_round(client, uris, rows=rows) for _ in range(repeats)]
    finally:
        client.close()
    users = rounds[0][0]
    base = _best([r[2] for r in rounds])
    _line("redis: bare pipelined HSET of the same hashes", users, base)
    _line("redis: publish_batch_view (Delta -> Redis)", users, _best([r[1] for r in rounds]), base)


def _bare_cassandra(
    session: Any, source: DeltaViewSource, bare: CassandraBatchViewStore, *, batched: bool
) -> Timer:
    """One bare pass over every chunk: rows one request each, or the store's batches."""
    versions, looped = source.snapshot_versions(), Timer()
    concurrency = bare.config.concurrency
    for kind in PASSES:
        for _, batch in source.batches(kind, table_version=versions[kind]):
            chunk = chunk_from_batch(kind, batch, features=source.features)
            params = bare.chunk_params(version="2026-11-27.r1", chunk=chunk)
            with looped:
                if batched:
                    batches = bare.chunk_batches(kind=kind, params=params)
                    execute_concurrent(
                        session,
                        [(b, None) for b in batches],
                        concurrency=concurrency,
                        raise_on_first_error=True,
                    )
                else:
                    execute_concurrent_with_args(
                        session,
                        bare.statement(kind),
                        params,
                        concurrency=concurrency,
                        raise_on_first_error=True,
                    )
    return looped


def bench_cassandra(
    uris: dict[str, Any],
    *,
    n: int,
    rows: int,
    concurrency: int,
    batch_rows: int,
    batch_concurrency: int,
) -> None:
    settings = load_settings()
    keyspace = f"bench_{uuid.uuid4().hex[:8]}"
    with cluster(settings) as c:
        session = c.connect()
        session.execute(keyspace_cql(keyspace, settings.cassandra.replication))
        try:

            def store(table: str, *, batched: bool = True) -> CassandraBatchViewStore:
                config = CassandraBatchViewConfig(
                    keyspace=keyspace,
                    view_table=table,
                    runs_table=f"{table}_runs",
                    concurrency=batch_concurrency if batched else concurrency,
                    batch_rows=batch_rows if batched else 1,
                )
                made = CassandraBatchViewStore(session, config=config)
                made.update()
                return made

            source = DeltaViewSource(uris=uris, as_of=DAY, rows_per_chunk=rows)
            versions = source.snapshot_versions()
            warm = store("warm")  # a first table warms the node and the driver, untimed
            for _, batch in source.batches("features", table_version=versions["features"]):
                chunk = chunk_from_batch("features", batch, features=source.features)
                warm.online_write_batch(version="2026-11-27.r1", chunk=chunk)
                break
            single = _bare_cassandra(session, source, store("bare", batched=False), batched=False)
            # The batched baseline runs before and after the publish (a node slows as its
            # memtables fill and flush); the faster of the two is the baseline.
            before = _bare_cassandra(session, source, store("bare_batched"), batched=True)
            published = Timer()
            target = store("published")  # tables made untimed; publish's update() is a no-op
            with published:
                publish_batch_view(
                    source=source, stores=[target], checkpoints=InMemoryCheckpointStore()
                )
            after = _bare_cassandra(session, source, store("bare_batched_after"), batched=True)
            batched = _best([before, after])
            _line("cassandra: bare execute_concurrent, 1 row/request", n, single)
            _line(
                f"cassandra: bare execute_concurrent, batches of {batch_rows}", n, batched, single
            )
            _line("cassandra: publish_batch_view vs 1 row/request", n, published, single)
            _line(
                f"cassandra: publish_batch_view vs batches of {batch_rows}", n, published, batched
            )
        finally:
            session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--cassandra-users", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=2_000, help="users per chunk/pipeline")
    parser.add_argument("--concurrency", type=int, default=64, help="rows in flight")
    parser.add_argument("--batch-rows", type=int, default=CassandraBatchViewConfig().batch_rows)
    parser.add_argument(
        "--batch-concurrency",
        type=int,
        default=CassandraBatchViewConfig().concurrency,
        help="batches in flight",
    )
    parser.add_argument("--repeats", type=int, default=2, help="Redis rounds; best one shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_publish_") as tmp:
        if args.users:
            began = time.perf_counter()
            big = write_gold(Path(tmp) / "big", users(args.users), as_of=DAY, files=4)
            print(f"generated {args.users:,} users of gold in {time.perf_counter() - began:.1f} s")
            bench_redis(big, rows=args.rows, repeats=args.repeats)
        if args.cassandra_users:
            small = write_gold(Path(tmp) / "small", users(args.cassandra_users), as_of=DAY, files=2)
            bench_cassandra(
                small,
                n=args.cassandra_users,
                rows=args.rows,
                concurrency=args.concurrency,
                batch_rows=args.batch_rows,
                batch_concurrency=args.batch_concurrency,
            )


if __name__ == "__main__":
    main()
