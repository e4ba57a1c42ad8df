"""The real-time part of a user's view, behind a small reader class.

The speed layer writes it. Until its Redis layout is settled, the Redis reader here
is **PROVISIONAL**: one hash ``<prefix>:rt:{<user_id>}:features`` per user with
``<feature>`` -> value text (:mod:`serving.stores.codec`) and ``<feature>__ts`` ->
epoch milliseconds of the value's last update. Only streaming features declared
in ``feature_store`` are read; other fields are ignored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis

from feature_store import USER_FEATURES, FeatureRegistry
from serving.stores import BatchViewKeys, StoreError, decode_value, encode_value
from serving.stores.codec import Value

__all__ = [
    "InMemoryRealtimeView",
    "RealtimeSnapshot",
    "RealtimeViewReader",
    "RedisRealtimeViewReader",
]

TS_SUFFIX = "__ts"


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


class RedisRealtimeViewReader(RealtimeViewReader):
    """PROVISIONAL Redis layout (see the module doc); one HGETALL per read."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        key_prefix: str = "clarion",
        features: FeatureRegistry = USER_FEATURES,
    ) -> None:
        self._client = client
        self._keys = BatchViewKeys(key_prefix)
        self._features = {f.name: f for f in features.by_source("streaming")}

    def read(self, user_id: str) -> RealtimeSnapshot:
        raw: Mapping[Any, Any] = self._client.hgetall(self._keys.realtime_features(user_id))
        fields = {_text(k): _text(v) for k, v in raw.items()}
        values: dict[str, Value] = {}
        updated: dict[str, datetime] = {}
        for name, feature in self._features.items():
            if name in fields:
                values[name] = decode_value(feature.dtype, fields[name])
            stamp = fields.get(name + TS_SUFFIX)
            if stamp is not None:
                try:
                    updated[name] = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
                except ValueError as exc:
                    raise StoreError(f"{name}{TS_SUFFIX} of {user_id!r} is {stamp!r}") from exc
        return RealtimeSnapshot(values=values, updated_at=updated)

    def write(self, user_id: str, values: Mapping[str, Value], *, at: datetime) -> None:
        """Write in the provisional layout (tests and demos; the speed layer owns it)."""
        mapping: dict[Any, Any] = {}
        for name, value in values.items():
            text = encode_value(self._features[name].dtype, value)
            if text is not None:
                mapping[name] = text
                mapping[name + TS_SUFFIX] = str(round(at.timestamp() * 1000))
        if mapping:
            self._client.hset(self._keys.realtime_features(user_id), mapping=mapping)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
