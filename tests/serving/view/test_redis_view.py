"""The merged view over the real Redis: no torn reads of the batch view during a switch."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
import redis

from serving.publish import DeltaViewSource, publish_batch_view
from serving.stores import RedisBatchViewConfig, RedisBatchViewStore, RedisCheckpointStore
from serving.view import MergedView, MergedViewReader, RedisRealtimeViewReader
from tests.serving.publish.builders import BATCH_FEATURES, users, write_gold

pytestmark = pytest.mark.redis

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _value_of(view: MergedView) -> int:
    """Every int feature of a user in version ``k`` is ``k`` (planted by ``constant``)."""
    ints = {v for f in BATCH_FEATURES if f.dtype == "int64" and (v := view.batch.get(f.name))}
    assert len(ints) == 1, f"a torn read: {ints} in {view.batch_version}"
    return int(ints.pop())


@pytest.mark.parametrize("read_mode", ["pointer", "atomic"])
def test_readers_never_see_a_mix_of_two_versions_during_a_switch(
    redis_client: redis.Redis,
    redis_prefix: str,
    tmp_path: Path,
    read_mode: Literal["pointer", "atomic"],
) -> None:
    ids = users(300)
    days = [date(2026, 11, 24) + timedelta(days=k) for k in range(1, 4)]
    uris = {}
    for k, day in enumerate(days, start=1):
        uris = write_gold(tmp_path, ids, as_of=day, files=2, constant=k)
    config = RedisBatchViewConfig(key_prefix=redis_prefix, read_mode=read_mode)
    checkpoints = RedisCheckpointStore(redis_client, key_prefix=redis_prefix)

    def publish(day: date) -> None:
        publish_batch_view(
            source=DeltaViewSource(uris=uris, as_of=day, rows_per_chunk=40),
            stores=[RedisBatchViewStore(redis_client, config=config)],
            checkpoints=checkpoints,
        )

    publish(days[0])
    store = RedisBatchViewStore(redis_client, config=config)
    store.update()
    realtime = RedisRealtimeViewReader(redis_client, key_prefix=redis_prefix)
    reader = MergedViewReader(batch=store, realtime=realtime, clock=lambda: NOW)
    stop = threading.Event()
    seen: list[tuple[str, int]] = []
    errors: list[BaseException] = []

    def read_loop(seed: int) -> None:
        rng = random.Random(seed)
        try:
            while not stop.is_set():
                view = reader.read(rng.choice(ids))
                k = _value_of(view)
                assert view.batch_as_of == days[k - 1], (view.batch_version, k)
                assert view.score == float(k) and view.model_version == f"xgb-{k}"
                seen.append((view.batch_version or "", k))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read_loop, args=(s,)) for s in range(3)]
    for thread in threads:
        thread.start()
    try:
        publish(days[1])
        publish(days[2])
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors[0]
    assert {k for _, k in seen} >= {1, 3}, "the readers should have seen the switches"
    versions = [k for _, k in seen]
    assert len(versions) > 100
