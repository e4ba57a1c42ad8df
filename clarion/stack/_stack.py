"""The local stack as a whole: ``up``, ``down`` and ``status`` over the selected services.

Services start in parallel (Cassandra, the slowest, first); a file lock in the state dir keeps
two ``up``/``down`` runs from racing each other.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import cast

from clarion.settings import Settings
from clarion.stack._lifecycle import ServiceReport, ensure_running, inspect, stop
from clarion.stack._service import SERVICE_NAMES, Service, ServiceName
from clarion.stack.cassandra import CassandraService
from clarion.stack.exceptions import StackError
from clarion.stack.kafka import KafkaService
from clarion.stack.redis import RedisService

__all__ = ["down", "select_services", "status", "up"]

_SERVICES: dict[ServiceName, type[Service]] = {
    "cassandra": CassandraService,
    "kafka": KafkaService,
    "redis": RedisService,
}


def select_services(names: str | Sequence[str] | None) -> tuple[ServiceName, ...]:
    """The services named (``"redis,kafka"`` or a list), in start order; all when None.

    >>> select_services("redis, kafka")
    ('kafka', 'redis')
    """
    if names is None:
        return SERVICE_NAMES
    wanted = [n.strip().lower() for n in (names.split(",") if isinstance(names, str) else names)]
    unknown = sorted(set(wanted) - set(SERVICE_NAMES) - {""})
    if unknown:
        raise StackError(
            f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(SERVICE_NAMES)}"
        )
    return tuple(n for n in SERVICE_NAMES if n in wanted)


def up(
    settings: Settings,
    *,
    services: str | Sequence[str] | None = None,
    timeout: float | None = None,
) -> list[ServiceReport]:
    """Start (or reuse) the local services, wait until each answers, create topics and keyspace.

    Args:
        services: a subset, e.g. ``"redis,kafka"``; all three by default.
        timeout: seconds each service may take to answer (default: its own, 20 s to 180 s).

    Raises:
        StackError: a service could not start or answer; the message says why and what to do.
    """
    return _run(settings, services, lambda s: ensure_running(s, timeout=timeout))


def down(settings: Settings, *, services: str | Sequence[str] | None = None) -> list[ServiceReport]:
    """Stop the services ``up`` started (by their recorded pids) and remove their pidfiles."""
    return _run(settings, services, stop)


def status(
    settings: Settings, *, services: str | Sequence[str] | None = None
) -> list[ServiceReport]:
    """Each service's state, pid, address, log and memory; changes nothing."""
    return [inspect(s) for s in _services(settings, services)]


def _services(settings: Settings, names: str | Sequence[str] | None) -> list[Service]:
    if settings.profile != "local":
        raise StackError(
            f"the local stack serves profile 'local'; profile {settings.profile!r} uses the "
            "services its settings point at"
        )
    return [_SERVICES[name](settings) for name in select_services(names)]


def _run(
    settings: Settings,
    names: str | Sequence[str] | None,
    action: Callable[[Service], ServiceReport],
) -> list[ServiceReport]:
    services = _services(settings, names)
    with _stack_lock(settings), ThreadPoolExecutor(max_workers=len(services) or 1) as pool:
        futures = [pool.submit(action, s) for s in services]
        outcomes: list[ServiceReport | BaseException] = []
        for future in futures:
            error = future.exception()
            outcomes.append(error if error is not None else future.result())
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    if len(errors) == 1 and len(services) == 1:
        raise errors[0]
    if errors:
        done = [o.name for o in outcomes if isinstance(o, ServiceReport)]
        messages = "\n\n".join(str(e) for e in errors)
        suffix = f"\n\n({', '.join(done)}: fine; `clarion stack status` shows them)" if done else ""
        raise StackError(messages + suffix) from errors[0]
    return cast(list[ServiceReport], outcomes)


@contextmanager
def _stack_lock(settings: Settings) -> Iterator[None]:
    lock = settings.state_dir / "run" / "stack.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
