"""The transactional producer: dead letters, intents and the consumed offsets of one batch
become visible together (commit) or not at all (abort)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer, TopicPartition
from kafka import errors as kafka_errors
from kafka.structs import OffsetAndMetadata

from clarion.kafka_options import client_options
from speed_layer.exceptions import DeliveryError
from speed_layer.models import DeadLetter, Intent
from speed_layer.options import ConsumerOptions

__all__ = ["FATAL_ERRORS", "TransactionalPublisher"]

# A retry cannot fix these: another process owns the transactional id, or we may not write.
FATAL_ERRORS: tuple[type[BaseException], ...] = (
    kafka_errors.ProducerFencedError,
    kafka_errors.InvalidProducerEpochError,
    kafka_errors.TransactionalIdAuthorizationFailedError,
    kafka_errors.AuthorizationError,
    kafka_errors.UnsupportedVersionError,
)


class TransactionalPublisher:
    def __init__(self, options: ConsumerOptions) -> None:
        self.options = options
        self.client = KafkaProducer(
            **client_options(options.kafka),
            client_id=f"clarion-speed-{options.instance_id}",
            transactional_id=options.transactional_id,
            transaction_timeout_ms=int(options.transaction_timeout.total_seconds() * 1000),
            linger_ms=5,
            max_request_size=2 * 1024 * 1024,
        )

    def start(self) -> None:
        """Fence any earlier producer with this transactional id and abort its open
        transaction, so nothing it wrote after its last commit ever becomes visible."""
        self.client.init_transactions()

    def publish(
        self,
        *,
        dead_letters: Sequence[DeadLetter],
        intents: Sequence[Intent],
        offsets: dict[TopicPartition, OffsetAndMetadata],
        group_metadata: Any,
    ) -> None:
        """One transaction: the records, then the offsets, then commit.

        Raises:
            DeliveryError: fenced or unauthorized; the process must stop.
            kafka.errors.KafkaError: the transaction was aborted; rewind and retry.
        """
        client = self.client
        client.begin_transaction()
        try:
            for letter in dead_letters:
                client.send(
                    self.options.dlq_topic,
                    key=letter.message.key,
                    value=letter.message.value,
                    headers=letter.headers(),
                )
            for intent in intents:
                client.send(self.options.intents_topic, key=intent.key(), value=intent.to_json())
            client.send_offsets_to_transaction(offsets, group_metadata)
            client.commit_transaction()
        except FATAL_ERRORS as exc:
            raise DeliveryError(f"Kafka refused the transaction for good: {exc!r}") from exc
        except Exception:
            self.abort()
            raise

    def abort(self) -> None:
        try:
            self.client.abort_transaction()
        except FATAL_ERRORS as exc:
            raise DeliveryError(f"Kafka refused the abort: {exc!r}") from exc
        except kafka_errors.KafkaError:
            pass  # no transaction in progress, or the coordinator already aborted it

    def close(self) -> None:
        self.client.close(timeout=5)
