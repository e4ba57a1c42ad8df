"""Thin kafka-python adapters: the intents consumer, the transactional producer, topic setup.

The consumer is a member of the dispatchers' group, ``read_committed``, and never
commits by itself: offsets travel in the producer's transaction with the outbound
messages and dead letters of the same batch, so they become visible together or
not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import ConsumerRebalanceListener
from kafka import errors as kafka_errors
from kafka.structs import OffsetAndMetadata, TopicPartition

from clarion import kafka_topics
from clarion.kafka_consumers import group_consumer, rewind_to_committed
from clarion.kafka_transactions import FATAL_ERRORS, TransactionalProducer
from clarion.settings import KafkaSettings
from serving.dispatch.exceptions import DispatchError
from serving.dispatch.runtime.options import RuntimeOptions

__all__ = [
    "FATAL_ERRORS",
    "IntentConsumer",
    "OutboundProducer",
    "Record",
    "ensure_topics",
]


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, on_revoked: Callable[[], None] | None = None) -> None:
        self.lock = threading.Lock()
        self.changed = False
        self._on_revoked = on_revoked

    def on_partitions_revoked(self, revoked: Any) -> None:
        if self._on_revoked is not None:
            self._on_revoked()  # while the generation is still ours: let its commit land
        with self.lock:
            self.changed = True

    def on_partitions_assigned(self, assigned: Any) -> None:
        with self.lock:
            self.changed = True


class IntentConsumer:
    """``on_revoked`` runs (in ``poll``) before this member gives its partitions up: the
    dispatcher finishes the transaction of the batch it decided from them there."""

    def __init__(
        self, options: RuntimeOptions, *, on_revoked: Callable[[], None] | None = None
    ) -> None:
        self._options = options
        self._listener = _Listener(on_revoked)
        self.client = group_consumer(
            options.kafka,
            group_id=options.group_id,
            client_id=f"clarion-dispatcher-{options.instance_id}",
            max_poll_records=options.batch_size,
            session_timeout_ms=int(options.session_timeout_seconds * 1000),
        )
        self.client.subscribe([options.intents_topic], listener=self._listener)

    def poll(self, *, timeout_seconds: float) -> list[Record]:
        batch = self.client.poll(
            timeout_ms=int(timeout_seconds * 1000), max_records=self._options.batch_size
        )
        return [
            Record(tp.topic, tp.partition, r.offset, r.key, r.value, r.timestamp)
            for tp, records in batch.items()
            for r in records
        ]

    def assigned(self) -> bool:
        """Whether the group gave this member any partition yet."""
        return bool(self.client.assignment())

    def rebalanced(self) -> bool:
        """True once after the assignment changed (positions then restart from commits)."""
        with self._listener.lock:
            changed, self._listener.changed = self._listener.changed, False
        return changed

    def lag(self) -> int:
        """Records behind the high watermark over every assigned partition."""
        total = 0
        for tp in self.client.assignment():
            try:
                high = self.client.highwater(tp)
                position = self.client.position(tp)
            except (kafka_errors.KafkaError, AssertionError):
                continue
            if high is not None and position is not None:
                total += max(0, int(high) - int(position))
        return total

    def rewind(self) -> None:
        """Every assigned partition back to its committed offset (after a lost transaction)."""
        rewind_to_committed(self.client)

    def group_metadata(self) -> Any:
        return self.client.group_metadata()

    def close(self) -> None:
        self.client.close(autocommit=False)


def next_offsets(records: Sequence[Record]) -> dict[TopicPartition, OffsetAndMetadata]:
    """The offset to commit per partition: one past the last record handled."""
    out: dict[TopicPartition, OffsetAndMetadata] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        if tp not in out or out[tp].offset <= r.offset:
            out[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
    return out


class OutboundProducer(TransactionalProducer):
    """One transaction per batch: outbound messages, dead letters, then the offsets.

    :meth:`publish` raises :class:`DispatchError` when Kafka refuses for good (fenced
    or unauthorized: this process must stop) and a ``KafkaError`` when the transaction
    was aborted (the caller may retry the same batch).
    """

    def __init__(self, options: RuntimeOptions) -> None:
        super().__init__(
            options.kafka,
            client_id=f"clarion-dispatcher-{options.instance_id}",
            transactional_id=options.transactional_id,
            transaction_timeout_ms=int(options.transaction_timeout_seconds * 1000),
            fatal_error=DispatchError,
            batch_size=256 * 1024,
            max_request_size=4 * 1024 * 1024,
        )


def ensure_topics(kafka: KafkaSettings, partitions: Mapping[str, int]) -> list[str]:
    """Create each missing topic with its partition count; return the ones created."""
    return kafka_topics.ensure_topics(kafka, partitions, client_id="clarion-dispatcher-admin")
