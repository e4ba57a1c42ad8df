"""Pure decisions about a service's state: is a recorded process ours, and is a start finished.

The process I/O (psutil, probes, sleeping) lives in ``_lifecycle``; these functions take what it
observed and return what to do, so they are tested without any service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from clarion.stack._pidfile import PidRecord

__all__ = [
    "Existing",
    "ProcessFacts",
    "Step",
    "classify_existing",
    "failure_message",
    "next_step",
    "tail",
]

# Tolerance on the recorded start time: psutil derives it from clock ticks since boot.
_CREATE_TIME_SLACK = 1.0

Existing = Literal["none", "stale", "ours"]
Step = Literal["ready", "exited", "timeout", "wait"]


@dataclass(frozen=True, kw_only=True)
class ProcessFacts:
    """What the system says about the process holding a pid right now."""

    pid: int
    create_time: float
    cmdline: tuple[str, ...]
    zombie: bool = False


def classify_existing(record: PidRecord | None, facts: ProcessFacts | None) -> Existing:
    """``none`` without a pidfile; ``ours`` when the pid is alive, started when we recorded and
    carries our marker; otherwise ``stale`` (it died, or the pid now belongs to someone else).

    >>> rec = PidRecord(service="redis", pid=7, create_time=100.0, marker="/s/redis.conf")
    >>> classify_existing(rec, ProcessFacts(pid=7, create_time=100.2,
    ...                                     cmdline=("redis-server", "/s/redis.conf")))
    'ours'
    >>> classify_existing(rec, None)
    'stale'
    """
    if record is None:
        return "none"
    if facts is None or facts.zombie or facts.pid != record.pid:
        return "stale"
    if abs(facts.create_time - record.create_time) > _CREATE_TIME_SLACK:
        return "stale"
    if not any(record.marker in arg for arg in facts.cmdline):
        return "stale"
    return "ours"


def next_step(*, answered: bool, exited: bool, elapsed: float, timeout: float) -> Step:
    """One tick of waiting for a service: an answer wins, then an exit, then the deadline.

    >>> next_step(answered=False, exited=False, elapsed=3.0, timeout=60.0)
    'wait'
    >>> next_step(answered=False, exited=True, elapsed=3.0, timeout=60.0)
    'exited'
    """
    if answered:
        return "ready"
    if exited:
        return "exited"
    if elapsed >= timeout:
        return "timeout"
    return "wait"


def tail(text: str, lines: int = 20) -> str:
    """The last ``lines`` non-empty-trailing lines of a log.

    >>> tail("a\\nb\\nc\\n", 2)
    'b\\nc'
    """
    return "\n".join(text.rstrip("\n").splitlines()[-lines:]) if text.strip() else ""


def failure_message(
    *,
    service: str,
    what: str,
    logs: list[tuple[str, str]],
    advice: str,
) -> str:
    """An error a user can act on: what happened, the end of each non-empty log, what to do.

    Args:
        what: e.g. ``"the process (pid 42) exited with code 1 while starting"``.
        logs: ``(path, tail)`` pairs; empty tails are left out.

    >>> print(failure_message(service="redis", what="exited while starting",
    ...       logs=[("/s/redis.log", "Bad directive"), ("/s/redis.out", "")], advice="Fix it."))
    redis: exited while starting.
    Last lines of /s/redis.log:
      Bad directive
    Fix it.
    """
    parts = [f"{service}: {what}."]
    shown = False
    for path, text in logs:
        if text:
            body = "\n".join("  " + line for line in text.splitlines())
            parts.append(f"Last lines of {path}:\n{body}")
            shown = True
    if not shown:
        parts.append("Its logs are empty: " + ", ".join(path for path, _ in logs))
    parts.append(advice)
    return "\n".join(parts)
