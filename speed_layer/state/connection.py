"""A Redis client for the speed layer from Clarion's settings (one URL or Redis Cluster)."""

from __future__ import annotations

from typing import Any

import redis

from clarion.settings import RedisSettings

__all__ = ["connect"]


def connect(settings: RedisSettings, **options: Any) -> redis.Redis | redis.RedisCluster:
    """A client answering ``str``; a :class:`redis.RedisCluster` when ``cluster_nodes`` is set."""
    kwargs: dict[str, Any] = {"decode_responses": True, "health_check_interval": 30, **options}
    if settings.username:
        kwargs["username"] = settings.username
    if settings.password is not None:
        kwargs["password"] = settings.password.get_secret_value()
    tls = settings.tls
    if tls.enabled:
        kwargs["ssl"] = True
        kwargs["ssl_check_hostname"] = tls.verify_hostname
        for key, path in (
            ("ssl_ca_certs", tls.ca_file),
            ("ssl_certfile", tls.cert_file),
            ("ssl_keyfile", tls.key_file),
        ):
            if path is not None:
                kwargs[key] = str(path)
    if settings.cluster_nodes:
        nodes = []
        for node in settings.cluster_nodes:
            host, _, port = node.rpartition(":")
            nodes.append(redis.cluster.ClusterNode(host, int(port)))  # type: ignore[no-untyped-call]
        kwargs.pop("health_check_interval")
        return redis.RedisCluster(startup_nodes=nodes, **kwargs)
    assert settings.url is not None
    if not tls.enabled:
        return redis.Redis.from_url(settings.url, **kwargs)
    kwargs.pop("ssl")
    return redis.Redis.from_url(settings.url.replace("redis://", "rediss://", 1), **kwargs)
