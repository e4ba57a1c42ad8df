"""Create the speed layer's topics when they are missing (tests, benches, first start)."""

from __future__ import annotations

from collections.abc import Mapping

from clarion import kafka_topics
from clarion.settings import KafkaSettings

__all__ = ["ensure_topics"]


def ensure_topics(kafka: KafkaSettings, partitions: Mapping[str, int]) -> list[str]:
    """Create each missing topic with its partition count; return the ones created."""
    return kafka_topics.ensure_topics(kafka, partitions, client_id="clarion-speed-layer-admin")
