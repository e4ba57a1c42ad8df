"""One Redis client from Clarion's settings: ``redis.url``, or Redis Cluster over
``redis.cluster_nodes``, with the settings' username, password and TLS.

Every layer builds its client here: the speed layer (``decode_responses=True``), and the
serving layer and the stack through :func:`clarion.stack.redis.client` (bytes).
"""

from __future__ import annotations

from typing import Any

import redis
from redis.cluster import ClusterNode

from clarion.exceptions import ClarionError
from clarion.settings import RedisSettings

__all__ = ["connect"]


def connect(settings: RedisSettings, **options: Any) -> redis.Redis | redis.RedisCluster:
    """A :class:`redis.RedisCluster` when ``cluster_nodes`` is set, else a :class:`redis.Redis`
    for ``url``; ``options`` go to the client (a ``health_check_interval`` is dropped for a
    cluster, whose client has none).

    Raises:
        ClarionError: a cluster node is not ``host:port``.
    """
    kwargs: dict[str, Any] = {}
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
    kwargs.update(options)
    if settings.cluster_nodes:
        kwargs.pop("health_check_interval", None)
        return redis.RedisCluster(startup_nodes=_nodes(settings.cluster_nodes), **kwargs)
    assert settings.url is not None  # the settings hold exactly one of url and cluster_nodes
    if not tls.enabled:
        return redis.Redis.from_url(settings.url, **kwargs)
    kwargs.pop("ssl")
    return redis.Redis.from_url(settings.url.replace("redis://", "rediss://", 1), **kwargs)


def _nodes(texts: tuple[str, ...]) -> list[ClusterNode]:
    nodes = []
    for text in texts:
        host, sep, port = text.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ClarionError(f"redis: cluster node {text!r} is not host:port")
        nodes.append(ClusterNode(host.strip("[]"), int(port)))  # type: ignore[no-untyped-call]
    return nodes
