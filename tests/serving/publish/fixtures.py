"""Fixtures shared by the publish and view tests: a unique Redis prefix, a unique keyspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from clarion.settings import Settings
from clarion.stack.cassandra import keyspace_cql
from tests.fixtures.stack import unique_name


@pytest.fixture
def redis_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A fresh key prefix; every key under it is deleted after the test."""
    prefix = unique_name("bv")
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*", count=10_000))
    for start in range(0, len(keys), 1_000):
        redis_client.delete(*keys[start : start + 1_000])


@pytest.fixture
def cassandra_keyspace(cassandra_session: Any, stack_settings: Settings) -> Iterator[str]:
    """A fresh keyspace, dropped after the test."""
    name = unique_name("bv")
    cassandra_session.execute(keyspace_cql(name, stack_settings.cassandra.replication))
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


def dump_version(client: redis.Redis, *, prefix: str, version: str) -> dict[str, dict[str, str]]:
    """Every user hash of one version, keyed without the prefix: two publishes compare equal."""
    out: dict[str, dict[str, str]] = {}
    for key in client.scan_iter(match=f"{prefix}:bv:{version}:{{*}}", count=10_000):
        fields = client.hgetall(key)
        name = key.decode()[len(prefix) :]
        out[name] = {k.decode(): v.decode() for k, v in fields.items()}
    return out
