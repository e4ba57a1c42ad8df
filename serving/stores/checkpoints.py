"""Where a publish run keeps its checkpoint: a flat text mapping per version.

The publisher (:mod:`serving.publish.progress`) decides what the fields mean; a store
only keeps them. Each ``save`` replaces the named fields in one atomic write, so a
checkpoint's position and its row counts never disagree.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import redis

from serving.stores.keys import BatchViewKeys

__all__ = ["CheckpointStore", "InMemoryCheckpointStore", "RedisCheckpointStore"]


class CheckpointStore(ABC):
    @abstractmethod
    def load(self, version: str) -> dict[str, str]:
        """The saved fields of ``version`` (empty: never started)."""

    @abstractmethod
    def save(self, version: str, fields: Mapping[str, str]) -> None:
        """Set ``fields`` of ``version`` atomically (others are kept)."""


class InMemoryCheckpointStore(CheckpointStore):
    def __init__(self) -> None:
        self.saved: dict[str, dict[str, str]] = {}

    def load(self, version: str) -> dict[str, str]:
        return dict(self.saved.get(version, {}))

    def save(self, version: str, fields: Mapping[str, str]) -> None:
        self.saved.setdefault(version, {}).update(fields)


class RedisCheckpointStore(CheckpointStore):
    """The hash ``<prefix>:bv:<version>:progress``; it expires with its version's keys."""

    def __init__(self, client: redis.Redis, *, key_prefix: str) -> None:
        self._client = client
        self._keys = BatchViewKeys(key_prefix)

    def load(self, version: str) -> dict[str, str]:
        raw = self._client.hgetall(self._keys.progress(version))
        return {_text(k): _text(v) for k, v in raw.items()}

    def save(self, version: str, fields: Mapping[str, str]) -> None:
        mapping: dict[Any, Any] = dict(fields)
        self._client.hset(self._keys.progress(version), mapping=mapping)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
