"""The group consumer against the real broker: committed records only, no auto-commit,
rewind to the committed offset."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from clarion.exceptions import ClarionError
from clarion.kafka_consumers import group_consumer, rewind_to_committed
from clarion.kafka_topics import ensure_topics
from clarion.kafka_transactions import TransactionalProducer
from clarion.settings import Settings
from tests.fixtures.stack import unique_name

pytestmark = pytest.mark.kafka


def _read(consumer: KafkaConsumer, n: int) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    deadline = time.monotonic() + 30
    while len(out) < n and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            out += [(r.offset, r.value) for r in records]
    return out


def test_reads_committed_records_only_and_rewinds_to_its_commit(
    kafka_bootstrap: str, stack_settings: Settings
) -> None:
    topic, group = unique_name("consumer_in"), unique_name("consumer_group")
    ensure_topics(stack_settings.kafka, {topic: 1})
    producer = TransactionalProducer(
        stack_settings.kafka,
        client_id="clarion-test",
        transactional_id=unique_name("consumer_txn"),
        transaction_timeout_ms=10_000,
        fatal_error=ClarionError,
    )
    producer.start()
    try:
        producer.client.begin_transaction()
        producer.client.send(topic, value=b"aborted")
        producer.client.flush()
        producer.abort()
        producer.publish(
            [(topic, None, v, ()) for v in (b"a", b"b", b"c")], offsets={}, group_metadata=None
        )
    finally:
        producer.close()

    consumer = group_consumer(
        stack_settings.kafka,
        group_id=group,
        client_id="clarion-test",
        max_poll_records=10,
        session_timeout_ms=6_000,
    )
    try:
        consumer.subscribe([topic])
        first = _read(consumer, 3)
        assert [value for _, value in first] == [b"a", b"b", b"c"]
        tp = TopicPartition(topic, 0)
        assert consumer.committed(tp) is None  # nothing committed by itself
        after_a = first[0][0] + 1
        consumer.commit({tp: OffsetAndMetadata(after_a, "", -1)})  # "a" handled, not the rest
        rewind_to_committed(consumer)
        assert _read(consumer, 2) == first[1:]
    finally:
        consumer.close(autocommit=False)
