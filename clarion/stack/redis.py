"""Redis for the local stack: Debian's ``redis-server`` with Clarion's own config and port.

It never touches Debian's own service on 6379: the port, data and log all come from the settings
and live under ``<state_dir>/services/redis/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, cast

import redis as redis_py

from clarion.redis_client import connect
from clarion.settings import Settings
from clarion.stack._ports import Endpoint, parse_redis_url, require_loopback
from clarion.stack._service import LaunchSpec, Service
from clarion.stack._templates import render_file
from clarion.stack.exceptions import StackError

__all__ = ["RedisService", "client", "config_values"]

_INSTALL_HINT = "install it (Debian/Ubuntu: apt-get install redis-server; or run bin/bootstrap)"


def config_values(*, endpoint: Endpoint, data_dir: Path, log_file: Path) -> dict[str, Any]:
    """The placeholders of ``infra/redis/redis.conf``."""
    return {
        "host": endpoint.host,
        "port": endpoint.port,
        "data_dir": data_dir,
        "log_file": log_file,
    }


def client(settings: Settings, **kwargs: Any) -> redis_py.Redis:
    """A client for the configured Redis (:func:`clarion.redis_client.connect`: ``redis.url``,
    or a :class:`redis.RedisCluster` over ``redis.cluster_nodes``). Responses are bytes
    unless ``decode_responses=True`` is passed.

    Typed as :class:`redis.Redis`, which the Clarion stores are written against; a
    ``RedisCluster`` offers the same commands, pipelines and scripts for keys of one slot.
    """
    return cast(redis_py.Redis, connect(settings.redis, **kwargs))


class RedisService(Service):
    name = "redis"
    start_timeout = 20.0
    stop_timeout = 15.0

    @property
    def endpoint(self) -> Endpoint:
        return require_loopback(parse_redis_url(self.settings.redis.url), service=self.name)

    def ports(self) -> dict[str, Endpoint]:
        return {"client": self.endpoint}

    def prepare(self) -> LaunchSpec:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(server).is_file():
            raise StackError(f"redis: no `redis-server` on the PATH; {_INSTALL_HINT}")
        self.paths.data.mkdir(parents=True, exist_ok=True)
        values = config_values(
            endpoint=self.endpoint, data_dir=self.paths.data, log_file=self.paths.log_file
        )
        conf = render_file("redis", "redis.conf", values, self.paths.root / "redis.conf")
        return LaunchSpec(argv=(server, str(conf)), marker=str(conf))

    def probe(self) -> None:
        conn = client(self.settings, socket_timeout=2, socket_connect_timeout=2)
        try:
            if not conn.ping():
                raise StackError("redis: PING got no PONG")
        finally:
            conn.close()
