"""Durations as marketers write them in campaign files: ``30m``, ``24h``, ``7d``, ``2w``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

__all__ = ["Duration", "format_duration", "parse_duration"]

_PATTERN = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: object) -> timedelta:
    """``"7d"`` -> 7 days. A ``timedelta`` passes through.

    >>> parse_duration("36h")
    datetime.timedelta(days=1, seconds=43200)
    """
    if isinstance(value, timedelta):
        return value
    match = _PATTERN.match(str(value)) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"expected a duration like '30m', '24h', '7d' or '2w', got {value!r}")
    amount = int(match.group(1))
    if amount <= 0:
        raise ValueError(f"a duration must be positive, got {value!r}")
    return timedelta(**{_UNITS[match.group(2)]: amount})


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling: ``timedelta(days=14)`` -> ``"2w"``."""
    minutes = int(value.total_seconds() // 60)
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


Duration = Annotated[
    timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)
]
