from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from clarion.stack._ports import (
    Endpoint,
    accepts_connections,
    check_port_free,
    parse_host_port,
    parse_redis_url,
    port_is_free,
    require_loopback,
)
from clarion.stack.exceptions import PortInUseError, StackError


@pytest.fixture
def listener() -> Iterator[Endpoint]:
    """A real socket listening on a free loopback port, held by this test process."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield Endpoint("127.0.0.1", sock.getsockname()[1])


def test_parse_host_port() -> None:
    assert parse_host_port("127.0.0.1:29092", service="kafka") == Endpoint("127.0.0.1", 29092)
    assert parse_host_port("[::1]:9042", service="cassandra") == Endpoint("::1", 9042)
    for bad in ("127.0.0.1", ":9092", "host:port"):
        with pytest.raises(StackError, match="kafka: expected host:port"):
            parse_host_port(bad, service="kafka")


def test_parse_redis_url() -> None:
    assert parse_redis_url("redis://127.0.0.1:26379/0") == Endpoint("127.0.0.1", 26379)
    assert parse_redis_url("redis://localhost/1") == Endpoint("localhost", 6379)
    with pytest.raises(StackError, match="redis://"):
        parse_redis_url("rediss://127.0.0.1:26379")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_is_accepted(host: str) -> None:
    assert require_loopback(Endpoint(host, 1), service="redis").host == host


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "kafka.internal"])
def test_anything_else_is_refused(host: str) -> None:
    with pytest.raises(StackError, match="binds loopback only"):
        require_loopback(Endpoint(host, 9092), service="kafka")


def test_a_held_port_is_not_free(listener: Endpoint) -> None:
    assert not port_is_free(listener)
    assert accepts_connections(listener)


def test_a_released_port_is_free() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        endpoint = Endpoint("127.0.0.1", sock.getsockname()[1])
    assert port_is_free(endpoint)
    assert not accepts_connections(endpoint)


def test_conflict_names_port_service_and_holder(listener: Endpoint) -> None:
    with pytest.raises(PortInUseError) as err:
        check_port_free(listener, service="kafka", role="broker")
    message = str(err.value)
    assert message.startswith(f"kafka: port {listener.port} (broker) on 127.0.0.1 is already")
    assert "python" in message  # psutil found this test process holding it
