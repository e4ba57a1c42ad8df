"""Talking to the local Kafka with kafka-python: the readiness round trip and idempotent topics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from clarion.stack.exceptions import StackError

__all__ = ["coordinator_ready", "ensure_topics", "round_trip"]

_TOPIC_ALREADY_EXISTS = 36
_CLIENT_ID = "clarion-stack"
PROBE_GROUP = "clarion-stack-probe"


def ensure_topics(
    bootstrap: str, partitions: Mapping[str, int], *, replication_factor: int = 1
) -> list[str]:
    """Create each topic of ``partitions`` that does not exist yet; return the ones created."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, client_id=_CLIENT_ID, request_timeout_ms=10_000
    )
    try:
        existing = set(admin.list_topics())
        missing = {name: n for name, n in partitions.items() if name not in existing}
        if not missing:
            return []
        spec = {
            name: {"num_partitions": n, "replication_factor": replication_factor}
            for name, n in missing.items()
        }
        result = admin.create_topics(spec, timeout_ms=10_000, raise_errors=False)
        failed = [
            f"{t['name']}: {t.get('error_message') or t['error_code']}"
            for t in result["topics"]
            if t["error_code"] not in (0, _TOPIC_ALREADY_EXISTS)
        ]
        if failed:
            raise StackError("kafka: could not create topic(s) " + "; ".join(failed))
        admin.wait_for_topics(list(missing), timeout_ms=20_000)
        return sorted(missing)
    finally:
        admin.close()


def round_trip(bootstrap: str, topic: str, *, timeout: float = 10.0) -> None:
    """Produce one record to ``topic`` and read the very same record back.

    Raises:
        StackError: the record could not be read back within ``timeout`` seconds.
        kafka.errors.KafkaError: the broker is not (yet) answering.
    """
    ensure_topics(bootstrap, {topic: 1})
    token = uuid.uuid4().hex.encode()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=_CLIENT_ID,
        acks="all",
        max_block_ms=5_000,
        request_timeout_ms=5_000,
    )
    try:
        sent = producer.send(topic, key=b"probe", value=token).get(timeout=timeout)
    finally:
        producer.close(timeout=5)
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id=_CLIENT_ID,
        group_id=None,
        enable_auto_commit=False,
        request_timeout_ms=10_000,
    )
    try:
        partition = TopicPartition(topic, sent.partition)
        consumer.assign([partition])
        consumer.seek(partition, sent.offset)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=500)
            if any(r.value == token for r in batch.get(partition, [])):
                return
    finally:
        consumer.close()
    raise StackError(f"kafka: produced a probe record to {topic!r} but could not read it back")


def coordinator_ready(bootstrap: str, group: str = PROBE_GROUP) -> None:
    """Ask for ``group``'s coordinator: on a fresh broker the first ask creates
    ``__consumer_offsets``, and until it exists every consumer group and admin call about
    groups fails with ``CoordinatorNotAvailableError`` (retriable, raised here as is)."""
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap, client_id=_CLIENT_ID, request_timeout_ms=10_000
    )
    try:
        admin.list_group_offsets(group)
    finally:
        admin.close()
