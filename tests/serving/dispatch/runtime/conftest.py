"""The rig of each runtime test: its own topics, Redis prefix and Cassandra keyspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from kafka import KafkaAdminClient

from clarion.kafka_options import client_options
from clarion.settings import Settings
from clarion.stack.cassandra import keyspace_cql
from serving.dispatch.runtime import ensure_topics
from serving.inbox import InboxConfig, create_tables
from tests.fixtures.stack import unique_name

from .harness import Rig


@pytest.fixture
def rig(
    stack_settings: Settings,
    kafka_bootstrap: str,
    redis_client: redis.Redis,
    cassandra_session: Any,
    tmp_path: Path,
) -> Iterator[Rig]:
    prefix = unique_name("disp")
    built = Rig(settings=stack_settings, prefix=prefix, keyspace=prefix, tmp=tmp_path)
    cassandra_session.execute(keyspace_cql(prefix, stack_settings.cassandra.replication))
    create_tables(cassandra_session, InboxConfig(keyspace=prefix))
    ensure_topics(stack_settings.kafka, built.topics())
    try:
        yield built
    finally:
        built.stop_all()
        cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {prefix}")
        keys = list(redis_client.scan_iter(match=f"{prefix}:*", count=10_000))
        for start in range(0, len(keys), 5_000):
            redis_client.delete(*keys[start : start + 5_000])
        admin = KafkaAdminClient(**client_options(stack_settings.kafka))
        try:
            admin.delete_topics(list(built.topics()))
        finally:
            admin.close()
