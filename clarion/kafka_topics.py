"""Create Clarion's topics when they are missing (first start, tests, benches)."""

from __future__ import annotations

from collections.abc import Mapping

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings

__all__ = ["ensure_topics"]


def ensure_topics(
    kafka: KafkaSettings, partitions: Mapping[str, int], *, client_id: str = "clarion-admin"
) -> list[str]:
    """Create each missing topic with its partition count; return the ones created.

    A topic another process creates meanwhile counts as existing, not as an error.
    """
    admin = KafkaAdminClient(**client_options(kafka), client_id=client_id)
    try:
        existing = set(admin.list_topics())
        created = []
        for name, count in partitions.items():
            if name in existing:
                continue
            try:
                admin.create_topics([NewTopic(name, count, kafka.replication_factor)])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        if created:
            admin.wait_for_topics(created, timeout_ms=20_000)
        return created
    finally:
        admin.close()
