"""Create the speed layer's topics when they are missing (tests, benches, first start)."""

from __future__ import annotations

from collections.abc import Mapping

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings

__all__ = ["ensure_topics"]


def ensure_topics(kafka: KafkaSettings, partitions: Mapping[str, int]) -> list[str]:
    """Create each missing topic with its partition count; return the ones created."""
    admin = KafkaAdminClient(**client_options(kafka), client_id="clarion-speed-layer-admin")
    try:
        missing = [name for name in partitions if name not in set(admin.list_topics())]
        created = []
        for name in missing:
            topic = NewTopic(name, partitions[name], kafka.replication_factor)
            try:
                admin.create_topics([topic])
                created.append(name)
            except TopicAlreadyExistsError:
                pass
        if created:
            admin.wait_for_topics(created, timeout_ms=20_000)
        return created
    finally:
        admin.close()
