"""The deferred queue: intents that must be decided again at a later time, in Redis.

A deferral (quiet hours, ``send_after``, rate limit, in flight) puts the intent's
wire bytes in the queue with its due time. Every dispatcher claims due entries
each loop and decides them again, exactly like fresh ones.

Layout: ``S`` shards (cluster-safe: both keys of a shard share one hash tag)::

    <prefix>:dispatch:deferred:{q<n>}:due    sorted set  member -> due time (epoch ms)
    <prefix>:dispatch:deferred:{q<n>}:body   hash        member -> intent wire bytes

member = ``<user id> US <idempotency key>``: one entry per notification, so a replayed
deferral overwrites its own entry instead of adding a second one. Claiming moves a
due entry's score to ``now + visibility`` (a lease) and returns it; finishing it
(``ack``) removes it only if its score is still that lease, so a re-deferral made
meanwhile is never lost. A dispatcher that dies holding a claim loses it when the
visibility ends; the entry is then due again.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import redis

__all__ = ["Claimed", "DeferredQueue", "deferred_member"]

SHARDS: Final = 16

_CLAIM: Final = """
local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, member in ipairs(members) do
  redis.call('ZADD', KEYS[1], 'XX', ARGV[3], member)
  local body = redis.call('HGET', KEYS[2], member)
  out[#out + 1] = member
  out[#out + 1] = body or ''
end
return out
"""

_ACK: Final = """
for i = 1, #ARGV, 2 do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == tonumber(ARGV[i + 1]) then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return 1
"""


def deferred_member(user_id: str, idempotency_key: str) -> str:
    return f"{user_id}\x1f{idempotency_key}"


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed entry: ack it with ``lease_ms`` once its new decision's effects are durable."""

    member: str
    raw: bytes
    shard: int
    lease_ms: int


class DeferredQueue:
    """The queue over one Redis client (owned by the caller)."""

    def __init__(self, client: redis.Redis, *, key_prefix: str, shards: int = SHARDS) -> None:
        self._client = client
        self._prefix = key_prefix
        self._shards = shards
        self._claim = client.register_script(_CLAIM)
        self._ack = client.register_script(_ACK)
        self._next = 0

    def _keys(self, shard: int) -> list[str]:
        base = f"{self._prefix}:dispatch:deferred:{{q{shard}}}"
        return [f"{base}:due", f"{base}:body"]

    def shard_of(self, member: str) -> int:
        return zlib.crc32(member.encode()) % self._shards

    def defer_many(self, entries: Sequence[tuple[str, bytes, datetime]]) -> None:
        """``(member, raw intent, due)`` each; replaces an entry's due time and bytes."""
        if not entries:
            return
        pipe = self._client.pipeline(transaction=False)
        for member, raw, due in entries:
            due_key, body_key = self._keys(self.shard_of(member))
            pipe.hset(body_key, member, raw)
            pipe.zadd(due_key, {member: _ms(due)})
        pipe.execute()

    def claim_due(self, *, now: datetime, limit: int, visibility: timedelta) -> list[Claimed]:
        """Up to ``limit`` due entries, leased for ``visibility``; shards taken in turn."""
        lease_ms = _ms(now + visibility)
        out: list[Claimed] = []
        due = self._shards_with_due(now)  # one round trip; usually none is due
        for _ in range(self._shards):
            if len(out) >= limit:
                break
            shard = self._next
            self._next = (self._next + 1) % self._shards
            if shard not in due:
                continue
            found: list[Any] = self._claim(
                keys=self._keys(shard), args=[_ms(now), limit - len(out), lease_ms]
            )
            for i in range(0, len(found), 2):
                member = found[i].decode() if isinstance(found[i], bytes) else str(found[i])
                raw = (
                    found[i + 1] if isinstance(found[i + 1], bytes) else str(found[i + 1]).encode()
                )
                out.append(Claimed(member, raw, shard, lease_ms))
        return out

    def _shards_with_due(self, now: datetime) -> set[int]:
        pipe = self._client.pipeline(transaction=False)
        for shard in range(self._shards):
            pipe.zcount(self._keys(shard)[0], "-inf", _ms(now))
        return {shard for shard, n in enumerate(pipe.execute()) if n}

    def ack_many(self, claimed: Sequence[Claimed]) -> None:
        """Remove finished entries whose lease is unchanged (not re-deferred meanwhile)."""
        by_shard: dict[int, list[str | int]] = {}
        for c in claimed:
            by_shard.setdefault(c.shard, []).extend([c.member, c.lease_ms])
        for shard, args in by_shard.items():
            self._ack(keys=self._keys(shard), args=args)

    def size(self) -> int:
        """Entries held, due or not (a gauge for operators)."""
        pipe = self._client.pipeline(transaction=False)
        for shard in range(self._shards):
            pipe.zcard(self._keys(shard)[0])
        return sum(int(n) for n in pipe.execute())

    def due_count(self, *, now: datetime) -> int:
        pipe = self._client.pipeline(transaction=False)
        for shard in range(self._shards):
            pipe.zcount(self._keys(shard)[0], "-inf", _ms(now))
        return sum(int(n) for n in pipe.execute())
