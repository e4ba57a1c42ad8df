"""A Redis client for the speed layer from Clarion's settings (one URL or Redis Cluster)."""

from __future__ import annotations

from typing import Any

import redis

from clarion.redis_client import connect as redis_connect
from clarion.settings import RedisSettings

__all__ = ["connect"]


def connect(settings: RedisSettings, **options: Any) -> redis.Redis | redis.RedisCluster:
    """A client answering ``str``; a :class:`redis.RedisCluster` when ``cluster_nodes`` is set."""
    return redis_connect(
        settings, **{"decode_responses": True, "health_check_interval": 30, **options}
    )
