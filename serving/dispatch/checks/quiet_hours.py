"""Quiet hours in the user's own time zone, DST-correct.

A window is local wall-clock time ``[start, end)`` and may cross midnight. The
next allowed instant after a quiet one is the earliest of:

* the moment the local clock reads ``end`` (either occurrence on a fall-back
  night; skipped when ``end`` falls in a spring-forward gap), and
* a UTC-offset transition that makes the local clock jump out of the window
  (spring forward over ``end``, or fall back to before ``start``),

whichever is strictly later than now and really is outside the window. Both
kinds are searched over three local days, which also covers zones that skipped
a whole calendar day.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from serving.dispatch.exceptions import DispatchError
from serving.dispatch.policy import QuietHours

__all__ = ["next_allowed", "offset_transitions", "within_quiet_hours"]

_HORIZON_DAYS = 3
_STEP = timedelta(hours=1)
_TICK = timedelta(microseconds=1)


def within_quiet_hours(at: datetime, *, zone: ZoneInfo, window: QuietHours) -> bool:
    """Whether the instant ``at`` falls inside the window in ``zone``'s local time."""
    return window.contains(at.astimezone(zone).time())


def next_allowed(at: datetime, *, zone: ZoneInfo, window: QuietHours) -> datetime:
    """``at`` itself when allowed; otherwise the earliest later instant outside the window (UTC).

    >>> ny = ZoneInfo("America/New_York")
    >>> night = datetime(2026, 3, 7, 23, 0, tzinfo=ny)  # the night clocks spring forward
    >>> next_allowed(night, zone=ny, window=QuietHours(start="22:00", end="08:00")).isoformat()
    '2026-03-08T12:00:00+00:00'
    """
    if not within_quiet_hours(at, zone=zone, window=window):
        return at.astimezone(UTC)

    def usable(moments: list[datetime]) -> list[datetime]:
        return [
            m for m in moments if m > at and not within_quiet_hours(m, zone=zone, window=window)
        ]

    allowed = usable(_end_crossings(at, zone=zone, window=window))
    # An offset change can only matter if it comes before the clock reaches `end`.
    horizon = min(allowed) - at if allowed else timedelta(days=_HORIZON_DAYS)
    allowed += usable(offset_transitions(at, zone=zone, within=horizon))
    if not allowed:
        raise DispatchError(
            f"no allowed local time within {_HORIZON_DAYS} days of {at.isoformat()} in {zone.key} "
            f"for quiet hours {window.start}-{window.end}; check the window and the zone"
        )
    return min(allowed)


def _end_crossings(at: datetime, *, zone: ZoneInfo, window: QuietHours) -> list[datetime]:
    """Every instant the local clock reads ``window.end``, on the next few local dates."""
    first_day = at.astimezone(zone).date()
    moments = []
    for days in range(_HORIZON_DAYS):
        day = first_day + timedelta(days=days)
        for fold in (0, 1):
            wall = datetime.combine(day, window.end, tzinfo=zone).replace(fold=fold)
            moment = wall.astimezone(UTC)
            # A wall time in a spring-forward gap never shows on the clock: skip it.
            if moment.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
                moments.append(moment)
    return moments


def offset_transitions(
    at: datetime, *, zone: ZoneInfo, within: timedelta = timedelta(days=_HORIZON_DAYS)
) -> list[datetime]:
    """The first instant of each new UTC offset in ``zone`` during ``(at, at + within]`` (UTC).

    Offsets are sampled hourly and each change is bisected to the microsecond;
    real zones never change offset twice within an hour.
    """
    moments = []
    lo = at.astimezone(UTC)
    lo_offset = lo.astimezone(zone).utcoffset()
    for _ in range(math.ceil(within / _STEP)):
        hi = lo + _STEP
        hi_offset = hi.astimezone(zone).utcoffset()
        if hi_offset != lo_offset:
            moments.append(_first_with_offset_of(hi, after=lo, zone=zone))
        lo, lo_offset = hi, hi_offset
    return moments


def _first_with_offset_of(hi: datetime, *, after: datetime, zone: ZoneInfo) -> datetime:
    """Bisect ``(after, hi]`` for the first instant that already has ``hi``'s offset."""
    target = hi.astimezone(zone).utcoffset()
    lo = after
    while hi - lo > _TICK:
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return hi
