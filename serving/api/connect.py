"""Real services for the API from the settings: Redis, Cassandra, Kafka (the one wiring point)."""

from __future__ import annotations

from typing import Any

from clarion.settings import Settings
from serving.api.ports import ApiServices, KafkaIntentPublisher
from serving.delivery.cassandra_status import CassandraStatusStore
from serving.inbox import DecisionLog, InboxConfig, InboxStore
from serving.preferences import RedisPreferenceStore
from serving.stores import RedisBatchViewConfig, RedisBatchViewStore
from serving.view import MergedViewReader, RedisRealtimeViewReader

__all__ = ["connect_services"]


def connect_services(settings: Settings) -> ApiServices:
    """Open the clients the API needs; ``services.close()`` closes them."""
    from clarion.stack.cassandra import cluster
    from clarion.stack.redis import client

    redis_client = client(settings)
    cass = cluster(settings)
    session = cass.connect()
    prefix = settings.redis.key_prefix
    keyspace = settings.cassandra.keyspace
    inbox_config = InboxConfig(keyspace=keyspace)
    batch = RedisBatchViewStore(redis_client, config=RedisBatchViewConfig(key_prefix=prefix))
    batch.update()
    statuses = CassandraStatusStore(
        session, keyspace=keyspace, table=settings.delivery.status_table
    )
    statuses.setup()
    intents = KafkaIntentPublisher(settings.kafka, topic=settings.kafka.intents_topic)
    services = ApiServices(
        inbox=InboxStore(session, config=inbox_config),
        decisions=DecisionLog(session, config=inbox_config),
        preferences=RedisPreferenceStore(redis_client, key_prefix=prefix),
        view=MergedViewReader(
            batch=batch, realtime=RedisRealtimeViewReader(redis_client, key_prefix=prefix)
        ),
        intents=intents,
        statuses=statuses,
        checks={
            "redis": redis_client.ping,
            "cassandra": lambda: _cassandra_check(session),
            "kafka": intents.check,
        },
        closers=[redis_client.close, cass.shutdown, intents.close],
    )
    return services


def _cassandra_check(session: Any) -> None:
    session.execute("SELECT release_version FROM system.local", timeout=5)
