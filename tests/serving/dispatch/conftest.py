"""Store fixtures: every contract test runs against the in-memory stores and, marked ``redis``,
against the real Redis of the local stack (keys under a unique prefix, deleted afterwards)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from serving.dispatch import DispatchStores, memory_stores, redis_stores
from tests.fixtures.stack import unique_name


@pytest.fixture
def redis_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A fresh key prefix; every key under it is deleted after the test."""
    prefix = unique_name("dispatch")
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def stores(request: pytest.FixtureRequest) -> Iterator[DispatchStores]:
    """Set-up stores of either kind. Redis buckets use the caller's clock here, so the
    same time-travelling tests hold for both; the server clock is tested separately."""
    if request.param == "memory":
        built = memory_stores()
    else:
        client = request.getfixturevalue("redis_client")
        prefix = request.getfixturevalue("redis_prefix")
        built = redis_stores(client, key_prefix=prefix, bucket_clock="caller")
    with built:
        yield built
