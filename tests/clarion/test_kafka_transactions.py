"""The transactional producer against the real broker: commit, abort, fencing."""

from __future__ import annotations

import time

import pytest
from kafka import KafkaConsumer

from clarion.exceptions import ClarionError
from clarion.kafka_options import client_options
from clarion.kafka_topics import ensure_topics
from clarion.kafka_transactions import TransactionalProducer
from clarion.settings import Settings
from tests.fixtures.stack import unique_name

pytestmark = pytest.mark.kafka


class _Fenced(ClarionError):
    pass


def _producer(settings: Settings, transactional_id: str) -> TransactionalProducer:
    producer = TransactionalProducer(
        settings.kafka,
        client_id="clarion-test",
        transactional_id=transactional_id,
        transaction_timeout_ms=10_000,
        fatal_error=_Fenced,
    )
    producer.start()
    return producer


def _committed_values(settings: Settings, topic: str, *, until: bytes) -> list[bytes]:
    """What a read_committed reader sees, up to and including the value ``until``."""
    consumer = KafkaConsumer(
        topic,
        **client_options(settings.kafka),
        group_id=None,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
    )
    values: list[bytes] = []
    deadline = time.monotonic() + 30
    try:
        while until not in values and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                values += [r.value for r in records]
        return values
    finally:
        consumer.close()


def test_committed_batches_are_visible_and_a_fenced_producer_stops(
    kafka_bootstrap: str, stack_settings: Settings
) -> None:
    topic, txn_id = unique_name("txn_out"), unique_name("txn_id")
    ensure_topics(stack_settings.kafka, {topic: 1})
    first = _producer(stack_settings, txn_id)
    try:
        first.publish(
            [(topic, b"k", b"one", [("clarion.error.reason", b"x")]), (topic, None, b"two", ())],
            offsets={},
            group_metadata=None,
        )
        second = _producer(stack_settings, txn_id)  # same slot restarted: fences ``first``
        try:
            with pytest.raises(_Fenced, match="refused the transaction for good"):
                first.publish([(topic, None, b"lost", ())], offsets={}, group_metadata=None)
            second.publish([(topic, None, b"three", ())], offsets={}, group_metadata=None)
        finally:
            second.close()
    finally:
        first.close()
    # "lost" would stand before "three" had it been committed
    assert _committed_values(stack_settings, topic, until=b"three") == [b"one", b"two", b"three"]
