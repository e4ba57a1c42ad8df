"""Workloads for the concurrency tests, importable by spawned processes.

A burst of intents is cut into shares; each share is decided by a few threads
in one process. Results are ``(intent_id, user_id, idempotency_key, reason)``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import redis

from serving.dispatch import (
    DispatchPolicy,
    DispatchStores,
    Intent,
    decide,
    redis_stores,
)

from .builders import CALM, intent, recipient

Outcome = tuple[str, str, str, str]

BURST_POLICY = DispatchPolicy(
    caps=({"window": "24h", "limit": 3}, {"window": "7d", "limit": 5}),  # type: ignore[arg-type]
    quiet_hours=None,
)


def burst(*, users: int, intents: int, replay_every: int, now: datetime) -> list[Intent]:
    """``intents`` marketing intents for ``users`` users, one user's after another, so that
    all deciders fight over the same user at once. Every user's ``replay_every``-th intent
    reuses the key of that user's first one (a replay)."""
    per_user = intents // users
    made: list[Intent] = []
    for u in range(users):
        for turn in range(per_user):
            replay = turn % replay_every == replay_every - 1
            key = f"k{u}-0" if replay else f"k{u}-{turn}"
            made.append(
                intent(
                    intent_id=f"i{u}-{turn}",
                    user_id=f"u{u}",
                    idempotency_key=key,
                    created_at=now,
                )
            )
    return made


def decide_until_final(
    share: Sequence[Intent], *, stores: DispatchStores, now: datetime, threads: int
) -> list[Outcome]:
    """Decide every intent in ``share`` with ``threads`` threads; ``in_flight`` is retried."""

    def one(i: Intent) -> Outcome:
        for _ in range(5_000):
            d = decide(
                i,
                recipient(user_id=i.user_id),
                now=now,
                policy=BURST_POLICY,
                stores=stores,
                load=CALM,
            )
            if d.reason != "in_flight":
                return (i.intent_id, i.user_id, i.idempotency_key, d.reason)
            time.sleep(0.001)
        raise AssertionError(f"{i.intent_id} stayed in flight")

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, share))


def redis_burst_process(
    connection: dict[str, Any],
    prefix: str,
    share: Sequence[Intent],
    now: datetime,
    threads: int,
    start: Any,
    results: Any,
) -> None:
    """One OS process of the Redis burst: waits for the others, then decides its share."""
    client = redis.Redis(**connection, max_connections=threads + 2)
    with redis_stores(client, key_prefix=prefix) as stores:
        start.wait(timeout=60)
        results.put(decide_until_final(share, stores=stores, now=now, threads=threads))
    client.close()


def bucket_process(
    connection: dict[str, Any],
    prefix: str,
    rate: float,
    burst_size: int,
    seconds: float,
    threads: int,
    start: Any,
    results: Any,
) -> None:
    """Hammer one server-clock bucket; report (granted, denied, first start, last end)."""
    client = redis.Redis(**connection, max_connections=threads + 2)
    stores = redis_stores(client, key_prefix=prefix)
    stores.setup()
    lock = threading.Lock()
    tally = {"granted": 0, "denied": 0}
    start.wait(timeout=60)
    first = time.time()
    stop_at = first + seconds

    def hammer() -> None:
        granted = denied = 0
        while time.time() < stop_at:
            grant = stores.buckets.acquire("sms", rate=rate, burst=burst_size, now=_unused())
            if grant.granted:
                granted += 1
            else:
                denied += 1
                time.sleep(min(grant.wait.total_seconds(), 0.002))
        with lock:
            tally["granted"] += granted
            tally["denied"] += denied

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    results.put((tally["granted"], tally["denied"], first, time.time()))
    client.close()


def _unused() -> datetime:
    """The server-clock bucket ignores the caller's time; pass a real one anyway."""
    return datetime.now().astimezone()
