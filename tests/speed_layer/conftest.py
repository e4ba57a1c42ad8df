"""Fixtures of the speed layer tests: the loaded rules and plan, and consumer processes
that are always stopped (by their PID) when a test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from clarion.settings import project_root
from feature_store import USER_FEATURES
from speed_layer.rules import RuleSet, ViewPlan, build_plan, load_rules
from tests.fixtures.stack import unique_name
from tests.speed_layer._harness import ConsumerProcess, Topics

RULES_FILE = project_root() / "rules" / "triggers.yaml"


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules(RULES_FILE)


@pytest.fixture(scope="session")
def plan(rules: RuleSet) -> ViewPlan:
    return build_plan(rules, USER_FEATURES)


@pytest.fixture
def speed_topics(kafka_bootstrap: str, redis_client: Any) -> Iterator[Callable[[str], Topics]]:
    """Make a test's own topics (and Redis prefix); both are deleted when the test ends."""
    made: list[Topics] = []

    def make(name: str, partitions: int = 6) -> Topics:
        topics = Topics.create(kafka_bootstrap, unique_name(name), partitions=partitions)
        made.append(topics)
        return topics

    yield make
    for topics in made:
        drop_prefix(redis_client, topics.prefix)
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        try:
            admin.delete_topics([topics.events, topics.dlq, topics.intents])
        except KafkaError:
            pass  # best effort: the names are unique anyway
        finally:
            admin.close()


def drop_prefix(client: Any, prefix: str) -> None:
    batch = []
    for key in client.scan_iter(f"{prefix}:*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            client.unlink(*batch)
            batch = []
    if batch:
        client.unlink(*batch)


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def dump(client: Any, prefix: str) -> dict[str, Any]:
    """Every key under ``prefix`` (prefix stripped) with its value, TTLs left out; keys,
    types and hash fields as ``str`` whether the client decodes responses or not."""
    out: dict[str, Any] = {}
    for raw in client.scan_iter(f"{prefix}:*", count=1000):
        kind = _text(client.type(raw))
        if kind == "hash":
            value: Any = {_text(k): _text(v) for k, v in client.hgetall(raw).items()}
        elif kind == "zset":
            value = [(_text(m), score) for m, score in client.zrange(raw, 0, -1, withscores=True)]
        else:
            value = _text(client.get(raw))
        out[_text(raw)[len(prefix) :]] = value
    return out


@pytest.fixture
def consumers(tmp_path: Path) -> Iterator[list[ConsumerProcess]]:
    """Append the consumer processes a test starts; leftovers are killed by PID."""
    started: list[ConsumerProcess] = []
    yield started
    for process in started:
        process.kill()


def start_consumer(
    started: list[ConsumerProcess], topics: Topics, log_dir: Path, instance: str, *extra: str
) -> ConsumerProcess:
    process = ConsumerProcess(topics, log_dir, instance=instance, extra=extra)
    started.append(process)
    return process.start()
