"""Many deciders at once: caps are never exceeded, counts reconcile, buckets never over-grant.

The unit tier runs the burst on the in-memory stores with threads; the ``redis``
tier runs it with threads in two OS processes against the stack's Redis.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from serving.dispatch import Intent, memory_stores, redis_stores

from ._workers import (
    BURST_POLICY,
    Outcome,
    bucket_process,
    burst,
    decide_until_final,
    redis_burst_process,
)

USERS = 50
INTENTS = 2_000
CAP = 3  # BURST_POLICY: 3 per 24h (and 5 per 7d, never reached at one instant)


def assert_burst_reconciles(intents: Sequence[Intent], outcomes: Sequence[Outcome]) -> Counter[str]:
    """Every intent has one final outcome; each user got exactly CAP sends; each key went out at
    most once; every other attempt at a sent key is a duplicate and everything else is capped."""
    assert sorted(o[0] for o in outcomes) == sorted(i.intent_id for i in intents)
    reasons = Counter(o[3] for o in outcomes)
    assert set(reasons) <= {"sent", "frequency_capped", "duplicate"}, reasons
    sent_per_user = Counter(o[1] for o in outcomes if o[3] == "sent")
    assert sent_per_user == Counter({f"u{u}": CAP for u in range(USERS)})
    sent_keys = Counter((o[1], o[2]) for o in outcomes if o[3] == "sent")
    assert max(sent_keys.values()) == 1
    attempts = Counter((i.user_id, i.idempotency_key) for i in intents)
    assert reasons["duplicate"] == sum(attempts[k] - 1 for k in sent_keys)
    assert reasons["sent"] + reasons["frequency_capped"] + reasons["duplicate"] == len(intents)
    assert reasons["duplicate"] > 0  # the burst really contained replays of sent keys
    return reasons


def test_a_threaded_burst_on_memory_stores_respects_caps() -> None:
    now = datetime.now(UTC)
    intents = burst(users=USERS, intents=INTENTS, replay_every=10, now=now)
    with memory_stores() as stores:
        outcomes = decide_until_final(intents, stores=stores, now=now, threads=8)
    assert_burst_reconciles(intents, outcomes)


def _connection(client: redis.Redis) -> dict[str, Any]:
    kwargs = client.connection_pool.connection_kwargs
    return {k: kwargs[k] for k in ("host", "port", "db", "username", "password") if k in kwargs}


@pytest.mark.redis
def test_two_processes_of_threads_never_exceed_a_cap(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    now = datetime.now(UTC)
    intents = burst(users=USERS, intents=INTENTS, replay_every=10, now=now)
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    results = ctx.Queue()
    processes = [
        ctx.Process(
            target=redis_burst_process,
            args=(_connection(redis_client), redis_prefix, intents[k::2], now, 6, start, results),
        )
        for k in range(2)
    ]
    for p in processes:
        p.start()
    outcomes = [o for _ in processes for o in results.get(timeout=300)]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert_burst_reconciles(intents, outcomes)
    # the ledger agrees with the decisions: exactly CAP entries per user
    stores = redis_stores(redis_client, key_prefix=redis_prefix)
    with stores:
        for u in range(USERS):
            assert stores.caps.counts(user_id=f"u{u}", at=now, caps=BURST_POLICY.caps) == (CAP, CAP)


@pytest.mark.redis
def test_a_bucket_shared_by_two_processes_never_grants_more_than_burst_plus_refill(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    rate, burst_size, seconds = 200.0, 20, 1.5
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    results = ctx.Queue()
    args = (_connection(redis_client), redis_prefix, rate, burst_size, seconds, 3, start, results)
    processes = [ctx.Process(target=bucket_process, args=args) for _ in range(2)]
    for p in processes:
        p.start()
    reports = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=60)
        assert p.exitcode == 0
    granted = sum(r[0] for r in reports)
    denied = sum(r[1] for r in reports)
    elapsed = max(r[3] for r in reports) - min(r[2] for r in reports)
    assert granted <= burst_size + rate * elapsed
    assert granted >= burst_size  # the bucket starts full
    assert denied > 0  # the limit was really reached
