"""The Kafka side of a worker: a group consumer without auto-commit and the output producer.

Receipts go to ``delivery.receipts`` (key = user id) and dead letters to
``outbound.<channel>.dlq`` (the original key and bytes). ``flush`` blocks until the
broker acknowledged all of them (``acks=all``), and only then does the worker commit.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from clarion.kafka_consumers import group_consumer, rewind_to_committed
from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings
from serving.delivery.records import DeadLetter, OutputSink, SourceRecord
from serving.outbound import DeliveryReceipt

__all__ = ["KafkaOutputSink", "OutboundConsumer", "dlq_topic"]


def dlq_topic(outbound: str) -> str:
    """``outbound.<channel>.dlq`` for ``outbound.<channel>``."""
    return f"{outbound}.dlq"


class KafkaOutputSink(OutputSink):
    def __init__(self, kafka: KafkaSettings, *, receipts_topic: str, dlq: str) -> None:
        self.receipts_topic, self.dlq = receipts_topic, dlq
        self.client = KafkaProducer(
            **client_options(kafka), acks="all", linger_ms=5, client_id="clarion-delivery"
        )

    def receipt(self, receipt: DeliveryReceipt) -> None:
        self.client.send(self.receipts_topic, key=receipt.user_id.encode(), value=receipt.to_json())

    def dead_letter(self, letter: DeadLetter) -> None:
        r = letter.record
        self.client.send(self.dlq, key=r.key, value=r.value or b"", headers=letter.headers())

    def flush(self) -> None:
        self.client.flush(timeout=30)

    def close(self) -> None:
        self.client.close(timeout=5)


class OutboundConsumer:
    """Member of group ``delivery.<channel>`` on ``outbound.<channel>``.

    ``instance_id`` (static membership) lets a restarted process take its partitions
    back at once instead of waiting for the dead member's session to time out.
    """

    def __init__(
        self,
        kafka: KafkaSettings,
        *,
        topic: str,
        group_id: str,
        batch_size: int,
        max_poll_interval_s: float,
        instance_id: str | None = None,
    ) -> None:
        self.topic = topic
        self.client = group_consumer(
            kafka,
            group_id=group_id,
            client_id=f"clarion-{group_id}",
            max_poll_records=batch_size,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
            fetch_max_wait_ms=200,
            group_instance_id=instance_id,
            max_poll_interval_ms=int(max_poll_interval_s * 1000),
        )
        self.client.subscribe([topic])

    def poll(self, timeout_s: float) -> list[SourceRecord]:
        batch = self.client.poll(timeout_ms=int(timeout_s * 1000))
        out = []
        for tp, records in sorted(batch.items(), key=lambda kv: kv[0].partition):
            for r in records:
                out.append(SourceRecord(tp.topic, tp.partition, r.offset, r.key, r.value))
        return out

    def commit(self, next_offsets: dict[int, int]) -> None:
        offsets = {
            TopicPartition(self.topic, p): OffsetAndMetadata(o, "", -1)
            for p, o in next_offsets.items()
        }
        self.client.commit(offsets)

    def seek(self, partition: int, offset: int) -> None:
        self.client.seek(TopicPartition(self.topic, partition), offset)

    def rewind(self) -> None:
        """Seek every assigned partition back to its committed offset (redo what was not
        committed; the status table turns the redo into replays)."""
        rewind_to_committed(self.client)

    def assigned(self) -> bool:
        """Whether the group gave this member any partition yet."""
        return bool(self.client.assignment())

    def lags(self) -> dict[int, int]:
        out = {}
        for tp in self.client.assignment():
            high = self.client.highwater(tp)
            if high is not None:
                out[tp.partition] = max(0, int(high) - int(self.client.position(tp)))
        return out

    def close(self) -> None:
        self.client.close(autocommit=False)

    @property
    def raw(self) -> Any:
        return self.client
