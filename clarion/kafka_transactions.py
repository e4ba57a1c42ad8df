"""The transactional producer of Clarion's consumers: a batch's output records and its
consumed offsets become visible together (commit) or not at all (abort).

The speed layer and the dispatcher each read a topic and write others; both publish one
transaction per batch through :class:`TransactionalProducer`, so a crash between
producing and committing never duplicates or loses an output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kafka import KafkaProducer
from kafka import errors as kafka_errors
from kafka.structs import OffsetAndMetadata, TopicPartition

from clarion.exceptions import ClarionError
from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings

__all__ = ["FATAL_ERRORS", "OutputRecord", "TransactionalProducer"]

# A retry cannot fix these: another process owns the transactional id, or we may not write.
FATAL_ERRORS: tuple[type[BaseException], ...] = (
    kafka_errors.ProducerFencedError,
    kafka_errors.InvalidProducerEpochError,
    kafka_errors.TransactionalIdAuthorizationFailedError,
    kafka_errors.AuthorizationError,
    kafka_errors.UnsupportedVersionError,
)

# (topic, key, value, headers)
OutputRecord = tuple[str, bytes | None, bytes | None, Sequence[tuple[str, bytes]]]


class TransactionalProducer:
    """One kafka-python producer with a transactional id; one transaction per batch.

    Args:
        kafka: the connection settings.
        client_id: the client id the broker logs.
        transactional_id: stable per process slot, so a restarted process fences the old one.
        transaction_timeout_ms: the broker aborts a transaction left open longer than this.
        fatal_error: raised (from the Kafka error) when Kafka refuses for good; the
            area's own error, so its callers stop the process.
        tuning: more ``KafkaProducer`` options (``max_request_size``, ``batch_size``, ...).
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        client_id: str,
        transactional_id: str,
        transaction_timeout_ms: int,
        fatal_error: type[ClarionError],
        linger_ms: int = 5,
        **tuning: Any,
    ) -> None:
        self._fatal_error = fatal_error
        self.client = KafkaProducer(
            **client_options(kafka),
            client_id=client_id,
            transactional_id=transactional_id,
            transaction_timeout_ms=transaction_timeout_ms,
            linger_ms=linger_ms,
            **tuning,
        )

    def start(self) -> None:
        """Fence any earlier producer with this transactional id and abort its open
        transaction, so nothing it wrote after its last commit ever becomes visible."""
        self.client.init_transactions()

    def publish(
        self,
        records: Iterable[OutputRecord],
        *,
        offsets: Mapping[TopicPartition, OffsetAndMetadata],
        group_metadata: Any,
    ) -> None:
        """One transaction: the records, then the consumed offsets, then commit.

        Raises:
            ClarionError: ``fatal_error``, fenced or unauthorized; the process must stop.
            kafka.errors.KafkaError: the transaction was aborted; rewind and retry.
        """
        client = self.client
        client.begin_transaction()
        try:
            for topic, key, value, headers in records:
                client.send(topic, key=key, value=value, headers=list(headers) or None)
            if offsets:
                client.send_offsets_to_transaction(dict(offsets), group_metadata)
            client.commit_transaction()
        except FATAL_ERRORS as exc:
            raise self._fatal_error(f"Kafka refused the transaction for good: {exc!r}") from exc
        except Exception:
            self.abort()
            raise

    def abort(self) -> None:
        try:
            self.client.abort_transaction()
        except FATAL_ERRORS as exc:
            raise self._fatal_error(f"Kafka refused the abort: {exc!r}") from exc
        except kafka_errors.KafkaError:
            pass  # no transaction in progress, or the coordinator already aborted it

    def close(self) -> None:
        self.client.close(timeout=5)
