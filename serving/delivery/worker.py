"""The worker loop: poll a batch, handle each record, flush the outputs, then commit.

Offsets are committed only after the status rows (written synchronously while
handling) and the receipts and dead letters (``sink.flush()``) are durable, so a
crash at any point leads to a redelivery that the status table turns into a replay,
never a lost notification. A batch that runs longer than ``max_batch_seconds``
(slow provider, long backoff, open breaker) stops early, commits what it finished and
rewinds the rest, so the consumer keeps its place in the group.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from cassandra import DriverException, OperationTimedOut
from cassandra.cluster import NoHostAvailable
from kafka import errors as kafka_errors

from serving.delivery.kafka_io import KafkaOutputSink, OutboundConsumer
from serving.delivery.processor import DeliveryProcessor

__all__ = ["DeliveryWorker", "WorkerStats"]

log = structlog.get_logger("serving.delivery")

# Failures of the status table or Kafka, not of one message: retry the batch later.
_INFRA_ERRORS = (
    DriverException,
    NoHostAvailable,
    OperationTimedOut,
    kafka_errors.KafkaError,
    OSError,
)


@dataclass
class WorkerStats:
    batches: int = 0
    records: int = 0
    commits_failed: int = 0


class DeliveryWorker:
    def __init__(
        self,
        *,
        processor: DeliveryProcessor,
        consumer: OutboundConsumer,
        sink: KafkaOutputSink,
        poll_timeout: float = 0.5,
        max_batch_seconds: float = 120.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.processor = processor
        self.consumer = consumer
        self.sink = sink
        self.poll_timeout = poll_timeout
        self.max_batch_seconds = max_batch_seconds
        self._monotonic = monotonic
        self.stats = WorkerStats()

    def run(self, *, stop: threading.Event, idle_exit_after: int | None = None) -> WorkerStats:
        """Loop until ``stop`` is set, or after ``idle_exit_after`` empty polls in a row
        with partitions assigned (a batch run that drains the topic, then exits)."""
        log.info(
            "delivery worker started", channel=self.processor.channel, topic=self.consumer.topic
        )
        idle, failures = 0, 0
        while not stop.is_set():
            try:
                handled = self.run_once()
                failures = 0
            except _INFRA_ERRORS as exc:
                # The status table or Kafka is unreachable: nothing of this batch was
                # committed, so rewind to the committed offsets and try again later.
                failures += 1
                pause = min(30.0, 0.5 * 2**failures)
                log.error("batch failed; rewinding", error=repr(exc), retry_in=pause)
                self.consumer.rewind()
                stop.wait(pause)
                continue
            if handled or not self.consumer.assigned():
                idle = 0  # still joining the group is not idleness
            else:
                idle += 1
            if idle_exit_after is not None and idle >= idle_exit_after:
                break
        log.info("delivery worker stopping", records=self.stats.records)
        return self.stats

    def run_once(self) -> int:
        records = self.consumer.poll(self.poll_timeout)
        if not records:
            self._observe_lag()
            return 0
        started = self._monotonic()
        next_offsets: dict[int, int] = {}
        rewind: dict[int, int] = {}
        handled = 0
        for record in records:
            if record.partition in rewind:
                continue
            if next_offsets and self._monotonic() - started > self.max_batch_seconds:
                rewind[record.partition] = record.offset
                continue
            self.processor.handle(record)
            handled += 1
            next_offsets[record.partition] = record.offset + 1
        self.sink.flush()
        try:
            self.consumer.commit(next_offsets)
        except kafka_errors.KafkaError as exc:  # rebalanced away: the new owner replays
            self.stats.commits_failed += 1
            log.warning("offset commit failed; records will be redelivered", error=repr(exc))
        for partition, offset in rewind.items():
            self.consumer.seek(partition, offset)
        self.stats.batches += 1
        self.stats.records += handled
        self._observe_lag()
        return len(records)

    def _observe_lag(self) -> None:
        metrics = self.processor.metrics
        if metrics is None:
            return
        try:
            lags = self.consumer.lags()
        except kafka_errors.KafkaError:
            return
        for partition, lag in lags.items():
            metrics.lag.labels(str(partition)).set(lag)

    def close(self) -> None:
        for close in (self.consumer.close, self.sink.close, self.processor.provider.close):
            try:
                close()
            except Exception as exc:  # closing must not hide the reason we stopped
                log.warning("close failed", error=repr(exc))
