"""What ``up`` creates: Kafka topics and the Cassandra keyspace, from the settings."""

from __future__ import annotations

import re

import pytest

from clarion.events import CHANNELS
from clarion.settings import load_settings
from clarion.stack.cassandra import keyspace_cql
from clarion.stack.exceptions import StackError
from clarion.stack.kafka import new_cluster_id, required_topics


def test_required_topics_follow_the_settings() -> None:
    settings = load_settings(environ={}, kafka={"partitions": 3, "outbound_topic_prefix": "out."})
    topics = required_topics(settings)
    assert set(topics) == {
        "events",
        "events.dlq",
        "notify.intents",
        "delivery.receipts",
        *(f"out.{c}" for c in CHANNELS),
    }
    assert set(topics.values()) == {3}


def test_cluster_ids_look_like_kafkas() -> None:
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) and not i.startswith("-") for i in ids)


def test_keyspace_cql_uses_network_topology_per_datacenter() -> None:
    assert keyspace_cql("clarion", {"dc1": 3, "dc2": 2}) == (
        "CREATE KEYSPACE IF NOT EXISTS clarion WITH replication = "
        "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}"
    )


@pytest.mark.parametrize(
    ("keyspace", "replication"),
    [
        ("1bad", {"dc1": 1}),
        ("drop table x;", {"dc1": 1}),
        ("ok", {}),
        ("ok", {"dc1": 0}),
        ("ok", {"dc'1": 1}),
    ],
)
def test_keyspace_cql_refuses_bad_input(keyspace: str, replication: dict[str, int]) -> None:
    with pytest.raises(StackError, match="cassandra:"):
        keyspace_cql(keyspace, replication)
