"""The serving layer's Redis code on a real 3-master Redis Cluster, against the same code on
the stack's single-node Redis: the daily batch-view publish (versioned hashes, checkpoint,
verification by SCAN, pointer switch, grace TTL of the old version), the merged view read
back, and the dispatcher's Lua stores (caps, idempotency leases, token buckets).

Every client comes from the production factory ``clarion.stack.redis.client(settings)``; the
cluster's settings name ``cluster_nodes`` (``tests/fixtures/redis_cluster.py``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from clarion.settings import Settings, project_root
from clarion.stack.redis import client
from feature_store import USER_FEATURES
from serving.dispatch import DispatchStores, decide_many, redis_stores
from serving.publish.daily import publish_day
from serving.stores import RedisBatchViewConfig, RedisBatchViewStore
from serving.view import MergedView, MergedViewReader, RedisRealtimeViewReader
from speed_layer.rules import build_plan, load_rules
from speed_layer.state import KeyLayout, RedisStore
from speed_layer.state.connection import connect
from tests.fixtures.redis_cluster import topology_clients
from tests.fixtures.stack import unique_name
from tests.serving.dispatch.builders import CALM, T0, intent, policy, recipient
from tests.serving.publish.builders import users, write_gold
from tests.serving.publish.fixtures import dump_version
from tests.speed_layer._local import NOW, LocalRun

pytestmark = pytest.mark.redis

DAYS = (date(2027, 1, 13), date(2027, 1, 14))
USERS = users(240)
TOPOLOGIES = ("single", "cluster")


@pytest.fixture(scope="module")
def topologies(
    stack_settings: Settings, cluster_settings: Settings, redis_client: Any
) -> Iterator[dict[str, Settings]]:
    """Settings per topology, sharing one fresh key prefix; its keys are dropped at the end."""
    prefix = unique_name("srv_cluster")
    out = {
        name: s.model_copy(update={"redis": s.redis.model_copy(update={"key_prefix": prefix})})
        for name, s in (("single", stack_settings), ("cluster", cluster_settings))
    }
    yield out
    for settings in out.values():
        conn = client(settings)
        try:
            keys = list(conn.scan_iter(match=f"{prefix}:*", count=10_000))
            for key in keys:
                conn.unlink(key)
        finally:
            conn.close()


@pytest.fixture(scope="module")
def clients(topologies: dict[str, Settings]) -> Iterator[dict[str, Any]]:
    with topology_clients(topologies["single"], topologies["cluster"], client) as made:
        yield made


@pytest.fixture(scope="module")
def published(
    topologies: dict[str, Settings],
    clients: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, list[Any]]:
    """Two days published with ``publish_day`` on each topology: ``{topology: [results]}``."""
    lake = tmp_path_factory.mktemp("lake")
    for day in DAYS:
        write_gold(lake, USERS, as_of=day, files=2, seed=day.day)
    out: dict[str, list[Any]] = {}
    for name, settings in topologies.items():
        settings = settings.model_copy(
            update={"delta": settings.delta.model_copy(update={"root": str(lake)})}
        )
        out[name] = [
            publish_day(settings, as_of=day, redis_client=clients[name], rows_per_chunk=70)
            for day in DAYS
        ]
    return out


def test_a_publish_on_the_cluster_writes_and_switches_as_on_one_node(
    published: dict[str, list[Any]], clients: dict[str, Any], topologies: dict[str, Settings]
) -> None:
    prefix = topologies["cluster"].redis.key_prefix
    single, cluster = published["single"], published["cluster"]
    assert [(r.version, r.users, dict(r.rows)) for r in cluster] == [
        (r.version, r.users, dict(r.rows)) for r in single
    ]
    assert cluster[1].previous == {"redis": cluster[0].version}
    assert cluster[1].users == len(USERS)
    for result in cluster:
        on_cluster = dump_version(clients["cluster"], prefix=prefix, version=result.version)
        assert len(on_cluster) == len(USERS)
        assert on_cluster == dump_version(clients["single"], prefix=prefix, version=result.version)
    store = RedisBatchViewStore(clients["cluster"], config=RedisBatchViewConfig(key_prefix=prefix))
    assert store.current_version() == cluster[1].version
    assert store.count_users(version=cluster[0].version) == len(USERS)


def test_the_old_versions_keys_expire_on_every_master_and_the_new_ones_do_not(
    published: dict[str, list[Any]], clients: dict[str, Any], topologies: dict[str, Settings]
) -> None:
    cluster: redis.RedisCluster = clients["cluster"]
    prefix = topologies["cluster"].redis.key_prefix
    old, new = (r.version for r in published["cluster"])
    ttls: dict[str, dict[str, list[int]]] = {old: defaultdict(list), new: defaultdict(list)}
    for node in cluster.get_primaries():
        for version in (old, new):
            for key in cluster.scan_iter(match=f"{prefix}:bv:{version}:*", target_nodes=node):
                ttls[version][node.name].append(cluster.ttl(key))
    assert len(ttls[old]) == 3 and len(ttls[new]) == 3  # both versions span every master
    assert sum(len(t) for t in ttls[old].values()) == len(USERS) + 1  # + the checkpoint
    grace = int(timedelta(days=2).total_seconds())
    assert all(0 < t <= grace for keys in ttls[old].values() for t in keys)
    assert all(t == -1 for keys in ttls[new].values() for t in keys)


def test_the_merged_view_reads_back_alike_through_a_cluster_client(
    published: dict[str, list[Any]], clients: dict[str, Any], topologies: dict[str, Settings]
) -> None:
    now = datetime.fromtimestamp(NOW / 1000, tz=UTC)
    picked = USERS[::8]
    views: dict[str, list[MergedView]] = {}
    for name, settings in topologies.items():
        _speed_layer_events(settings, picked)
        conn = clients[name]
        prefix = settings.redis.key_prefix
        batch = RedisBatchViewStore(conn, config=RedisBatchViewConfig(key_prefix=prefix))
        batch.update()
        realtime = RedisRealtimeViewReader(conn, key_prefix=prefix, clock=lambda: now)
        reader = MergedViewReader(batch=batch, realtime=realtime, clock=lambda: now)
        views[name] = [reader.read(u) for u in picked]
    assert views["cluster"] == views["single"]
    latest = published["cluster"][1].version
    assert all(
        v.batch_version == latest and v.batch and v.score is not None for v in views["cluster"]
    )
    counts = [v.realtime.get("rt_app_open_count_1h") for v in views["cluster"]]
    assert counts == [1 + i % 3 for i in range(len(picked))]
    masters = {clients["cluster"].get_node_from_key(f"{{{u}}}").name for u in picked}
    assert len(masters) == 3


def _speed_layer_events(settings: Settings, user_ids: list[str]) -> None:
    """Give each user 1-3 app opens in the last hour and a search, through the speed layer's
    own store and processor (the writer of the real-time view) on this topology."""
    rules = load_rules(project_root() / "rules" / "triggers.yaml")
    conn = connect(settings.redis)
    try:
        store = RedisStore(
            conn,
            build_plan(rules, USER_FEATURES).layout,
            keys=KeyLayout(settings.redis.key_prefix, "events"),
            replay_grace_ms=3_600_000,
        )
        store.setup()
        run = LocalRun(rules, store=store)
        msgs = []
        for i, user in enumerate(user_ids):
            for k in range(1 + i % 3):
                msgs.append(run.message(user, "app_open", NOW - (10 + k) * 60_000))
            msgs.append(run.message(user, "search", NOW - 60_000, query="socks"))
        run.intents(msgs)
    finally:
        conn.close()


def _decisions(stores: DispatchStores, *, flush: Any = None) -> list[dict[str, Any]]:
    """A fixed workload through ``decide_many``: 30 users, global and campaign caps, re-sent
    and concurrent duplicates, tight per-channel buckets, over six batches 20 minutes apart."""
    p = policy(
        quiet_hours=None,
        caps=[{"window": "1h", "limit": 2}],
        rate_limits={
            "push": {"per_second": 0.01, "burst": 6},
            "email": {"per_second": 1, "burst": 4},
        },
    )
    rng = random.Random(5)
    out: list[dict[str, Any]] = []
    earlier: list[Any] = []
    for batch in range(6):
        now = T0 + timedelta(minutes=20 * batch)
        pairs = []
        for n in range(14):
            user = f"c{rng.randrange(30)}"
            if earlier and rng.random() < 0.2:
                again = rng.choice(earlier)  # a re-sent intent: same idempotency key
                pairs.append((again, recipient(user_id=again.user_id)))
                continue
            run = f"b{batch}n{n}"
            payload: dict[str, Any] = {"template": "spring", "campaign_id": f"k{n % 2}"}
            if n % 2:
                payload["caps"] = [{"window": "2h", "limit": 1}]
            made = intent(
                intent_id=run,
                user_id=user,
                idempotency_key=f"k{n % 2}:{run}:{user}",
                payload=payload,
                channels=("push", "email") if n % 3 else ("email",),
                created_at=now,
            )
            earlier.append(made)
            pairs.append((made, recipient(user_id=user)))
        if batch == 3 and flush is not None:
            flush()
        decisions = decide_many(pairs, now=now, policy=p, stores=stores, load=CALM)
        for d in decisions:
            if d.reason == "in_flight" and d.deliver_at is not None:
                # retry when the lease ends: its PTTL runs on the server's wall clock
                d = d.model_copy(update={"deliver_at": _to_second(d.deliver_at)})
            out.append(d.model_dump(mode="json"))
    return out


def _to_second(moment: datetime) -> datetime:
    return (moment + timedelta(milliseconds=500)).replace(microsecond=0)


def test_the_dispatchers_lua_decides_alike_on_the_cluster(
    clients: dict[str, Any], topologies: dict[str, Settings]
) -> None:
    cluster: redis.RedisCluster = clients["cluster"]
    prefix = unique_name("dispatch_cluster")

    def forget_scripts() -> None:  # as after a restart or failover of a master
        cluster.execute_command("SCRIPT FLUSH", target_nodes=cluster.get_primaries()[0])

    decided = {}
    for name in TOPOLOGIES:
        with redis_stores(clients[name], key_prefix=prefix, bucket_clock="caller") as stores:
            decided[name] = _decisions(stores, flush=forget_scripts if name == "cluster" else None)
    assert decided["cluster"] == decided["single"]
    reasons = {d["reason"] for d in decided["cluster"]}
    assert {"sent", "duplicate", "frequency_capped", "campaign_capped", "rate_limited"} <= reasons
    slots: dict[str, set[int]] = defaultdict(set)
    for key in cluster.scan_iter(match=f"{prefix}:dispatch:*"):
        slots[key.decode().split("{", 1)[1].split("}", 1)[0]].add(key_slot(key))
    assert len(slots) > 10 and all(len(s) == 1 for s in slots.values())
    nodes = {cluster.get_node_from_key(f"{{{tag}}}").name for tag in slots}
    assert len(nodes) == 3
    for conn in clients.values():
        for key in list(conn.scan_iter(match=f"{prefix}:*")):
            conn.unlink(key)


def test_the_atomic_read_mode_is_refused_on_a_cluster(clients: dict[str, Any]) -> None:
    from serving.stores.exceptions import StoreError

    atomic = RedisBatchViewConfig(read_mode="atomic")
    RedisBatchViewStore(clients["single"], config=atomic).update()
    with pytest.raises(StoreError, match="read_mode 'pointer'"):
        RedisBatchViewStore(clients["cluster"], config=atomic).update()
