"""In-memory stores: real implementations for unit tests and single-process tools.

Thread-safe (one lock per store) and driven entirely by the caller's ``now``,
so tests control time exactly. They mirror the Redis scripts' semantics.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from serving.dispatch.checks.caps import (
    CapVerdict,
    count_in_windows,
    longest_window,
    under_every_cap,
)
from serving.dispatch.exceptions import StateStoreError
from serving.dispatch.policy import FrequencyCap
from serving.dispatch.priority import CapMode
from serving.dispatch.state.base import (
    BucketGrant,
    CapLedger,
    Claim,
    ClaimStatus,
    DispatchStores,
    IdempotencyStore,
    TokenBucket,
)

__all__ = [
    "MemoryCapLedger",
    "MemoryIdempotencyStore",
    "MemoryTokenBucket",
    "memory_stores",
]


@dataclass(slots=True)
class _Mark:
    sent: bool
    owner: str
    expires_at: datetime


class MemoryIdempotencyStore(IdempotencyStore):
    def __init__(self) -> None:
        self._marks: dict[tuple[str, str], _Mark] = {}
        self._lock = threading.Lock()

    def _live(self, slot: tuple[str, str], now: datetime) -> _Mark | None:
        mark = self._marks.get(slot)
        if mark is not None and mark.expires_at <= now:
            del self._marks[slot]
            return None
        return mark

    def claim(
        self, *, user_id: str, key: str, owner: str, lease: timedelta, now: datetime
    ) -> Claim:
        with self._lock:
            mark = self._live((user_id, key), now)
            if mark is None:
                self._marks[(user_id, key)] = _Mark(sent=False, owner=owner, expires_at=now + lease)
                return Claim("claimed", lease, holder=owner)
            remaining = mark.expires_at - now
            if mark.sent:
                return Claim("sent", remaining, holder=mark.owner)
            status: ClaimStatus = "claimed" if mark.owner == owner else "in_flight"
            return Claim(status, remaining, holder=mark.owner)

    def confirm(
        self, *, user_id: str, key: str, owner: str, retain: timedelta, now: datetime
    ) -> bool:
        with self._lock:
            mark = self._live((user_id, key), now)
            if mark is not None and mark.owner != owner:
                return False
            self._marks[(user_id, key)] = _Mark(sent=True, owner=owner, expires_at=now + retain)
            return True

    def release(self, *, user_id: str, key: str, owner: str, now: datetime) -> None:
        with self._lock:
            mark = self._live((user_id, key), now)
            if mark is not None and not mark.sent and mark.owner == owner:
                del self._marks[(user_id, key)]


class MemoryCapLedger(CapLedger):
    def __init__(self) -> None:
        self._entries: dict[str, dict[str, datetime]] = {}  # user, or user + campaign
        self._lock = threading.Lock()

    def _ledger(self, name: str, *, at: datetime, retention: timedelta) -> dict[str, datetime]:
        entries = self._entries.setdefault(name, {})
        for old in [e for e, stamp in entries.items() if stamp <= at - retention]:
            del entries[old]
        return entries

    def check_and_record(
        self,
        *,
        user_id: str,
        entry_id: str,
        at: datetime,
        caps: Sequence[FrequencyCap],
        mode: CapMode,
        retention: timedelta,
        campaign_id: str | None = None,
        campaign_caps: Sequence[FrequencyCap] = (),
    ) -> CapVerdict:
        if mode == "exempt":
            raise StateStoreError("exempt sends are not recorded; do not call the ledger")
        with self._lock:
            entries = self._ledger(user_id, at=at, retention=retention)
            counts = count_in_windows(entries.values(), at=at, caps=caps)
            scoped: dict[str, datetime] = {}
            campaign_counts: tuple[int, ...] = ()
            longest = longest_window(campaign_caps)
            if campaign_id is not None and longest is not None:
                scoped = self._ledger(f"{user_id}\0{campaign_id}", at=at, retention=longest)
                campaign_counts = count_in_windows(scoped.values(), at=at, caps=campaign_caps)
            else:
                campaign_caps = ()
            verdict = partial(
                CapVerdict,
                tuple(caps),
                counts,
                campaign_id=campaign_id if campaign_caps else None,
                campaign_caps=tuple(campaign_caps),
                campaign_counts=campaign_counts,
            )
            if entry_id in entries:
                return verdict(allowed=True, recorded=False)
            allowed = mode == "count" or (
                under_every_cap(counts, caps) and under_every_cap(campaign_counts, campaign_caps)
            )
            if allowed:
                entries[entry_id] = at
                if campaign_caps:
                    scoped[entry_id] = at
            return verdict(allowed=allowed, recorded=allowed)

    def counts(
        self, *, user_id: str, at: datetime, caps: Sequence[FrequencyCap]
    ) -> tuple[int, ...]:
        with self._lock:
            return count_in_windows(self._entries.get(user_id, {}).values(), at=at, caps=caps)


class MemoryTokenBucket(TokenBucket):
    def __init__(self) -> None:
        self._state: dict[str, tuple[float, datetime]] = {}
        self._lock = threading.Lock()

    def _refill(self, name: str, *, rate: float, burst: int, now: datetime) -> float:
        tokens, stamp = self._state.get(name, (float(burst), now))
        if now > stamp:
            tokens = min(float(burst), tokens + (now - stamp).total_seconds() * rate)
            stamp = now
        self._state[name] = (tokens, stamp)
        return tokens

    def acquire(self, name: str, *, rate: float, burst: int, now: datetime) -> BucketGrant:
        with self._lock:
            tokens = self._refill(name, rate=rate, burst=burst, now=now)
            stamp = self._state[name][1]
            if tokens >= 1:
                self._state[name] = (tokens - 1, stamp)
                return BucketGrant(granted=True, wait=timedelta(0), tokens_left=tokens - 1)
            wait = max(timedelta(seconds=(1 - tokens) / rate), timedelta(microseconds=1))
            return BucketGrant(granted=False, wait=wait, tokens_left=tokens)

    def refund(self, name: str, *, rate: float, burst: int, now: datetime) -> None:
        with self._lock:
            tokens = self._refill(name, rate=rate, burst=burst, now=now)
            self._state[name] = (min(float(burst), tokens + 1), self._state[name][1])


def memory_stores() -> DispatchStores:
    """A fresh set of in-memory stores."""
    return DispatchStores(
        idempotency=MemoryIdempotencyStore(),
        caps=MemoryCapLedger(),
        buckets=MemoryTokenBucket(),
    )
