"""Thin kafka-python adapters: the intents consumer, the transactional producer, topic setup.

The consumer is a member of the dispatchers' group, ``read_committed``, and never
commits by itself: offsets travel in the producer's transaction with the outbound
messages and dead letters of the same batch, so they become visible together or
not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import errors as kafka_errors
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata, TopicPartition

from clarion.kafka_options import client_options
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

# A retry cannot fix these: another process took our transactional id, or we may not write.
FATAL_ERRORS: tuple[type[BaseException], ...] = (
    kafka_errors.ProducerFencedError,
    kafka_errors.InvalidProducerEpochError,
    kafka_errors.TransactionalIdAuthorizationFailedError,
    kafka_errors.AuthorizationError,
)


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changed = False

    def on_partitions_revoked(self, revoked: Any) -> None:
        with self.lock:
            self.changed = True

    def on_partitions_assigned(self, assigned: Any) -> None:
        with self.lock:
            self.changed = True


class IntentConsumer:
    def __init__(self, options: RuntimeOptions) -> None:
        self._options = options
        self._listener = _Listener()
        session_ms = int(options.session_timeout_seconds * 1000)
        self.client = KafkaConsumer(
            **client_options(options.kafka),
            group_id=options.group_id,
            client_id=f"clarion-dispatcher-{options.instance_id}",
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_poll_records=options.batch_size,
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(500, session_ms // 4),
            fetch_max_wait_ms=100,
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
        for tp in self.client.assignment():
            committed = self.client.committed(tp)
            if committed is not None:
                self.client.seek(tp, committed)
            else:
                self.client.seek_to_beginning(tp)

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


class OutboundProducer:
    """One transaction per batch: outbound messages, dead letters, then the offsets."""

    def __init__(self, options: RuntimeOptions) -> None:
        self.client = KafkaProducer(
            **client_options(options.kafka),
            client_id=f"clarion-dispatcher-{options.instance_id}",
            transactional_id=options.transactional_id,
            transaction_timeout_ms=int(options.transaction_timeout_seconds * 1000),
            linger_ms=5,
            batch_size=256 * 1024,
            max_request_size=4 * 1024 * 1024,
        )

    def start(self) -> None:
        """Fence an earlier producer with our transactional id and abort what it left open."""
        self.client.init_transactions()

    def publish(
        self,
        records: Sequence[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]],
        *,
        offsets: Mapping[TopicPartition, OffsetAndMetadata],
        group_metadata: Any,
    ) -> None:
        """``(topic, key, value, headers)`` records and the offsets, in one transaction.

        Raises:
            DispatchError: fenced or unauthorized; this process must stop.
            kafka.errors.KafkaError: aborted; the caller may retry the same batch.
        """
        client = self.client
        client.begin_transaction()
        try:
            for topic, key, value, headers in records:
                client.send(topic, key=key, value=value, headers=headers or None)
            if offsets:
                client.send_offsets_to_transaction(dict(offsets), group_metadata)
            client.commit_transaction()
        except FATAL_ERRORS as exc:
            raise DispatchError(f"Kafka refused the transaction for good: {exc!r}") from exc
        except Exception:
            self.abort()
            raise

    def abort(self) -> None:
        try:
            self.client.abort_transaction()
        except FATAL_ERRORS as exc:
            raise DispatchError(f"Kafka refused the abort: {exc!r}") from exc
        except kafka_errors.KafkaError:
            pass  # nothing in progress, or the coordinator already aborted it

    def close(self) -> None:
        self.client.close(timeout=5)


def ensure_topics(kafka: KafkaSettings, partitions: Mapping[str, int]) -> list[str]:
    """Create each missing topic with its partition count; return the ones created."""
    admin = KafkaAdminClient(**client_options(kafka), client_id="clarion-dispatcher-admin")
    try:
        existing = set(admin.list_topics())
        created = []
        for name, count in partitions.items():
            if name in existing:
                continue
            try:
                admin.create_topics([NewTopic(name, count, kafka.replication_factor)])
                created.append(name)
            except kafka_errors.TopicAlreadyExistsError:
                pass
        if created:
            admin.wait_for_topics(created, timeout_ms=20_000)
        return created
    finally:
        admin.close()
