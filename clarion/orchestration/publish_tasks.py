"""The publish DAG's tasks: a checked gold day into the serving stores.

``publish_batch_view`` loads the day's features, scores and segments from Delta
into Redis as a new version (readers switch atomically) and into Cassandra (the
durable copy), resumably (``serving.publish``); then it seeds the dispatcher's
preference store from ``silver.users`` (consent, contact points, locale, time
zone), so what the batch knows about each user reaches the dispatcher. Clients
are opened from the settings and closed here; Airflow imports this in the task.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from clarion.settings import Settings, load_settings

__all__ = ["publish_batch_view", "snapshot_run_id"]


def snapshot_run_id(settings: Settings) -> str:
    """``r`` + a digest of the gold tables' Delta versions: the same while the snapshot is
    the same (a rerun resumes or finds it published), a new version once the daily batch
    rewrote the day (its data may have changed: late events, a new model)."""
    from deltalake import DeltaTable

    from serving.publish import GOLD_TABLES

    tables = GOLD_TABLES.values()
    versions = ".".join(str(DeltaTable(settings.table_uri(t)).version()) for t in tables)
    return "r" + hashlib.sha256(versions.encode()).hexdigest()[:10]


def publish_batch_view(*, as_of: str | date, settings: Settings | None = None) -> dict[str, Any]:
    """Publish ``as_of`` as the version of the gold snapshot now in Delta (idempotent)."""
    from clarion.stack.cassandra import cluster
    from clarion.stack.redis import client
    from serving.preferences import RedisPreferenceStore
    from serving.preferences.silver_users import import_silver_users
    from serving.publish.daily import publish_day

    settings = settings or load_settings()
    day = as_of if isinstance(as_of, date) else date.fromisoformat(as_of)
    redis_client, cassandra = client(settings), cluster(settings)
    try:
        session = cassandra.connect()
        result = publish_day(
            settings,
            as_of=day,
            redis_client=redis_client,
            cassandra_session=session,
            run_id=snapshot_run_id(settings),
        )
        store = RedisPreferenceStore(redis_client, key_prefix=settings.redis.key_prefix)
        store.setup()
        preferences = import_silver_users(store, table_uri=settings.table_uri("silver.users"))
    finally:
        cassandra.shutdown()
        redis_client.close()
    return {
        "version": result.version,
        "users": result.users,
        "rows": dict(result.rows),
        "already_published": result.already_published,
        "preferences": preferences,
    }
