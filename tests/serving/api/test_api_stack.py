"""The API built by ``create_app(settings)`` on the real Redis, Cassandra and Kafka."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from clarion.settings import Settings, load_settings
from clarion.stack.cassandra import keyspace_cql
from serving.api import create_app
from serving.delivery.cassandra_status import CassandraStatusStore
from serving.dispatch.wire import parse_intent
from serving.inbox import DecisionLog, InboxConfig, InboxStore, create_tables
from serving.preferences import RedisPreferenceStore
from serving.stores import RedisBatchViewConfig, RedisBatchViewStore, ViewChunk
from tests.fixtures.stack import unique_name
from tests.serving.api.builders import decision, inbox_item, status_row
from tests.serving.delivery.kafka_helpers import read_all

pytestmark = [pytest.mark.redis, pytest.mark.cassandra, pytest.mark.kafka]


@pytest.fixture(scope="module")
def api_settings(
    cassandra_session: Any, stack_settings: Settings, redis_client: redis.Redis
) -> Iterator[Settings]:
    keyspace = unique_name("api")
    cassandra_session.execute(keyspace_cql(keyspace, stack_settings.cassandra.replication))
    create_tables(cassandra_session, InboxConfig(keyspace=keyspace))
    prefix = unique_name("api")
    yield load_settings(
        cassandra={"keyspace": keyspace},
        redis={"key_prefix": prefix},
        kafka={"intents_topic": f"{prefix}.intents"},
    )
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
    for key in redis_client.scan_iter(match=f"{prefix}:*", count=10_000):
        redis_client.delete(key)


@pytest.fixture(scope="module")
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as c:  # the lifespan connects for real
        yield c


def test_health_checks_all_three_services(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == {"redis": "ok", "cassandra": "ok", "kafka": "ok"}


def test_inbox_and_decisions_from_cassandra(
    client: TestClient, api_settings: Settings, cassandra_session: Any
) -> None:
    config = InboxConfig(keyspace=api_settings.cassandra.keyspace)
    InboxStore(cassandra_session, config=config).write_many([inbox_item("u1", n) for n in (2, 1)])
    DecisionLog(cassandra_session, config=config).write_many(
        [decision("u1", 1), decision("u1", 2, "no_consent")]
    )
    statuses = CassandraStatusStore(cassandra_session, keyspace=config.keyspace)
    statuses.setup()
    statuses.put(status_row("n-u1-1", "u1"))
    items = client.get("/v1/users/u1/inbox").json()
    assert [(i["notification_id"], (i["delivery"] or {}).get("status")) for i in items] == [
        ("n-u1-1", "delivered"),
        ("n-u1-2", None),
    ]
    reasons = [d["decision"]["reason"] for d in client.get("/v1/users/u1/decisions").json()]
    assert reasons == ["sent", "no_consent"]


def test_consent_lands_in_the_dispatchers_redis_store(
    client: TestClient, api_settings: Settings, redis_client: redis.Redis
) -> None:
    r = client.put("/v1/users/u9/consent", json={"consent": {"email": True, "push": False}})
    assert r.status_code == 200, r.text
    stored = RedisPreferenceStore(redis_client, key_prefix=api_settings.redis.key_prefix).get("u9")
    assert stored is not None and stored.consent == {"email": True, "push": False}
    assert "body.locale" in {
        e["field"]
        for e in client.put("/v1/users/u9/preferences", json={"locale": "x"}).json()["errors"]
    }


def test_transactional_send_reaches_notify_intents(
    client: TestClient, api_settings: Settings
) -> None:
    body = {
        "user_id": "u5",
        "channels": ["email"],
        "template": "receipt",
        "payload": {"order": "o-1"},
        "idempotency_key": "order-o-1",
    }
    r = client.post("/v1/sends/transactional", json=body)
    assert r.status_code == 202, r.text
    [record] = read_all(api_settings.kafka, api_settings.kafka.intents_topic, expect=1)
    intent = parse_intent(record.value)
    assert (record.key, intent.intent_id, intent.source, intent.priority) == (
        b"u5",
        r.json()["intent_id"],
        "transactional",
        "transactional",
    )
    assert json.loads(record.value)["payload"] == {"order": "o-1"}


def test_merged_view_reads_the_current_batch_version(
    client: TestClient, api_settings: Settings, redis_client: redis.Redis
) -> None:
    store = RedisBatchViewStore(
        redis_client, config=RedisBatchViewConfig(key_prefix=api_settings.redis.key_prefix)
    )
    fields = {"as_of": "2026-11-27", "purchase_count_7d": "4", "score": "0.25"}
    store.online_write_batch(
        version="2026-11-27.r1",
        chunk=ViewChunk(kind="features", rows=1, fields={"u3": fields}),
    )
    store.activate(version="2026-11-27.r1", previous=None)
    view = client.get("/v1/users/u3/view").json()
    assert (view["batch_version"], view["batch"]["purchase_count_7d"], view["score"]) == (
        "2026-11-27.r1",
        4,
        0.25,
    )
