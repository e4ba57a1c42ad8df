"""The real-time view's contract: what the pipeline asks of a store, and what it gets back.

Every write is idempotent (a replayed event changes nothing twice) and every read is
*as of* an event: counts over ``[ts - window, ts]`` with ties at ``ts`` broken by event
id, so a replay after a crash reads what the first pass read, even though the store may
already hold the effects of later events. :class:`RealtimeStore` has two real
implementations: Redis (:mod:`speed_layer.state.redis`) and memory (tests).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from speed_layer.models.events import ValidEvent

__all__ = [
    "CART_FIELDS",
    "CountQuery",
    "DueTimer",
    "EventView",
    "EventWrite",
    "Firing",
    "LastSeenQuery",
    "RealtimeStore",
    "ScheduledTimer",
    "Timer",
    "TimerCheck",
    "TimerState",
    "ViewLayout",
    "ViewRequest",
    "cart_item_json",
]

CART_FIELDS = ("product_id", "category", "price")


def cart_item_json(properties: Mapping[str, Any]) -> str:
    """How an ``add_to_cart`` event is kept in the cart (the same text in every store)."""
    return json.dumps({f: properties.get(f) for f in CART_FIELDS}, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class CountQuery:
    """Events of these types in ``[ts - window, ts]`` (a SlidingCount or a window rule)."""

    name: str
    event_types: tuple[str, ...]
    window_ms: int


@dataclass(frozen=True, slots=True)
class LastSeenQuery:
    """Time of the latest event of these types at or before the event (a LastSeen feature)."""

    name: str
    event_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ViewRequest:
    """What the store reads and cancels for one event type; fixed per type by the plan."""

    counts: tuple[CountQuery, ...] = ()
    last_seen: tuple[LastSeenQuery, ...] = ()
    cooldowns: tuple[tuple[str, int], ...] = ()  # (rule id, cooldown ms)
    cancels: tuple[tuple[str, int], ...] = ()  # (absence rule id, within ms)
    starts_timers: bool = False  # an absence rule starts on this type


@dataclass(frozen=True)
class ViewLayout:
    """How the view is kept, derived from the feature declarations and the rules.

    Attributes:
        retention_ms: per event type, how long its window set keeps events (the longest
            window reading it plus the replay grace).
        last_seen_fields: per event type, the ``last_seen`` hash fields it advances.
        session_types: event types that count as activity in a session.
    """

    retention_ms: Mapping[str, int]
    last_seen_fields: Mapping[str, tuple[str, ...]]
    session_types: frozenset[str]
    session_gap_ms: int
    dedupe_ms: int
    firing_retention_ms: int
    timer_retention_ms: int
    last_seen_ttl_ms: int
    cart_ms: int

    @property
    def tracked_types(self) -> tuple[str, ...]:
        return tuple(sorted(self.retention_ms))


@dataclass(frozen=True, slots=True)
class Timer:
    """A pending absence check: fire ``rule_id`` at ``due_ms`` unless the awaited event came.

    ``member`` is its deterministic identity in the timer sets (ids hold no spaces).
    """

    rule_id: str
    user_id: str
    cause_event_id: str
    cause_ts_ms: int
    due_ms: int

    @property
    def member(self) -> str:
        return f"{self.rule_id} {self.cause_ts_ms} {self.cause_event_id} {self.user_id}"

    @classmethod
    def parse(cls, member: str, due_ms: int) -> Timer:
        rule_id, cause_ts, cause_id, user_id = member.split(" ", 3)
        return cls(rule_id, user_id, cause_id, int(cause_ts), int(due_ms))


@dataclass(frozen=True, slots=True)
class ScheduledTimer:
    timer: Timer
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class EventWrite:
    """One valid event to apply, with the reads its rules need and the timers it starts."""

    event: ValidEvent
    ref: str  # topic:partition:offset of the record: replays share it, re-sends do not
    partition: int
    request: ViewRequest
    timers: tuple[ScheduledTimer, ...] = ()


@dataclass(frozen=True, slots=True)
class EventView:
    """The view as of one event. ``duplicate``: another record carried this event id."""

    status: Literal["new", "replay", "duplicate"]
    counts: Mapping[str, int] = field(default_factory=dict)
    last_seen_ms: Mapping[str, int | None] = field(default_factory=dict)
    cooling: frozenset[str] = frozenset()
    cancelled: tuple[Timer, ...] = ()


@dataclass(frozen=True, slots=True)
class DueTimer:
    """A timer whose time has come; ``inflight_seq`` is set if a transaction already fired it."""

    timer: Timer
    inflight_seq: int | None


@dataclass(frozen=True, slots=True)
class TimerCheck:
    timer: Timer
    awaits: tuple[str, ...]
    supersede_types: tuple[str, ...]  # empty: a later trigger does not replace this timer


@dataclass(frozen=True, slots=True)
class TimerState:
    """What decides a due timer: awaited / superseding events in (cause, due], the cart."""

    timer: Timer
    awaited: int
    superseded: int
    payload: Mapping[str, Any]
    cart: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule fired for a user because of an event (kept for the rule's cooldown)."""

    user_id: str
    rule_id: str
    cause_event_id: str
    ts_ms: int


class RealtimeStore(ABC):
    """The real-time view. Lifecycle: ``setup`` once, the operations, ``close``."""

    def __init__(self, layout: ViewLayout) -> None:
        self.layout = layout

    def setup(self) -> None:  # noqa: B027 - optional hook
        """Prepare the connection (load scripts). Idempotent."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the connection."""

    @abstractmethod
    def apply(self, writes: Sequence[EventWrite]) -> list[EventView]:
        """Apply events in order (each sees the ones before) and read the view as of each."""

    @abstractmethod
    def record_firings(self, firings: Sequence[Firing]) -> None:
        """Remember firings (rule, cause) for cooldowns. Idempotent."""

    @abstractmethod
    def advance_watermarks(self, marks: Mapping[int, int]) -> dict[int, int]:
        """Raise each partition's event-time watermark to at least the mark; return them all."""

    @abstractmethod
    def due_timers(self, until_ms: Mapping[int, int], limit: int) -> dict[int, list[DueTimer]]:
        """Per partition, its timers due at or before its time (at most ``limit``), earliest
        first."""

    @abstractmethod
    def check_timers(
        self, partition: int, checks: Sequence[TimerCheck], seq: int
    ) -> list[TimerState]:
        """Mark the timers in flight in transaction ``seq`` and read what decides them."""

    @abstractmethod
    def complete_timers(
        self, partition: int, timers: Sequence[Timer], *, fired: Collection[Timer] = ()
    ) -> None:
        """Forget timers whose outcome is committed. The ``fired`` ones leave a tombstone, so
        a late replay of their cause cannot start them again. Idempotent."""

    @abstractmethod
    def current_cart(self, user_id: str, at_ms: int) -> list[dict[str, Any]]:
        """Items added to the cart since the user's last purchase, as of ``at_ms``."""
