"""What only the Redis stores have: key layout, hash tags, TTLs, lifecycle, the server clock."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
import redis
from redis.crc import key_slot

from serving.dispatch import FrequencyCap, StateStoreError, decide, redis_stores
from serving.dispatch.state import KeySpace, RedisCapLedger, RedisTokenBucket

from .builders import CALM, T0, intent, policy, recipient

pytestmark = pytest.mark.redis


def test_one_users_keys_share_a_cluster_slot_and_carry_the_tag() -> None:
    keys = KeySpace("clarion")
    assert keys.caps("u123") == "clarion:dispatch:{u123}:caps"
    assert keys.idempotency("u123", "spring:{x}") == "clarion:dispatch:{u123}:idem:spring:{x}"
    assert key_slot(keys.caps("u123").encode()) == key_slot(
        keys.idempotency("u123", "spring:{x}").encode()
    )
    assert key_slot(keys.caps("u123").encode()) == key_slot(b"u123")
    with pytest.raises(StateStoreError, match="braces"):
        keys.caps("u{1}")


def test_a_send_leaves_expiring_keys_only(redis_client: redis.Redis, redis_prefix: str) -> None:
    # No quiet hours: "now" is the wall clock, and may fall in New York's night.
    p = policy(rate_limits={"push": {"per_second": 10, "burst": 5}}, quiet_hours=None)
    now = datetime.now(UTC)
    with redis_stores(redis_client, key_prefix=redis_prefix) as stores:
        d = decide(intent(created_at=now), recipient(), now=now, policy=p, stores=stores, load=CALM)
    assert d.reason == "sent"
    keys = KeySpace(redis_prefix)
    caps_ttl = redis_client.pttl(keys.caps("u1"))
    assert timedelta(days=7) - timedelta(minutes=1) < timedelta(milliseconds=caps_ttl)
    assert timedelta(milliseconds=caps_ttl) <= timedelta(days=7)
    assert redis_client.zcard(keys.caps("u1")) == 1
    idem_key = keys.idempotency("u1", "spring-sale:run-1")
    assert redis_client.get(idem_key).startswith(b"s:i-1:")
    assert timedelta(days=6) < timedelta(milliseconds=redis_client.pttl(idem_key))
    bucket_ttl = redis_client.pttl(keys.bucket("push"))
    assert 0 < bucket_ttl <= 1500  # refills in 0.5 s, then one second of slack
    assert all(redis_client.pttl(k) > 0 for k in redis_client.scan_iter(f"{redis_prefix}:*"))


def test_a_deferred_intent_leaves_no_idempotency_key(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    night = datetime(2026, 6, 11, 3, 0, tzinfo=UTC)
    with redis_stores(redis_client, key_prefix=redis_prefix) as stores:
        d = decide(
            intent(created_at=night),
            recipient(),
            now=night,
            policy=policy(),
            stores=stores,
            load=CALM,
        )
    assert d.reason == "quiet_hours"
    assert list(redis_client.scan_iter(f"{redis_prefix}:*")) == []


def test_stores_must_be_set_up(redis_client: redis.Redis, redis_prefix: str) -> None:
    ledger = RedisCapLedger(redis_client, keys=KeySpace(redis_prefix))
    cap = FrequencyCap(window=timedelta(hours=1), limit=1)
    record = {"user_id": "u1", "entry_id": "e", "at": T0, "caps": [cap], "retention": cap.window}
    with pytest.raises(StateStoreError, match=r"setup\(\) was not called"):
        ledger.check_and_record(mode="enforce", **record)  # type: ignore[arg-type]
    with ledger:
        assert ledger.check_and_record(mode="enforce", **record).allowed  # type: ignore[arg-type]
    with pytest.raises(StateStoreError, match="not called"):
        ledger.check_and_record(mode="enforce", **record)  # type: ignore[arg-type]


def test_an_unreachable_redis_fails_setup_with_a_hint() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = redis.Redis(port=port, socket_connect_timeout=1)
    with pytest.raises(StateStoreError, match="clarion stack up"):
        redis_stores(client, key_prefix="nowhere").setup()


def test_the_server_clock_bucket_refills_in_real_time(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    bucket = RedisTokenBucket(redis_client, keys=KeySpace(redis_prefix))  # server clock
    with bucket:
        grants = [bucket.acquire("sms", rate=5, burst=2, now=T0) for _ in range(3)]
        assert [g.granted for g in grants] == [True, True, False]
        assert timedelta(0) < grants[2].wait <= timedelta(milliseconds=200)
        # the caller's clock is ignored: a day later by it is still empty by the server's
        assert not bucket.acquire("sms", rate=5, burst=2, now=T0 + timedelta(days=1)).granted
