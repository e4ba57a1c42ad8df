"""The merged view reads the real-time view the real speed layer wrote: events go through
Kafka to a ``python -m speed_layer`` process, which keeps them in Redis, and
``MergedViewReader`` returns the streaming features and their freshness."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from serving.stores import RedisBatchViewConfig, RedisBatchViewStore
from serving.view import MergedViewReader, RedisRealtimeViewReader
from tests.speed_layer._harness import (
    ConsumerProcess,
    GroupProgress,
    Topics,
    produce,
    wait_until,
)
from tests.speed_layer._stream import event_json

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

SECOND, MINUTE = 1000, 60_000


@pytest.mark.timeout(180)
def test_the_merged_view_reads_what_the_speed_layer_wrote(
    kafka_bootstrap: str, redis_client: redis.Redis, speed_topics: Any, tmp_path: Path
) -> None:
    topics: Topics = speed_topics("view_rt", partitions=2)
    now_ms = (int(time.time() * 1000) // SECOND) * SECOND
    now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    p = topics.prefix
    plan: list[tuple[str, str, int, dict[str, Any]]] = [
        ("u1", "app_open", now_ms - 2 * 60 * MINUTE, {}),  # outside 1h, inside 24h
        ("u1", "app_open", now_ms - 20 * MINUTE, {}),  # inside 1h
        ("u1", "app_open", now_ms - 4 * MINUTE, {}),  # inside 5m
        ("u1", "app_open", now_ms - 10 * SECOND, {}),  # the latest app_open
        ("u1", "transaction", now_ms - 3 * MINUTE, {"amount": 5.0, "merchant": "m"}),
        ("u1", "search", now_ms - 5 * SECOND, {"query": "shoes"}),  # last seen (not counted)
        ("u2", "purchase", now_ms - 90 * MINUTE, {"order_id": "o", "amount": 9, "category": "c"}),
    ]
    produce(
        kafka_bootstrap,
        topics.events,
        [
            (user.encode(), event_json(f"{p}-{n}", user, kind, ts, **props))
            for n, (user, kind, ts, props) in enumerate(plan)
        ],
    )
    consumer = ConsumerProcess(topics, tmp_path, instance="view").start()
    progress = GroupProgress(kafka_bootstrap, p, topics.events)
    try:
        wait_until(lambda: progress()[0] == len(plan), timeout=120, what="all events committed")
    finally:
        progress.close()
        assert consumer.terminate() == 0, consumer.tail()

    realtime = RedisRealtimeViewReader(redis_client, key_prefix=p, clock=lambda: now)
    batch = RedisBatchViewStore(redis_client, config=RedisBatchViewConfig(key_prefix=p))
    reader = MergedViewReader(batch=batch, realtime=realtime, clock=lambda: now)

    u1 = reader.read("u1")
    assert u1.batch_version is None  # nothing published: every batch feature is stale
    assert {
        name: u1.realtime[name]
        for name in (
            "rt_app_open_count_5m",
            "rt_app_open_count_1h",
            "rt_app_open_count_24h",
            "rt_transaction_count_5m",
            "rt_transaction_count_1h",
        )
    } == {
        "rt_app_open_count_5m": 2,
        "rt_app_open_count_1h": 3,
        "rt_app_open_count_24h": 4,
        "rt_transaction_count_5m": 1,
        "rt_transaction_count_1h": 1,
    }
    assert u1.realtime["rt_last_seen"] == now - timedelta(seconds=5)  # the search
    assert u1.realtime_age["rt_last_seen"] == timedelta(seconds=5)
    assert u1.realtime_age["rt_app_open_count_5m"] == timedelta(seconds=10)
    assert u1.realtime_age["rt_transaction_count_1h"] == timedelta(minutes=3)
    assert not u1.stale["rt_app_open_count_5m"] and not u1.stale["rt_last_seen"]
    assert u1.stale["rt_transaction_count_5m"]  # 3 minutes old, freshness 30 s
    assert "rt_purchase_count_1h" not in u1.realtime  # never a purchase: unknown, stale
    assert u1.stale["rt_purchase_count_1h"]

    u2 = reader.read("u2")
    assert (u2.realtime["rt_purchase_count_1h"], u2.realtime["rt_purchase_count_24h"]) == (0, 1)
    assert u2.realtime_age["rt_purchase_count_24h"] == timedelta(minutes=90)
    assert "rt_last_seen" not in u2.realtime  # a purchase is not a LastSeen type

    nobody = reader.read("nobody")
    assert nobody.realtime == {} and nobody.realtime_freshness is None
