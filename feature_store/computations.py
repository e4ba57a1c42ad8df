"""What a feature computes, as data: each layer compiles these specs into its own engine.

The batch layer turns a spec into a Spark aggregate over ``silver.events`` up to
``as_of``; the speed layer turns the streaming ones into Redis counters and
timers. A spec never holds code or SQL, so one declaration serves both engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from clarion.events import CHANNELS, EVENT_TYPES

__all__ = [
    "CategoryShare",
    "Computation",
    "DaysSinceLast",
    "DistinctActiveDays",
    "EventCount",
    "LastSeen",
    "PreferredLocalHour",
    "PropertyMean",
    "PropertySum",
    "Ratio",
    "Reachable",
    "SlidingCount",
]


def _check_types(event_types: tuple[str, ...]) -> None:
    if not event_types:
        raise ValueError("a computation needs at least one event type")
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event types {unknown}; known: {sorted(EVENT_TYPES)}")


def _check_window(window: timedelta) -> None:
    if window <= timedelta(0):
        raise ValueError(f"window must be positive, got {window}")


class _OverEvents:
    """Checks the event types (and the window, where there is one) of a computation."""

    __slots__ = ()
    event_types: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_types(self.event_types)
        window = getattr(self, "window", None)
        if window is not None:
            _check_window(window)


@dataclass(frozen=True, slots=True)
class EventCount(_OverEvents):
    """Number of events of these types in the window ending at the point in time."""

    event_types: tuple[str, ...]
    window: timedelta


@dataclass(frozen=True, slots=True)
class PropertySum(_OverEvents):
    """Sum of a numeric property (e.g. ``amount``) over events of these types in the window."""

    event_types: tuple[str, ...]
    property: str
    window: timedelta


@dataclass(frozen=True, slots=True)
class PropertyMean(_OverEvents):
    """Mean of a numeric property over events of these types in the window (null if none)."""

    event_types: tuple[str, ...]
    property: str
    window: timedelta


@dataclass(frozen=True, slots=True)
class DaysSinceLast(_OverEvents):
    """Whole days from the last event of these types to the point in time (null if never)."""

    event_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DistinctActiveDays(_OverEvents):
    """Number of distinct UTC days with at least one event of these types in the window."""

    event_types: tuple[str, ...]
    window: timedelta


@dataclass(frozen=True, slots=True)
class CategoryShare(_OverEvents):
    """Share of events of these types per ``category`` property in the window: a map."""

    event_types: tuple[str, ...]
    window: timedelta


@dataclass(frozen=True, slots=True)
class PreferredLocalHour(_OverEvents):
    """The hour of day (0-23, in the user's own timezone) with most events in the window."""

    event_types: tuple[str, ...]
    window: timedelta


@dataclass(frozen=True, slots=True)
class Ratio:
    """``numerator / denominator`` of two other features (null when the denominator is 0).

    ``at_most`` caps the ratio: an open rate counts opens and deliveries in the same
    window, and opens of notifications delivered just before it can outnumber the
    deliveries inside it.
    """

    numerator: str
    denominator: str
    at_most: float | None = None


@dataclass(frozen=True, slots=True)
class Reachable:
    """The user has consented to and has a contact point on this channel."""

    channel: str

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise ValueError(f"unknown channel {self.channel!r}; known: {list(CHANNELS)}")


@dataclass(frozen=True, slots=True)
class SlidingCount(_OverEvents):
    """Streaming: events of these types in a sliding window ending now (Redis counters)."""

    event_types: tuple[str, ...]
    window: timedelta


@dataclass(frozen=True, slots=True)
class LastSeen(_OverEvents):
    """Streaming: the time of the user's latest event of these types."""

    event_types: tuple[str, ...]


Computation = (
    EventCount
    | PropertySum
    | PropertyMean
    | DaysSinceLast
    | DistinctActiveDays
    | CategoryShare
    | PreferredLocalHour
    | Ratio
    | Reachable
    | SlidingCount
    | LastSeen
)

BATCH_COMPUTATIONS = (
    EventCount,
    PropertySum,
    PropertyMean,
    DaysSinceLast,
    DistinctActiveDays,
    CategoryShare,
    PreferredLocalHour,
    Ratio,
    Reachable,
)
STREAMING_COMPUTATIONS = (SlidingCount, LastSeen)
