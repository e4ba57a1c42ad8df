"""One service's lifecycle: reuse or start it, wait until it answers, provision it, stop it.

The decisions come from ``_readiness``; this module does the I/O around them.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from clarion.stack._pidfile import PidRecord, read_pidfile, remove_pidfile, write_pidfile
from clarion.stack._ports import accepts_connections, check_port_free
from clarion.stack._process import (
    is_running,
    process_facts,
    rss_bytes,
    spawn_detached,
    terminate,
)
from clarion.stack._readiness import classify_existing, failure_message, next_step, tail
from clarion.stack._service import Service
from clarion.stack.exceptions import ServiceExitedError, ServiceNotReadyError, StackError

__all__ = ["ServiceReport", "ensure_running", "inspect", "stop"]

State = Literal["running", "not answering", "stopped"]
Action = Literal["started", "reused", "stopped", "killed", "none"]

_POLL_SECONDS = 0.5


@dataclass(frozen=True, kw_only=True)
class ServiceReport:
    """What one service looks like after ``up``, ``down`` or ``status``."""

    name: str
    state: State
    address: str
    log: Path
    pid: int | None = None
    action: Action = "none"
    seconds: float | None = None  # until it answered (up) or stopped (down)
    created: tuple[str, ...] = ()
    rss: int | None = None
    note: str = ""


def ensure_running(service: Service, *, timeout: float | None = None) -> ServiceReport:
    """Reuse the running service if it is ours and answers, else start it; then provision it."""
    paths = service.paths
    limit = timeout or service.start_timeout
    record = read_pidfile(paths.pidfile)
    existing = classify_existing(record, process_facts(record.pid) if record else None)
    if existing == "ours" and record is not None:
        seconds = _wait_ready(service, pid=record.pid, child=None, timeout=limit)
        return _report(service, record.pid, "reused", seconds, service.provision())
    note = ""
    if existing == "stale" and record is not None:
        remove_pidfile(paths.pidfile)
        note = f"removed a stale pidfile (pid {record.pid} was gone)"
    for role, endpoint in service.ports().items():
        check_port_free(endpoint, service=service.name, role=role)
    try:
        spec = service.prepare()
        child = spawn_detached(spec.argv, cwd=paths.root, output=paths.console_file)
    except OSError as exc:
        raise StackError(
            f"{service.name}: could not prepare or launch it: {exc}. Check that {paths.root} "
            "is a writable folder (or remove it to start afresh)."
        ) from exc
    facts = process_facts(child.pid)
    write_pidfile(
        paths.pidfile,
        PidRecord(
            service=service.name,
            pid=child.pid,
            marker=spec.marker,
            create_time=facts.create_time if facts else time.time(),
        ),
    )
    try:
        seconds = _wait_ready(service, pid=child.pid, child=child, timeout=limit)
    except ServiceNotReadyError:
        terminate(child.pid, timeout=service.stop_timeout, child=child)
        remove_pidfile(paths.pidfile)
        raise
    except ServiceExitedError:
        remove_pidfile(paths.pidfile)
        raise
    return _report(service, child.pid, "started", seconds, service.provision(), note)


def stop(service: Service) -> ServiceReport:
    """Stop the service's process, if ``up`` started it, by its pid: SIGTERM, wait, SIGKILL."""
    record = read_pidfile(service.paths.pidfile)
    existing = classify_existing(record, process_facts(record.pid) if record else None)
    action: Action = "none"
    note, seconds = "", None
    if existing == "ours" and record is not None:
        start = time.monotonic()
        killed = terminate(record.pid, timeout=service.stop_timeout)
        seconds = time.monotonic() - start
        action = "killed" if killed else "stopped"
        note = f"did not stop within {service.stop_timeout:.0f} s of SIGTERM" if killed else ""
    elif existing == "stale" and record is not None:
        note = f"was not running (removed a stale pidfile for pid {record.pid})"
    remove_pidfile(service.paths.pidfile)
    return ServiceReport(
        name=service.name,
        state="stopped",
        address=str(service.endpoint),
        log=service.paths.log_file,
        pid=record.pid if record else None,
        action=action,
        seconds=seconds,
        note=note,
    )


def inspect(service: Service) -> ServiceReport:
    """The service's state without changing anything (a TCP connect, no client round trip)."""
    record = read_pidfile(service.paths.pidfile)
    existing = classify_existing(record, process_facts(record.pid) if record else None)
    address, log = str(service.endpoint), service.paths.log_file
    if existing != "ours" or record is None:
        note = "stale pidfile: its process is gone" if existing == "stale" else ""
        return ServiceReport(
            name=service.name, state="stopped", address=address, log=log, note=note
        )
    state: State = "running" if accepts_connections(service.endpoint) else "not answering"
    return ServiceReport(
        name=service.name,
        state=state,
        address=address,
        log=log,
        pid=record.pid,
        rss=rss_bytes(record.pid),
    )


def _report(
    service: Service, pid: int, action: Action, seconds: float, created: list[str], note: str = ""
) -> ServiceReport:
    return ServiceReport(
        name=service.name,
        state="running",
        address=str(service.endpoint),
        log=service.paths.log_file,
        pid=pid,
        action=action,
        seconds=seconds,
        created=tuple(created),
        rss=rss_bytes(pid),
        note=note,
    )


def _wait_ready(
    service: Service, *, pid: int, child: subprocess.Popen[bytes] | None, timeout: float
) -> float:
    """Seconds until the service answered; raise when it exits or the timeout passes."""
    start = time.monotonic()
    last_error = "its port never accepted a connection"
    while True:
        exited = child.poll() is not None if child is not None else not is_running(pid)
        answered = False
        if not exited and accepts_connections(service.endpoint):
            try:
                service.probe()
                answered = True
            except Exception as exc:  # any client error means "not answering yet"; kept below
                last_error = f"{type(exc).__name__}: {exc}"
        elapsed = time.monotonic() - start
        step = next_step(answered=answered, exited=exited, elapsed=elapsed, timeout=timeout)
        if step == "ready":
            return elapsed
        if step == "exited":
            code = child.returncode if child is not None else "unknown"
            raise ServiceExitedError(
                _failure(
                    service,
                    f"the process (pid {pid}) exited with code {code} while starting",
                    "Fix the cause shown above, then run `clarion stack up` again.",
                )
            )
        if step == "timeout":
            if child is None:
                raise ServiceNotReadyError(
                    _failure(
                        service,
                        f"running (pid {pid}) but not answering after {timeout:.0f} s "
                        f"(last check: {last_error})",
                        "Run `clarion stack down`, then `clarion stack up` to restart it.",
                    )
                )
            raise ServiceNotReadyError(
                _failure(
                    service,
                    f"not ready after {timeout:.0f} s (last check: {last_error}); stopped it",
                    "Look for the cause in the log above; on a slow machine give it longer with "
                    "`clarion stack up --timeout SECONDS`.",
                )
            )
        time.sleep(_POLL_SECONDS)


def _failure(service: Service, what: str, advice: str) -> str:
    logs = [(str(p), tail(_read(p))) for p in (service.paths.log_file, service.paths.console_file)]
    return failure_message(service=service.name, what=what, logs=logs, advice=advice)


def _read(path: Path, limit: int = 64 * 1024) -> str:
    """The end of a log file (its last ``limit`` bytes), or "" if there is none yet."""
    try:
        with path.open("rb") as f:
            f.seek(max(0, f.seek(0, 2) - limit))
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""
