"""Handle one outbound record: dedupe, deliver with retries, record, report (no Kafka here).

Order for each record (docs/adr/0010):

1. parse; a record that is not an :class:`OutboundMessage` for this channel is dead-lettered;
2. look up the notification's status: a final status means it was handled before; the
   same Kafka record replays its receipt (and dead letter), another record is a duplicate;
3. an expired message is not sent (status and receipt ``failed``, error ``expired``);
4. before each provider call, status ``sending`` with the attempt number is written;
5. the final status is written, then the dead letter (if any) and the receipt are handed
   to the sink. The caller flushes the sink before committing the offset.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

import structlog
from pydantic import ValidationError

from serving.delivery.attempts import deliver_with_retries
from serving.delivery.breaker import CircuitBreaker
from serving.delivery.exceptions import DeliveryError
from serving.delivery.metrics import DeliveryMetrics
from serving.delivery.providers.base import DeliveryProvider
from serving.delivery.records import DeadLetter, OutputSink, SourceRecord
from serving.delivery.retry import RetryPolicy
from serving.delivery.status import StatusRecord, StatusStore, TrackedStatus
from serving.outbound import DeliveryReceipt, OutboundMessage

__all__ = ["DeliveryProcessor", "Outcome"]

Outcome = Literal[
    "delivered", "dead_lettered", "failed", "replayed", "skipped_duplicate", "invalid"
]
log = structlog.get_logger("serving.delivery")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DeliveryProcessor:
    def __init__(
        self,
        *,
        provider: DeliveryProvider,
        status: StatusStore,
        sink: OutputSink,
        policy: RetryPolicy,
        breaker: CircuitBreaker,
        sleep: Callable[[float], None],
        clock: Callable[[], datetime] = _utc_now,
        metrics: DeliveryMetrics | None = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.sink = sink
        self.policy = policy
        self.breaker = breaker
        self._sleep = sleep
        self._clock = clock
        self.metrics = metrics

    @property
    def channel(self) -> str:
        return self.provider.channel

    def _now(self) -> datetime:
        """UTC, truncated to milliseconds (Cassandra's precision: replays stay identical)."""
        now = self._clock().astimezone(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

    def handle(self, record: SourceRecord) -> Outcome:
        outcome = self._handle(record)
        if self.metrics is not None:
            self.metrics.outcomes.labels(self.channel, outcome).inc()
        return outcome

    def _handle(self, record: SourceRecord) -> Outcome:
        try:
            message = OutboundMessage.from_json(record.value or b"")
        except ValidationError as exc:
            self._dead_letter(record, "invalid_message", str(exc), attempts=0)
            return "invalid"
        if message.channel != self.channel:
            detail = f"channel {message.channel!r} on the {self.channel} topic"
            self._dead_letter(record, "wrong_channel", detail, attempts=0)
            return "invalid"
        known = self.status.get(message.notification_id)
        if known is not None and known.final:
            return self._already_handled(record, message, known)
        if message.expires_at is not None and message.expires_at <= self._clock():
            row = self._write(
                record,
                message,
                "failed",
                known.attempts if known else 0,
                reason="expired",
                error=f"expired at {message.expires_at}",
            )
            self.sink.receipt(self._receipt(row))
            return "failed"
        outcome = deliver_with_retries(
            message,
            provider=self.provider,
            breaker=self.breaker,
            policy=self.policy,
            sleep=self._sleep,
            attempts_before=known.attempts if known else 0,
            on_attempt=lambda n: self._write(record, message, "sending", n),
            on_failure=self._count_failure,
        )
        row = self._write(
            record,
            message,
            outcome.status,
            outcome.attempts,
            provider_ref=outcome.provider_ref,
            reason=outcome.reason,
            error=outcome.error,
        )
        if outcome.status == "dead_lettered":
            self._dead_letter(
                record, outcome.reason or "failed", outcome.error or "", attempts=outcome.attempts
            )
        self.sink.receipt(self._receipt(row))
        if self.metrics is not None and outcome.status == "delivered":
            latency = (row.updated_at - message.decided_at).total_seconds()
            self.metrics.latency.labels(self.channel).observe(max(0.0, latency))
        log.info(
            "notification handled",
            notification_id=message.notification_id,
            user_id=message.user_id,
            status=outcome.status,
            attempts=outcome.attempts,
            reason=outcome.reason,
        )
        return outcome.status

    def _already_handled(
        self, record: SourceRecord, message: OutboundMessage, known: StatusRecord
    ) -> Outcome:
        if known.same_source(record.topic, record.partition, record.offset):
            # A redelivery of the record we handled (crash or rebalance before the commit):
            # replay exactly what was reported, in case it never reached Kafka.
            if known.status == "dead_lettered":
                self._dead_letter(
                    record, known.reason or "failed", known.error or "", attempts=known.attempts
                )
            self.sink.receipt(self._receipt(known))
            return "replayed"
        self.sink.receipt(
            DeliveryReceipt(
                notification_id=message.notification_id,
                user_id=message.user_id,
                channel=message.channel,
                status="skipped_duplicate",
                attempts=0,
                provider=self.provider.name,
                error=f"already {known.status} from {known.source_topic}"
                f"[{known.source_partition}]@{known.source_offset}",
                at=self._now(),
            )
        )
        return "skipped_duplicate"

    def _write(
        self,
        record: SourceRecord,
        message: OutboundMessage,
        status: TrackedStatus,
        attempts: int,
        *,
        provider_ref: str | None = None,
        reason: str | None = None,
        error: str | None = None,
    ) -> StatusRecord:
        row = StatusRecord(
            notification_id=message.notification_id,
            user_id=message.user_id,
            channel=message.channel,
            status=status,
            attempts=attempts,
            provider=self.provider.name,
            updated_at=self._now(),
            source_topic=record.topic,
            source_partition=record.partition,
            source_offset=record.offset,
            provider_ref=provider_ref,
            reason=reason,
            error=error[:1000] if error else None,
        )
        self.status.put(row)
        if self.metrics is not None and status == "sending":
            self.metrics.attempts.labels(self.channel).inc()
        return row

    def _receipt(self, row: StatusRecord) -> DeliveryReceipt:
        """The receipt of a final status (a ``sending`` row has no outcome to report)."""
        if row.status == "sending":
            raise ValueError(f"{row.notification_id}: no receipt before a final status")
        return DeliveryReceipt(
            notification_id=row.notification_id,
            user_id=row.user_id,
            channel=row.channel,
            status=row.status,
            attempts=row.attempts,
            provider=row.provider,
            error=row.error,
            at=row.updated_at,
        )

    def _dead_letter(
        self, record: SourceRecord, reason: str, detail: str, *, attempts: int
    ) -> None:
        self.sink.dead_letter(DeadLetter(record, reason, detail, attempts))
        if self.metrics is not None:
            self.metrics.dead_letters.labels(self.channel, reason).inc()
        log.warning(
            "dead-lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
            detail=detail[:300],
        )

    def _count_failure(self, error: DeliveryError) -> None:
        if self.metrics is not None:
            self.metrics.failures.labels(self.channel, error.reason).inc()
