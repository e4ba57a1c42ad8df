"""Pidfiles of the local services: which process ``clarion stack up`` started, and how to know it.

A pid alone can be reused by the system after the service dies, so a pidfile also records the
process's start time and a ``marker`` (a path from its command line, unique to this state dir).

>>> rec = PidRecord(service="redis", pid=42, create_time=1700000000.25, marker="/s/redis.conf")
>>> parse_pidfile(format_pidfile(rec)) == rec
True
>>> parse_pidfile("not json") is None
True
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = [
    "PidRecord",
    "format_pidfile",
    "parse_pidfile",
    "read_pidfile",
    "remove_pidfile",
    "write_pidfile",
]


@dataclass(frozen=True, kw_only=True)
class PidRecord:
    service: str
    pid: int
    create_time: float
    marker: str


def format_pidfile(record: PidRecord) -> str:
    return json.dumps(asdict(record), sort_keys=True) + "\n"


def parse_pidfile(text: str) -> PidRecord | None:
    """The record in ``text``, or None when it is not a pidfile this module wrote."""
    try:
        data = json.loads(text)
        record = PidRecord(
            service=str(data["service"]),
            pid=int(data["pid"]),
            create_time=float(data["create_time"]),
            marker=str(data["marker"]),
        )
    except (ValueError, TypeError, KeyError):
        return None
    return record if record.pid > 0 else None


def read_pidfile(path: Path) -> PidRecord | None:
    try:
        return parse_pidfile(path.read_text())
    except FileNotFoundError:
        return None


def write_pidfile(path: Path, record: PidRecord) -> None:
    """Write atomically, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(format_pidfile(record))
    os.replace(tmp, path)


def remove_pidfile(path: Path) -> None:
    path.unlink(missing_ok=True)
