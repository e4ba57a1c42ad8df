"""Addresses and ports of the local services: parsing (pure), and asking the OS who holds a port.

>>> parse_host_port("127.0.0.1:29092", service="kafka")
Endpoint(host='127.0.0.1', port=29092)
>>> require_loopback(Endpoint("10.0.0.5", 9092), service="kafka")
Traceback (most recent call last):
...
clarion.stack.exceptions.StackError: kafka: the local stack binds loopback only, but the settings \
point at 10.0.0.5:9092; use profile 'local' or start that service elsewhere
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import psutil

from clarion.stack.exceptions import PortInUseError, StackError

__all__ = [
    "Endpoint",
    "accepts_connections",
    "check_port_free",
    "describe_holder",
    "parse_host_port",
    "parse_redis_url",
    "port_conflict_message",
    "port_holder",
    "port_is_free",
    "require_loopback",
]


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_host_port(text: str, *, service: str) -> Endpoint:
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        raise StackError(f"{service}: expected host:port, got {text!r}")
    return Endpoint(host.strip("[]"), int(port))


def parse_redis_url(url: str | None) -> Endpoint:
    if not url or not url.startswith("redis://"):
        raise StackError(f"redis: the local stack needs a redis:// url, got {url!r}")
    parts = urlsplit(url)
    return Endpoint(parts.hostname or "127.0.0.1", parts.port or 6379)


def require_loopback(endpoint: Endpoint, *, service: str) -> Endpoint:
    """The endpoint itself, if it is on this machine's loopback; the stack binds nothing else."""
    try:
        loopback = ipaddress.ip_address(endpoint.host).is_loopback
    except ValueError:
        loopback = endpoint.host == "localhost"
    if not loopback:
        raise StackError(
            f"{service}: the local stack binds loopback only, but the settings point at "
            f"{endpoint}; use profile 'local' or start that service elsewhere"
        )
    return endpoint


def port_conflict_message(
    *, service: str, role: str, endpoint: Endpoint, holder: str | None
) -> str:
    """What to tell the user when ``endpoint`` is taken.

    >>> port_conflict_message(service="redis", role="client", endpoint=Endpoint("127.0.0.1", 26379),
    ...                       holder="pid 99 redis-server (/usr/bin/redis-server *:26379)")
    'redis: port 26379 (client) on 127.0.0.1 is already in use by pid 99 redis-server \
(/usr/bin/redis-server *:26379). Stop that program, or give redis another port in the settings.'
    """
    who = holder or "another program (run `ss -ltnp` to see which)"
    return (
        f"{service}: port {endpoint.port} ({role}) on {endpoint.host} is already in use by {who}. "
        f"Stop that program, or give {service} another port in the settings."
    )


def describe_holder(pid: int | None, name: str, cmdline: list[str]) -> str:
    """``pid 99 java (java -cp ... kafka.Kafka)``, the command shortened to keep errors readable."""
    command = " ".join(" ".join(cmdline).split())
    if len(command) > 120:
        command = command[:117] + "..."
    return f"pid {pid} {name}" + (f" ({command})" if command else "")


def port_is_free(endpoint: Endpoint) -> bool:
    """True if a listener could bind ``endpoint`` now (SO_REUSEADDR, as servers do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((endpoint.host, endpoint.port))
        except OSError:
            return False
    return True


def accepts_connections(endpoint: Endpoint, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((endpoint.host, endpoint.port), timeout=timeout):
            return True
    except OSError:
        return False


def port_holder(port: int) -> str | None:
    """Who listens on ``port``, as far as psutil can tell (root sees every process)."""
    try:
        conns = psutil.net_connections(kind="inet")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in conns:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "a process this user cannot see"
            try:
                proc = psutil.Process(conn.pid)
                return describe_holder(conn.pid, proc.name(), proc.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                return f"pid {conn.pid}"
    return None


def check_port_free(endpoint: Endpoint, *, service: str, role: str) -> None:
    """Raise :class:`PortInUseError` naming the holder when ``endpoint`` cannot be bound."""
    if not port_is_free(endpoint):
        holder = port_holder(endpoint.port)
        raise PortInUseError(
            port_conflict_message(service=service, role=role, endpoint=endpoint, holder=holder)
        )
