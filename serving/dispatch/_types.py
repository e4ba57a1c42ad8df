"""Field types shared by the dispatcher's models: durations, local times, time zones."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

__all__ = ["Duration", "LocalTime", "TimeZoneName", "format_duration", "parse_duration"]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")


def parse_duration(value: Any) -> Any:
    """Parse ``"30s"``, ``"15m"``, ``"24h"``, ``"7d"``, ``"2w"`` or ``"250ms"``; pass the rest on.

    >>> parse_duration("36h")
    datetime.timedelta(days=1, seconds=43200)
    """
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(seconds=float(match[1]) * _UNITS[match[2]])
    return value


def format_duration(value: timedelta) -> str:
    """The shortest exact ``<n><unit>`` spelling, so a dumped policy reads like the YAML."""
    millis = round(value.total_seconds() * 1000)
    for unit in ("w", "d", "h", "m", "s"):
        size = round(_UNITS[unit] * 1000)
        if millis and millis % size == 0:
            return f"{millis // size}{unit}"
    return f"{millis}ms"


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be a positive duration such as '30s', '24h' or '7d'")
    return value


# A positive duration; YAML may say "24h", JSON round-trips it in the same form.
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    AfterValidator(_positive),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]


def _local_time(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 22:00 as the base-60 integer 1320.
        raise ValueError("write local times as quoted 'HH:MM' strings, e.g. '22:00'")
    return value


def _naive(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local time takes no offset: it is read in the user's own time zone")
    return value


LocalTime = Annotated[time, BeforeValidator(_local_time), AfterValidator(_naive)]


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {name!r}") from exc
    return name


# An IANA zone name that zoneinfo can load, e.g. "America/New_York".
TimeZoneName = Annotated[str, AfterValidator(_zone)]
