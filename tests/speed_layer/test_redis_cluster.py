"""The speed layer's Redis state on a real 3-master Redis Cluster: the same stream, rules and
batch view give the same intents and the same real-time view as on the stack's single-node
Redis, every key of one user sits in one slot, and the users spread over all three masters.

Both clients come from the production factory (``speed_layer.state.connection.connect``),
the cluster one from settings that name ``cluster_nodes``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from clarion.settings import Settings
from speed_layer.models import SourceMessage
from speed_layer.state import KeyLayout, RedisBatchView, RedisStore
from speed_layer.state.connection import connect
from tests.fixtures.redis_cluster import topology_clients
from tests.fixtures.stack import unique_name
from tests.speed_layer._harness import seed_batch_view
from tests.speed_layer._local import NOW, LocalRun
from tests.speed_layer.conftest import drop_prefix, dump
from tests.speed_layer.test_replay import messages

pytestmark = pytest.mark.redis

TOPIC = "events"


@pytest.fixture(scope="module")
def stream() -> tuple[list[SourceMessage], dict[str, dict[str, str]]]:
    return messages(seed=11, events=600)


@pytest.fixture(scope="module")
def clients(
    stack_settings: Settings, cluster_settings: Settings, redis_client: Any
) -> Iterator[dict[str, Any]]:
    """``single`` (the stack's Redis) and ``cluster``, both from ``connect(settings.redis)``."""
    with topology_clients(stack_settings, cluster_settings, lambda s: connect(s.redis)) as made:
        yield made


@pytest.fixture(scope="module")
def runs(
    rules: Any,
    plan: Any,
    clients: dict[str, Any],
    stream: tuple[list[SourceMessage], dict[str, Any]],
) -> Iterator[dict[str, tuple[RedisStore, list[Any]]]]:
    """The stream applied through the real processor, rules and Redis store on each Redis:
    ``{"single"|"cluster": (store, intents)}``."""
    msgs, views = stream
    prefix = unique_name("sl_cluster")
    out: dict[str, tuple[RedisStore, list[Any]]] = {}
    for name, client in clients.items():
        keys = KeyLayout(prefix, TOPIC)
        store = RedisStore(client, plan.layout, keys=keys, replay_grace_ms=3_600_000)
        store.setup()
        run = LocalRun(rules, store=store, partitions=3)
        seed_batch_view(client, prefix, views, version="v1")
        run.processor.batch_view = RedisBatchView(client, keys)
        intents: list[Any] = []
        for i in range(0, len(msgs), 50):
            intents += run.intents(msgs[i : i + 50])
        out[name] = (store, intents + run.flush())
    yield out
    for client in clients.values():
        drop_prefix(client, prefix)


def test_the_cluster_store_makes_the_same_intents_and_view_as_one_node(
    runs: dict[str, tuple[RedisStore, list[Any]]], clients: dict[str, Any]
) -> None:
    single, cluster = runs["single"], runs["cluster"]
    assert single[0].calls == "chunks" and cluster[0].calls == "users"
    identities = [i.identity() for i in cluster[1]]
    assert identities == [i.identity() for i in single[1]]
    rules_fired = {i.idempotency_key.split(":")[0] for i in cluster[1]}
    assert {"risk_unusual_transaction", "cart_abandoned", "transaction_burst"} <= rules_fired
    prefix = cluster[0].keys.prefix
    on_cluster, on_single = dump(clients["cluster"], prefix), dump(clients["single"], prefix)
    assert on_cluster == on_single
    structures = {k.split("}:", 1)[1].split(":")[0] for k in on_cluster if ":rt:{" in k}
    assert {"seen", "seen_at", "session", "last_seen", "cart", "ev", "fired"} <= structures
    assert any(":rt:part:{" in k for k in on_cluster)  # the per-partition timer state


def test_carts_and_sessions_read_back_alike(
    runs: dict[str, tuple[RedisStore, list[Any]]],
    clients: dict[str, Any],
    stream: tuple[list[SourceMessage], Any],
) -> None:
    single, cluster = runs["single"][0], runs["cluster"][0]
    carts = sorted({m.key.decode() for m in stream[0] if b"add_to_cart" in (m.value or b"")})
    assert carts
    cluster_carts = [cluster.current_cart(u, NOW) for u in carts]
    assert cluster_carts == [single.current_cart(u, NOW) for u in carts]
    assert any(cluster_carts)
    users = sorted({m.key.decode() for m in stream[0]})[:40]
    keys = cluster.keys
    sessions = [clients["cluster"].hgetall(keys.user(u, "session")) for u in users]
    assert sessions == [clients["single"].hgetall(keys.user(u, "session")) for u in users]
    assert sum(1 for s in sessions if s.get("events")) > 10


def test_one_users_keys_share_a_slot_and_users_spread_over_every_master(
    runs: dict[str, tuple[RedisStore, list[Any]]], clients: dict[str, Any]
) -> None:
    cluster: redis.RedisCluster = clients["cluster"]
    prefix = runs["cluster"][0].keys.prefix
    where: dict[str, set[tuple[str, int]]] = defaultdict(set)  # hash tag -> {(node, slot)}
    for node in cluster.get_primaries():
        for key in cluster.scan_iter(match=f"{prefix}:*", count=1000, target_nodes=node):
            if "{" not in key:
                continue  # the batch view's pointer (seeded for the rules), not per user
            tag = key[key.index("{") + 1 : key.index("}")]
            where[tag].add((node.name, key_slot(key.encode())))
    users = {t: s for t, s in where.items() if not t.startswith(f"{TOPIC}:")}
    assert len(users) > 50
    assert {t: len(s) for t, s in users.items() if len(s) != 1} == {}
    nodes = {node for places in users.values() for node, _ in places}
    assert nodes == {n.name for n in cluster.get_primaries()} and len(nodes) == 3
    slots = {slot for places in users.values() for _, slot in places}
    assert len(slots) > len(users) // 2  # the tag spreads users, not just three slots
    partitions = {t: s for t, s in where.items() if t.startswith(f"{TOPIC}:")}
    assert partitions and all(len(s) == 1 for s in partitions.values())
