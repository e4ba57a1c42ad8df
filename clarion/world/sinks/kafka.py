"""Produce generated events to the Kafka ``events`` topic (key = user id) with kafka-python."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import pyarrow as pa
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError
from kafka.partitioner.default import murmur2

from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings
from clarion.world.exceptions import SinkError, SinkUnavailableError
from clarion.world.sinks.base import EventSink

__all__ = ["KafkaSink", "key_partitions"]


def key_partitions(keys: list[bytes], *, partitions: set[int]) -> dict[bytes, int]:
    """Each distinct key's partition, exactly as the default (Java-compatible murmur2)
    partitioner picks it; computed once per user rather than once per message."""
    ordered = sorted(partitions)
    return {key: ordered[(murmur2(key) & 0x7FFFFFFF) % len(ordered)] for key in set(keys)}


class KafkaSink(EventSink):
    """Sends each row's ``value`` with its ``key`` (the user id), batched and compressed.

    Delivery is ``acks=all``; failures are counted by callback and :meth:`flush`
    raises if any message was not acknowledged.

    Args:
        kafka: Clarion's Kafka settings (servers, security, partitions).
        topic: the topic to produce to (normally ``kafka.events_topic``).
        create_topic: create the topic with ``kafka.partitions`` if it is missing.
        bootstrap_timeout_s: how long to wait for a broker before giving up.
        producer_options: extra kafka-python producer options (override the defaults).
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        topic: str,
        create_topic: bool = True,
        bootstrap_timeout_s: float = 10.0,
        producer_options: dict[str, Any] | None = None,
    ) -> None:
        self._kafka = kafka
        self._topic = topic
        self._create_topic = create_topic
        self._bootstrap_ms = int(bootstrap_timeout_s * 1000)
        self._options = {
            "acks": "all",
            "linger_ms": 50,
            "batch_size": 512 * 1024,
            "compression_type": "gzip",
            "max_block_ms": 120_000,
            "client_id": "clarion-generate",
            **(producer_options or {}),
        }
        self._producer: KafkaProducer | None = None
        self._failures = 0
        self._first_failure: BaseException | None = None
        self.messages_sent = 0

    @property
    def destination(self) -> str:
        return f"kafka://{','.join(self._kafka.bootstrap_servers)}/{self._topic}"

    def setup(self) -> None:
        config = {**client_options(self._kafka), "bootstrap_timeout_ms": self._bootstrap_ms}
        try:
            if self._create_topic:
                self._ensure_topic(config)
            self._producer = KafkaProducer(**config, **self._options)
        except KafkaTimeoutError as exc:
            servers = ",".join(self._kafka.bootstrap_servers)
            raise SinkUnavailableError(
                f"no Kafka broker answered within {self._bootstrap_ms / 1000:g} s at {servers}. "
                "Start the local stack with `clarion stack up`, point "
                "CLARION_KAFKA__BOOTSTRAP_SERVERS at a running broker, or use --sink delta."
            ) from exc
        except KafkaError as exc:
            raise SinkUnavailableError(f"cannot use Kafka topic {self._topic!r}: {exc}") from exc

    def _ensure_topic(self, config: dict[str, Any]) -> None:
        admin = KafkaAdminClient(**config, client_id="clarion-generate-admin")
        try:
            if self._topic not in admin.list_topics():
                topic = NewTopic(
                    name=self._topic,
                    num_partitions=self._kafka.partitions,
                    replication_factor=self._kafka.replication_factor,
                )
                with suppress(TopicAlreadyExistsError):  # created concurrently: fine
                    admin.create_topics([topic])
        finally:
            admin.close()

    def _on_error(self, exc: BaseException) -> None:
        self._failures += 1
        if self._first_failure is None:
            self._first_failure = exc

    def write(self, rows: pa.Table) -> None:
        if self._producer is None:
            raise SinkError("KafkaSink.write called before setup()")
        send, topic, on_error = self._producer.send, self._topic, self._on_error
        keys = [k.encode() for k in rows.column("key").to_pylist()]
        values = rows.column("value").to_pylist()
        try:
            partition_of = self._partitions_of(keys)
            for key, value in zip(keys, values, strict=True):
                send(topic, key=key, value=value.encode(), partition=partition_of[key]).add_errback(
                    on_error
                )
                self.messages_sent += 1
        except KafkaError as exc:
            raise SinkError(
                f"producing to Kafka topic {self._topic!r} failed after "
                f"{self.messages_sent:,} messages: {exc}. Check that the broker is up "
                "(`clarion stack up`) and run again."
            ) from exc

    def _partitions_of(self, keys: list[bytes]) -> dict[bytes, int]:
        assert self._producer is not None
        return key_partitions(keys, partitions=self._producer.partitions_for(self._topic))

    def flush(self) -> None:
        if self._producer is None:
            return
        self._producer.flush()
        if self._failures:
            raise SinkError(
                f"{self._failures} of {self.messages_sent} messages to Kafka topic "
                f"{self._topic!r} were not acknowledged; first error: {self._first_failure}. "
                "Check that the broker is up (`clarion stack up`) and run again."
            )

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
            self._producer = None
