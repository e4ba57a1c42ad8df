"""The real-time view: an abstract store with Redis and in-memory implementations, its
Cluster-safe key layout, and the reader of the batch view."""

from speed_layer.state.base import (
    CountQuery,
    DueTimer,
    EventView,
    EventWrite,
    Firing,
    LastSeenQuery,
    RealtimeStore,
    ScheduledTimer,
    Timer,
    TimerCheck,
    TimerState,
    ViewLayout,
    ViewRequest,
)
from speed_layer.state.batch_view import BatchView, InMemoryBatchView, RedisBatchView
from speed_layer.state.keys import KeyLayout
from speed_layer.state.memory import MemoryStore
from speed_layer.state.redis import RedisStore

__all__ = [
    "BatchView",
    "CountQuery",
    "DueTimer",
    "EventView",
    "EventWrite",
    "Firing",
    "InMemoryBatchView",
    "KeyLayout",
    "LastSeenQuery",
    "MemoryStore",
    "RealtimeStore",
    "RedisBatchView",
    "RedisStore",
    "ScheduledTimer",
    "Timer",
    "TimerCheck",
    "TimerState",
    "ViewLayout",
    "ViewRequest",
]
