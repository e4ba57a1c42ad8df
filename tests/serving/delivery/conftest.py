"""Settings for the delivery integration tests: unique topics and one keyspace per module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from clarion.settings import Settings, load_settings
from clarion.stack.cassandra import keyspace_cql
from tests.fixtures.stack import unique_name


@pytest.fixture(scope="module")
def delivery_keyspace(cassandra_session: Any, stack_settings: Settings) -> Iterator[str]:
    name = unique_name("delivery")
    cassandra_session.execute(keyspace_cql(name, stack_settings.cassandra.replication))
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


@pytest.fixture
def delivery_settings(
    stack_settings: Settings, delivery_keyspace: str, kafka_bootstrap: str
) -> Settings:
    """Fresh topic names (``<prefix>.outbound.<channel>``, ``<prefix>.receipts``), fast retries."""
    prefix = unique_name("dlv")
    return load_settings(
        kafka={
            "outbound_topic_prefix": f"{prefix}.outbound.",
            "receipts_topic": f"{prefix}.receipts",
        },
        cassandra={"keyspace": delivery_keyspace},
        delivery={
            "max_attempts": 3,
            "backoff_base_seconds": 0.02,
            "backoff_max_seconds": 0.1,
            "breaker_failure_threshold": 3,
            "breaker_reset_seconds": 0.3,
            "batch_size": 50,
            "http_timeout_seconds": 5,
        },
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``CLARION_*`` variables that give ``settings`` to a worker subprocess."""
    env = {
        "CLARION_KAFKA__BOOTSTRAP_SERVERS": ",".join(settings.kafka.bootstrap_servers),
        "CLARION_KAFKA__OUTBOUND_TOPIC_PREFIX": settings.kafka.outbound_topic_prefix,
        "CLARION_KAFKA__RECEIPTS_TOPIC": settings.kafka.receipts_topic,
        "CLARION_CASSANDRA__KEYSPACE": settings.cassandra.keyspace,
        "CLARION_CASSANDRA__PORT": str(settings.cassandra.port),
        "CLARION_STATE_DIR": str(settings.state_dir),
    }
    for field, value in settings.delivery.model_dump(exclude_none=True).items():
        env[f"CLARION_DELIVERY__{field.upper()}"] = str(value)
    return env
