"""Read the batch view the serving layer publishes: ``<prefix>:bv:current`` names the
current version, ``<prefix>:bv:<version>:{<user_id>}`` is a hash of feature -> value text.

The speed layer only reads it; publishing (and the atomic switch of the pointer) is
serving's job.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

import redis as redis_py

from speed_layer.exceptions import StateError
from speed_layer.state.keys import KeyLayout

__all__ = ["BatchView", "InMemoryBatchView", "RedisBatchView"]


class BatchView(ABC):
    """One user's batch features (name -> value as text), or ``None`` if not published."""

    @abstractmethod
    def get(self, user_id: str) -> Mapping[str, str] | None: ...

    def get_many(self, user_ids: Iterable[str]) -> dict[str, Mapping[str, str]]:
        """The users that have a batch view; one version for all of them."""
        out = {}
        for user_id in user_ids:
            view = self.get(user_id)
            if view is not None:
                out[user_id] = view
        return out


class InMemoryBatchView(BatchView):
    def __init__(self, views: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.views: dict[str, Mapping[str, str]] = dict(views or {})

    def get(self, user_id: str) -> Mapping[str, str] | None:
        return self.views.get(user_id)


class RedisBatchView(BatchView):
    """Follows the current-version pointer, then reads the user's hash."""

    def __init__(self, client: redis_py.Redis | redis_py.RedisCluster, keys: KeyLayout) -> None:
        self.client, self.keys = client, keys

    def _version(self) -> str | None:
        version = self.client.get(self.keys.batch_pointer())
        return version.decode() if isinstance(version, bytes) else version

    def get(self, user_id: str) -> Mapping[str, str] | None:
        return self.get_many([user_id]).get(user_id)

    def get_many(self, user_ids: Iterable[str]) -> dict[str, Mapping[str, str]]:
        users = list(dict.fromkeys(user_ids))
        if not users:
            return {}
        try:
            version = self._version()
            if not version:
                return {}
            pipe = self.client.pipeline(transaction=False)
            for user_id in users:
                pipe.hgetall(self.keys.batch_view(version, user_id))
            replies = pipe.execute()
        except redis_py.RedisError as exc:
            raise StateError(f"Redis (batch view): {exc}") from exc
        return {u: _text(h) for u, h in zip(users, replies, strict=True) if h}


def _text(raw: Mapping[str | bytes, str | bytes]) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in raw.items()
    }
