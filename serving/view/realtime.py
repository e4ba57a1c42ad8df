"""The real-time part of a user's view, behind a small reader class.

The speed layer writes it (``speed_layer/state``, keys in ``speed_layer/state/keys.py``);
:class:`RedisRealtimeViewReader` reads those very structures, for the streaming features
declared in ``feature_store``, all under the user's hash tag:

* ``<prefix>:rt:{<user_id>}:ev:<event type>``: sorted set, event id -> event time (ms).
  A ``SlidingCount`` is the number of events of its types in ``[now - window, now]``.
* ``<prefix>:rt:{<user_id>}:last_seen``: hash, ``<LastSeen feature>`` -> ms, and
  ``type:<event type>`` -> ms of the latest event of that type.

A feature's update time is the time of the latest event of its types (``type:<t>``): when
its value last changed by an event. A feature none of whose types was ever seen (or whose
record expired) has no value and no update time, so the merged view calls it stale.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis

from feature_store import USER_FEATURES, FeatureRegistry
from feature_store.computations import LastSeen, SlidingCount
from serving.stores import StoreError
from serving.stores.codec import Value

__all__ = [
    "InMemoryRealtimeView",
    "RealtimeSnapshot",
    "RealtimeViewReader",
    "RedisRealtimeViewReader",
]


@dataclass(frozen=True, slots=True)
class RealtimeSnapshot:
    """Streaming feature values and when each was last updated (UTC)."""

    values: Mapping[str, Value] = field(default_factory=dict)
    updated_at: Mapping[str, datetime] = field(default_factory=dict)


class RealtimeViewReader(ABC):
    @abstractmethod
    def read(self, user_id: str) -> RealtimeSnapshot:
        """The user's streaming features (empty if the speed layer has nothing on them)."""


class InMemoryRealtimeView(RealtimeViewReader):
    """A real implementation kept in a dict: unit tests, demos."""

    def __init__(self) -> None:
        self._users: dict[str, dict[str, tuple[Value, datetime]]] = {}

    def put(self, user_id: str, feature: str, value: Value, *, at: datetime) -> None:
        self._users.setdefault(user_id, {})[feature] = (value, at)

    def read(self, user_id: str) -> RealtimeSnapshot:
        held = self._users.get(user_id, {})
        return RealtimeSnapshot(
            values={k: v for k, (v, _) in held.items()},
            updated_at={k: at for k, (_, at) in held.items()},
        )


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RedisRealtimeViewReader(RealtimeViewReader):
    """Reads the speed layer's view of one user in one pipeline (one hash tag, so one
    Redis Cluster slot): ``HGETALL last_seen`` and one ``ZCOUNT`` per window and type."""

    def __init__(
        self,
        client: redis.Redis | redis.RedisCluster,
        *,
        key_prefix: str = "clarion",
        features: FeatureRegistry = USER_FEATURES,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._client, self._prefix, self._clock = client, key_prefix, clock
        self._counts: dict[str, SlidingCount] = {}
        self._last_seen: dict[str, LastSeen] = {}
        for feature in features.by_source("streaming"):
            spec = feature.computation
            if isinstance(spec, SlidingCount):
                self._counts[feature.name] = spec
            elif isinstance(spec, LastSeen):
                self._last_seen[feature.name] = spec

    def _key(self, user_id: str, structure: str) -> str:
        return f"{self._prefix}:rt:{{{user_id}}}:{structure}"

    def read(self, user_id: str) -> RealtimeSnapshot:
        now_ms = round(self._clock().timestamp() * 1000)
        windows = sorted(
            {(t, round(s.window.total_seconds() * 1000)) for s in self._counts.values()
             for t in s.event_types}
        )  # fmt: skip
        try:
            pipe = self._client.pipeline(transaction=False)
            pipe.hgetall(self._key(user_id, "last_seen"))
            for event_type, window_ms in windows:
                pipe.zcount(self._key(user_id, f"ev:{event_type}"), now_ms - window_ms, now_ms)
            replies = pipe.execute()
        except redis.RedisError as exc:
            raise StoreError(f"Redis (real-time view of {user_id!r}): {exc}") from exc
        seen = {_text(k): _millis(user_id, _text(k), _text(v)) for k, v in replies[0].items()}
        counted = dict(zip(windows, (int(n) for n in replies[1:]), strict=True))
        values: dict[str, Value] = {}
        updated: dict[str, datetime] = {}
        for name, spec in [*self._counts.items(), *self._last_seen.items()]:
            times = [seen[f"type:{t}"] for t in spec.event_types if f"type:{t}" in seen]
            if not times:
                continue
            updated[name] = _utc(max(times))
            if isinstance(spec, SlidingCount):
                window_ms = round(spec.window.total_seconds() * 1000)
                values[name] = sum(counted[(t, window_ms)] for t in spec.event_types)
            elif name in seen:
                values[name] = _utc(seen[name])
        return RealtimeSnapshot(values=values, updated_at=updated)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _millis(user_id: str, name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise StoreError(f"last_seen[{name}] of {user_id!r} is {text!r}, not ms") from exc


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
