"""Preference stores: an abstract class, in memory (unit tests) and Redis (production).

Redis layout (cluster-safe, one key per user with the user's hash tag)::

    <prefix>:prefs:{<user_id>}   hash, see :mod:`serving.preferences.codec`

An update is one ``MULTI`` on that one key (set and delete fields, then read the
hash back), so concurrent partial updates of different fields never lose each
other and a reader never sees half of one.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import redis

from serving.dispatch.state.base import StateStore
from serving.preferences.codec import decode_fields, encode_preferences, encode_update
from serving.preferences.exceptions import PreferenceError
from serving.preferences.model import Preferences, PreferencesUpdate

__all__ = ["InMemoryPreferenceStore", "PreferenceStore", "RedisPreferenceStore", "preference_key"]


def preference_key(prefix: str, user_id: str) -> str:
    """``<prefix>:prefs:{<user_id>}``.

    >>> preference_key("clarion", "u1")
    'clarion:prefs:{u1}'
    """
    if not user_id or "{" in user_id or "}" in user_id:
        raise PreferenceError(f"user id {user_id!r} cannot be a Redis hash tag")
    return f"{prefix}:prefs:{{{user_id}}}"


class PreferenceStore(StateStore):
    """``get`` one user's preferences (None: nothing stored), ``update`` them partially,
    ``put_many`` full records (bulk import). Lifecycle: ``setup`` / ``close`` (and ``with``)."""

    @abstractmethod
    def get(self, user_id: str) -> Preferences | None: ...

    @abstractmethod
    def get_many(self, user_ids: Sequence[str]) -> dict[str, Preferences]:
        """The users that have preferences stored (one round trip in Redis)."""

    @abstractmethod
    def update(
        self, user_id: str, change: PreferencesUpdate, *, at: datetime | None = None
    ) -> Preferences:
        """Apply a partial change (creating the record if needed); return the result."""

    @abstractmethod
    def put_many(self, records: Iterable[Preferences]) -> int:
        """Replace whole records (bulk import); return how many were written."""

    @abstractmethod
    def delete(self, user_id: str) -> None: ...


class InMemoryPreferenceStore(PreferenceStore):
    def __init__(self) -> None:
        self._records: dict[str, Preferences] = {}

    def get(self, user_id: str) -> Preferences | None:
        return self._records.get(user_id)

    def get_many(self, user_ids: Sequence[str]) -> dict[str, Preferences]:
        return {u: self._records[u] for u in user_ids if u in self._records}

    def update(
        self, user_id: str, change: PreferencesUpdate, *, at: datetime | None = None
    ) -> Preferences:
        current = self._records.get(user_id) or Preferences(user_id=user_id)
        self._records[user_id] = current.apply(change, at=at or datetime.now(UTC))
        return self._records[user_id]

    def put_many(self, records: Iterable[Preferences]) -> int:
        n = 0
        for record in records:
            self._records[record.user_id] = record
            n += 1
        return n

    def delete(self, user_id: str) -> None:
        self._records.pop(user_id, None)


class RedisPreferenceStore(PreferenceStore):
    """The client is passed in and owned by the caller (``close`` leaves it open)."""

    def __init__(self, client: redis.Redis, *, key_prefix: str = "clarion") -> None:
        self._client = client
        self._prefix = key_prefix

    def _key(self, user_id: str) -> str:
        return preference_key(self._prefix, user_id)

    def setup(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise PreferenceError(
                f"cannot reach Redis for preferences ({exc}); is the stack up?"
            ) from exc

    def get(self, user_id: str) -> Preferences | None:
        raw: dict[Any, Any] = self._client.hgetall(self._key(user_id))
        return decode_fields(user_id, raw) if raw else None

    def get_many(self, user_ids: Sequence[str]) -> dict[str, Preferences]:
        pipe = self._client.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.hgetall(self._key(user_id))
        return {
            user_id: decode_fields(user_id, raw)
            for user_id, raw in zip(user_ids, pipe.execute(), strict=True)
            if raw
        }

    def update(
        self, user_id: str, change: PreferencesUpdate, *, at: datetime | None = None
    ) -> Preferences:
        key = self._key(user_id)
        put, drop = encode_update(change, at=at or datetime.now(UTC))
        pipe = self._client.pipeline(transaction=True)
        if drop:
            pipe.hdel(key, *drop)
        pipe.hset(key, mapping=put)  # type: ignore[arg-type]
        pipe.hgetall(key)
        raw: dict[Any, Any] = pipe.execute()[-1]
        return decode_fields(user_id, raw)

    def put_many(self, records: Iterable[Preferences]) -> int:
        n = 0
        pipe = self._client.pipeline(transaction=False)
        for record in records:
            key = self._key(record.user_id)
            pipe.delete(key)
            pipe.hset(key, mapping=encode_preferences(record))  # type: ignore[arg-type]
            n += 1
            if n % 1000 == 0:
                pipe.execute()
        pipe.execute()
        return n

    def delete(self, user_id: str) -> None:
        self._client.delete(self._key(user_id))
