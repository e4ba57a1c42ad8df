"""Create topics, produce outbound messages and read a topic back, for the delivery tests."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings
from serving.outbound import OutboundMessage

__all__ = ["create_topic", "produce", "read_all"]


def create_topic(kafka: KafkaSettings, name: str, partitions: int) -> None:
    admin = KafkaAdminClient(**client_options(kafka))
    try:
        admin.create_topics([NewTopic(name, partitions, 1)])
        admin.wait_for_topics([name], timeout_ms=20_000)
    finally:
        admin.close()


def produce(kafka: KafkaSettings, topic: str, messages: Iterable[OutboundMessage | bytes]) -> None:
    producer = KafkaProducer(**client_options(kafka), acks="all", linger_ms=5)
    try:
        for m in messages:
            if isinstance(m, bytes):
                producer.send(topic, key=b"raw", value=m)
            else:
                producer.send(topic, key=m.user_id.encode(), value=m.to_json())
        producer.flush()
    finally:
        producer.close()


def read_all(kafka: KafkaSettings, topic: str, *, expect: int, timeout: float = 30) -> list[Any]:
    """Every record of ``topic`` once at least ``expect`` are there (or the timeout passed)."""
    consumer = KafkaConsumer(**client_options(kafka), enable_auto_commit=False)
    try:
        deadline = time.monotonic() + timeout
        while not (parts := consumer.partitions_for_topic(topic)):
            if time.monotonic() > deadline:
                return []
            time.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        out: list[Any] = []
        while len(out) < expect and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                out.extend(records)
        return out
    finally:
        consumer.close()
