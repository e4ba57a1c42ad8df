"""Process I/O for the local services: start detached, observe, stop by pid. Nothing clever."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from clarion.stack._readiness import ProcessFacts

__all__ = ["is_running", "process_facts", "rss_bytes", "spawn_detached", "terminate"]


def spawn_detached(argv: Sequence[str], *, cwd: Path, output: Path) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session, so it outlives the CLI and ignores the terminal's ^C.

    Its stdout and stderr are appended to ``output`` (JVM crashes and early errors land there).
    """
    cwd.mkdir(parents=True, exist_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("ab") as out:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def process_facts(pid: int) -> ProcessFacts | None:
    """What the system knows about ``pid``, or None when no such process exists."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            return ProcessFacts(
                pid=pid,
                create_time=proc.create_time(),
                cmdline=tuple(proc.cmdline()),
                zombie=proc.status() == psutil.STATUS_ZOMBIE,
            )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def is_running(pid: int) -> bool:
    facts = process_facts(pid)
    return facts is not None and not facts.zombie


def rss_bytes(pid: int) -> int | None:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def terminate(pid: int, *, timeout: float, child: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM ``pid``, wait up to ``timeout`` seconds, then SIGKILL. True if it had to be killed.

    ``child`` is the Popen when this process started it, so it is reaped (no zombie left).
    """
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    if _wait_gone(pid, timeout, child):
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    _wait_gone(pid, 10.0, child)
    return True


def _wait_gone(pid: int, timeout: float, child: subprocess.Popen[bytes] | None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and child.poll() is not None:
            return True
        if not is_running(pid):
            return True
        time.sleep(0.2)
    return False
