"""The Redis store against the real Redis: the same decisions and view as the in-memory
store, replay-safe, every user key with a TTL, and the batch view read through its pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clarion.settings import Settings
from speed_layer.rules import RuleSet, ViewPlan
from speed_layer.state import KeyLayout, RedisBatchView, RedisStore
from speed_layer.state.connection import connect
from tests.fixtures.stack import unique_name
from tests.speed_layer._harness import seed_batch_view
from tests.speed_layer._local import NOW, LocalRun
from tests.speed_layer.conftest import drop_prefix, dump
from tests.speed_layer.test_replay import messages


@pytest.fixture
def store_factory(stack_settings: Settings, plan: ViewPlan, redis_client: Any) -> Iterator[Any]:
    client = connect(stack_settings.redis)
    prefixes: list[str] = []

    def make(**options: Any) -> RedisStore:
        prefix = unique_name("sl_store")
        prefixes.append(prefix)
        store = RedisStore(
            client,
            plan.layout,
            keys=KeyLayout(prefix, "events"),
            replay_grace_ms=3_600_000,
            **options,
        )
        store.setup()
        return store

    yield make
    for prefix in prefixes:
        drop_prefix(redis_client, prefix)
    client.close()


def run_stream(
    rules: RuleSet, store: Any, msgs: list, views: dict, *, size: int, crash_at: int | None = None
) -> list:
    run = LocalRun(rules, batch_views=views, store=store, partitions=3)
    intents: list = []
    for n, i in enumerate(range(0, len(msgs), size)):
        if n == crash_at:
            run.process(msgs[i : i + size * 2], commit=False)
        intents += run.intents(msgs[i : i + size])
    return intents + run.flush()


@pytest.mark.redis
def test_redis_and_memory_stores_decide_alike(rules: RuleSet, store_factory: Any) -> None:
    msgs, views = messages(seed=5, events=700)
    in_memory = run_stream(rules, None, msgs, views, size=50)
    store = store_factory()
    in_redis = run_stream(rules, store, msgs, views, size=50)
    assert [i.identity() for i in in_redis] == [i.identity() for i in in_memory]
    assert len(in_redis) > 10


@pytest.mark.redis
def test_one_call_per_user_as_on_redis_cluster_decides_and_writes_alike(
    rules: RuleSet, store_factory: Any, redis_client: Any
) -> None:
    msgs, views = messages(seed=7, events=600)
    chunks = store_factory(calls="chunks", events_per_call=37)
    users = store_factory(calls="users")
    by_chunk = run_stream(rules, chunks, msgs, views, size=60)
    by_user = run_stream(rules, users, msgs, views, size=60)
    assert [i.identity() for i in by_user] == [i.identity() for i in by_chunk]
    assert len(by_user) > 5
    assert dump(redis_client, users.keys.prefix) == dump(redis_client, chunks.keys.prefix)


@pytest.mark.redis
def test_redis_state_is_replay_safe(rules: RuleSet, store_factory: Any, redis_client: Any) -> None:
    msgs, views = messages(seed=9, events=500)
    clean, crashed = store_factory(), store_factory()
    first = run_stream(rules, clean, msgs, views, size=40)
    second = run_stream(rules, crashed, msgs, views, size=40, crash_at=4)
    assert {i.identity() for i in second} == {i.identity() for i in first}
    assert dump(redis_client, crashed.keys.prefix) == dump(redis_client, clean.keys.prefix)


@pytest.mark.redis
def test_every_user_key_expires(rules: RuleSet, store_factory: Any, redis_client: Any) -> None:
    msgs, views = messages(seed=3, events=200)
    store = store_factory()
    run_stream(rules, store, msgs, views, size=50)
    user_keys = [k for k in redis_client.scan_iter(f"{store.keys.prefix}:rt:{{*", count=1000)]
    assert len(user_keys) > 50
    structures = {k.decode().split("}:", 1)[1].split(":")[0] for k in user_keys}
    assert {"seen", "seen_at", "session", "last_seen", "ev"} <= structures
    assert [k for k in user_keys if redis_client.pttl(k) <= 0] == []


@pytest.mark.redis
def test_current_cart_matches_memory(rules: RuleSet, store_factory: Any) -> None:
    msgs, views = messages(seed=2, events=400)
    store = store_factory()
    mem = LocalRun(rules, batch_views=views, partitions=3)
    red = LocalRun(rules, batch_views=views, store=store, partitions=3)
    mem.intents(msgs)
    red.intents(msgs)
    users = {m.key.decode() for m in msgs if b"add_to_cart" in (m.value or b"")}
    carts = [(store.current_cart(u, NOW), mem.store.current_cart(u, NOW)) for u in sorted(users)]
    assert [r for r, _ in carts] == [m for _, m in carts]
    assert any(r for r, _ in carts)


@pytest.mark.redis
def test_batch_view_follows_the_current_pointer(
    stack_settings: Settings, redis_client: Any
) -> None:
    prefix = unique_name("sl_bv")
    view = RedisBatchView(connect(stack_settings.redis), KeyLayout(prefix, "events"))
    assert view.get("u1") is None
    seed_batch_view(redis_client, prefix, {"u1": {"a": "1"}}, version="v1")
    seed_batch_view(redis_client, prefix, {"u1": {"a": "2"}, "u2": {"b": "x"}}, version="v2")
    assert view.get_many(["u1", "u2", "u3"]) == {"u1": {"a": "2"}, "u2": {"b": "x"}}
    redis_client.set(f"{prefix}:bv:current", "v1")
    assert view.get("u1") == {"a": "1"} and view.get("u2") is None
    drop_prefix(redis_client, prefix)
