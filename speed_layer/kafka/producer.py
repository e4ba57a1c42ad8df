"""The transactional producer: dead letters, intents and the consumed offsets of one batch
become visible together (commit) or not at all (abort)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from clarion.kafka_transactions import FATAL_ERRORS, OutputRecord, TransactionalProducer
from speed_layer.exceptions import DeliveryError
from speed_layer.models import DeadLetter, Intent
from speed_layer.options import ConsumerOptions

__all__ = ["FATAL_ERRORS", "TransactionalPublisher"]


class TransactionalPublisher:
    def __init__(self, options: ConsumerOptions) -> None:
        self.options = options
        self.producer = TransactionalProducer(
            options.kafka,
            client_id=f"clarion-speed-{options.instance_id}",
            transactional_id=options.transactional_id,
            transaction_timeout_ms=int(options.transaction_timeout.total_seconds() * 1000),
            fatal_error=DeliveryError,
            max_request_size=2 * 1024 * 1024,
        )

    def start(self) -> None:
        """Fence any earlier producer with this transactional id (see
        :meth:`~clarion.kafka_transactions.TransactionalProducer.start`)."""
        self.producer.start()

    def publish(
        self,
        *,
        dead_letters: Sequence[DeadLetter],
        intents: Sequence[Intent],
        offsets: dict[TopicPartition, OffsetAndMetadata],
        group_metadata: Any,
    ) -> None:
        """One transaction: the dead letters, the intents, then the offsets, then commit.

        Raises:
            DeliveryError: fenced or unauthorized; the process must stop.
            kafka.errors.KafkaError: the transaction was aborted; rewind and retry.
        """
        o = self.options
        records: list[OutputRecord] = [
            (o.dlq_topic, letter.message.key, letter.message.value, letter.headers())
            for letter in dead_letters
        ]
        records += [(o.intents_topic, intent.key(), intent.to_json(), ()) for intent in intents]
        self.producer.publish(records, offsets=offsets, group_metadata=group_metadata)

    def close(self) -> None:
        self.producer.close()
