"""Durations as people write them in rule files: ``500ms``, ``90s``, ``30m``, ``1h``, ``7d``.

>>> parse_duration("30m")
datetime.timedelta(seconds=1800)
>>> parse_duration("1h30m")
datetime.timedelta(seconds=5400)
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator

__all__ = ["Duration", "parse_duration", "to_ms"]

_PART = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> timedelta:
    """A :class:`timedelta` from ``"30m"``-style text, a number of seconds or a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as '30m', got {value!r}")
    text = value.strip().replace(" ", "")
    if not text or _PART.sub("", text):
        raise ValueError(
            f"{value!r} is not a duration: use digits and units ms, s, m, h, d "
            "(e.g. '30m', '1h30m')"
        )
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in _PART.findall(text)))


def to_ms(duration: timedelta) -> int:
    return round(duration.total_seconds() * 1000)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
