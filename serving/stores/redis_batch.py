"""The Redis batch view: versioned per-user hashes and one pointer readers follow.

Layout (a contract, see :mod:`serving.stores.keys`)::

    <prefix>:bv:current                 string, the current version id
    <prefix>:bv:<version>:{<user_id>}   hash, field -> text (features, score,
                                        model_version, segments, as_of)
    <prefix>:bv:<version>:progress      hash, the publish checkpoint

Writes are pipelined, one pipeline per chunk (non-transactional: a chunk may be
half applied after a crash, and is rewritten whole on resume; HSET of the same
values is idempotent). :meth:`RedisBatchViewStore.activate` is one ``SET`` of the
pointer; the previous version's keys then get ``EXPIRE NX <grace_ttl>``, so a
reader that fetched the old pointer a moment ago still finds its whole version.

Reading (``read_mode``): ``"atomic"`` is one Lua call that reads the pointer and
the hash it names (single-node Redis only: the script touches a key it does not
declare). ``"pointer"`` (the default, Redis Cluster-safe) reads the pointer, then
the hash; consistent to the version it names because a replaced version lives
on for ``grace_ttl`` (days), far above any read latency.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, Literal

import redis
from pydantic import BaseModel, ConfigDict, Field

from serving.stores.base import SEGMENTS, BatchRecord, BatchViewStore, ViewChunk
from serving.stores.codec import encode_json_list
from serving.stores.exceptions import StoreError
from serving.stores.keys import BatchViewKeys

__all__ = ["RedisBatchViewConfig", "RedisBatchViewStore"]

_READ_CURRENT = """
local version = redis.call('GET', KEYS[1])
if not version then return false end
return {version, redis.call('HGETALL', ARGV[1] .. ':bv:' .. version .. ':{' .. ARGV[2] .. '}')}
"""


class RedisBatchViewConfig(BaseModel):
    """Typed config of the Redis batch view (``type`` selects the adapter)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["redis"] = "redis"
    key_prefix: str = "clarion"
    grace_ttl: timedelta = Field(default=timedelta(days=2), gt=timedelta(0))
    read_mode: Literal["atomic", "pointer"] = "pointer"
    scan_count: int = Field(default=10_000, ge=10)
    keys_per_pipeline: int = Field(default=5_000, ge=1)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisBatchViewStore(BatchViewStore):
    """The batch view in Redis (standalone or Cluster). The client is the caller's to close."""

    name = "redis"

    def __init__(self, client: redis.Redis, *, config: RedisBatchViewConfig) -> None:
        self._client = client
        self._config = config
        self._keys = BatchViewKeys(config.key_prefix)
        self._read_script: Any = None

    @property
    def keys(self) -> BatchViewKeys:
        return self._keys

    def update(self) -> None:
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise StoreError(
                f"cannot reach Redis for the batch view ({exc}); is the stack up "
                "(`clarion stack up`) and CLARION_REDIS__URL right?"
            ) from exc
        if self._config.read_mode == "atomic":
            if isinstance(self._client, redis.RedisCluster):
                raise StoreError(
                    "batch view read_mode 'atomic' needs single-node Redis (its script reads "
                    "a key it cannot declare); on Redis Cluster use read_mode 'pointer'"
                )
            self._read_script = self._client.register_script(_READ_CURRENT)

    def online_write_batch(self, *, version: str, chunk: ViewChunk) -> None:
        pipe = self._client.pipeline(transaction=False)
        # A features chunk starts each user's segments at "[]": the segments pass only runs
        # once the features pass is complete (the checkpoint is sequential), even on resume.
        empty: dict[Any, Any] = {SEGMENTS: "[]"} if chunk.kind == "features" else {}
        for user_id, fields in chunk.fields.items():
            mapping: dict[Any, Any] = {**empty, **fields}
            if mapping:
                pipe.hset(self._keys.user(version, user_id), mapping=mapping)
        if chunk.segments:
            self._merge_segments(pipe, version=version, chunk=chunk)
        pipe.execute()

    def _merge_segments(self, pipe: Any, *, version: str, chunk: ViewChunk) -> None:
        """Union with what earlier chunks wrote (one read pipeline): order-free, idempotent.

        One publisher per version is assumed (a second concurrent one could lose a union).
        """
        users = list(chunk.segments)
        keys = [self._keys.user(version, user_id) for user_id in users]
        reader = self._client.pipeline(transaction=False)
        for key in keys:
            reader.hget(key, SEGMENTS)
        for key, user_id, held in zip(keys, users, reader.execute(), strict=True):
            merged = set(json.loads(held)) if held else set()
            merged.update(chunk.segments[user_id])
            pipe.hset(key, SEGMENTS, encode_json_list(merged))

    def count_users(self, *, version: str) -> int | None:
        return sum(1 for _ in self._scan(self._keys.user_pattern(version)))

    def current_version(self) -> str | None:
        value = self._client.get(self._keys.current())
        return None if value is None else _text(value)

    def activate(self, *, version: str, previous: str | None) -> None:
        self._client.set(self._keys.current(), version)
        if previous and previous != version:
            self.expire_version(previous)

    def expire_version(self, version: str) -> int:
        """Give every key of ``version`` the grace TTL (``NX``: a rerun never extends it)."""
        ttl = self._config.grace_ttl
        return self._each_batch(
            self._keys.version_pattern(version), lambda p, k: p.expire(k, ttl, nx=True)
        )

    def online_read(self, user_id: str) -> BatchRecord | None:
        if self._read_script is not None:
            found = self._read_script(
                keys=[self._keys.current()], args=[self._keys.prefix, user_id]
            )
            if not found:
                return None
            version, flat = _text(found[0]), found[1]
            fields = {_text(flat[i]): _text(flat[i + 1]) for i in range(0, len(flat), 2)}
            return BatchRecord(version=version, fields=fields)
        version_or_none = self.current_version()
        if version_or_none is None:
            return None
        raw = self._client.hgetall(self._keys.user(version_or_none, user_id))
        return BatchRecord(
            version=version_or_none, fields={_text(k): _text(v) for k, v in raw.items()}
        )

    def teardown(self) -> None:
        self._each_batch(f"{self._keys.prefix}:bv:*", lambda p, k: p.unlink(k))

    def _scan(self, pattern: str) -> Iterator[bytes]:
        return self._client.scan_iter(match=pattern, count=self._config.scan_count)

    def _each_batch(self, pattern: str, command: Any) -> int:
        done = 0
        pipe = self._client.pipeline(transaction=False)
        for key in self._scan(pattern):
            command(pipe, key)
            done += 1
            if done % self._config.keys_per_pipeline == 0:
                pipe.execute()
        pipe.execute()
        return done
