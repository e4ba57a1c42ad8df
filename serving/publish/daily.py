"""The one wiring point: publish a day from the settings' lakehouse to Redis (+ Cassandra).

The DAG task (or ``clarion publish``) calls :func:`publish_day` after the batch
layer's checks pass; clients are passed in and stay the caller's to close.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import redis

from clarion.settings import Settings
from serving.publish.delta_source import DeltaViewSource
from serving.publish.publisher import CheckpointHook, PublishResult, publish_batch_view
from serving.stores import (
    BatchViewStore,
    CassandraBatchViewConfig,
    CassandraBatchViewStore,
    RedisBatchViewConfig,
    RedisBatchViewStore,
    RedisCheckpointStore,
)

__all__ = ["publish_day"]


def publish_day(
    settings: Settings,
    *,
    as_of: date,
    redis_client: redis.Redis,
    cassandra_session: Any | None = None,
    run_id: str = "r1",
    rows_per_chunk: int = 2_000,
    on_checkpoint: CheckpointHook | None = None,
) -> PublishResult:
    """Publish ``as_of`` as ``<as_of>.<run_id>``; rerun with the same arguments to resume."""
    prefix = settings.redis.key_prefix
    stores: list[BatchViewStore] = [
        RedisBatchViewStore(redis_client, config=RedisBatchViewConfig(key_prefix=prefix))
    ]
    if cassandra_session is not None:
        config = CassandraBatchViewConfig(keyspace=settings.cassandra.keyspace)
        stores.append(CassandraBatchViewStore(cassandra_session, config=config))
    return publish_batch_view(
        source=DeltaViewSource.from_settings(settings, as_of=as_of, rows_per_chunk=rows_per_chunk),
        stores=stores,
        checkpoints=RedisCheckpointStore(redis_client, key_prefix=prefix),
        run_id=run_id,
        on_checkpoint=on_checkpoint,
    )
