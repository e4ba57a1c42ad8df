"""The processor with real in-memory parts: provider, status store and sink."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from serving.delivery import (
    CircuitBreaker,
    DeliveryMetrics,
    DeliveryProcessor,
    InMemorySink,
    InMemoryStatusStore,
    PermanentDeliveryError,
    RetryPolicy,
    SourceRecord,
    TransientDeliveryError,
)
from serving.delivery.providers import InMemoryProvider
from serving.outbound import OutboundMessage
from tests.serving.delivery._messages import outbound

NOW = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)


class FakeTime:
    """Clock and sleep in one: sleeping advances the clock."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def record(message: OutboundMessage | bytes, offset: int = 0, partition: int = 0) -> SourceRecord:
    value = message if isinstance(message, bytes) else message.to_json()
    return SourceRecord("outbound.webhook", partition, offset, b"u", value)


def make(
    failures: list[Exception] | None = None, *, attempts: int = 3, threshold: int = 5
) -> tuple[DeliveryProcessor, InMemoryProvider, InMemoryStatusStore, InMemorySink, FakeTime]:
    time = FakeTime()
    provider = InMemoryProvider(channel="webhook", failures=failures)
    status, sink = InMemoryStatusStore(), InMemorySink()
    processor = DeliveryProcessor(
        provider=provider,
        status=status,
        sink=sink,
        policy=RetryPolicy(max_attempts=attempts, base_delay=1, max_delay=4, jitter="none"),
        breaker=CircuitBreaker(failure_threshold=threshold, reset_timeout=30, clock=time.monotonic),
        sleep=time.sleep,
        clock=lambda: NOW,
        metrics=DeliveryMetrics(),
    )
    return processor, provider, status, sink, time


def test_delivers_records_status_and_receipt() -> None:
    processor, provider, status, sink, _ = make()
    msg = outbound(1)
    assert processor.handle(record(msg)) == "delivered"
    assert provider.accepted == [msg]
    row = status.get(msg.notification_id)
    assert row is not None and row.status == "delivered" and row.attempts == 1
    assert [w.status for w in status.writes] == ["sending", "delivered"]
    [receipt] = sink.receipts
    assert (receipt.status, receipt.attempts, receipt.notification_id) == (
        "delivered",
        1,
        msg.notification_id,
    )
    assert sink.dead_letters == []


def test_transient_failures_back_off_then_succeed() -> None:
    processor, provider, status, sink, time = make([TransientDeliveryError("503")] * 2)
    assert processor.handle(record(outbound(1))) == "delivered"
    assert provider.calls == 3 and time.sleeps == [1, 2]
    assert sink.receipts[0].attempts == 3
    assert [w.attempts for w in status.writes] == [1, 2, 3, 3]


def test_last_failure_dead_letters_with_the_reason() -> None:
    failures: list[Exception] = [TransientDeliveryError("boom", reason="http_503")] * 3
    processor, _, status, sink, _ = make(failures)
    msg = outbound(1)
    assert processor.handle(record(msg, offset=7)) == "dead_lettered"
    [letter] = sink.dead_letters
    assert letter.reason == "retries_exhausted" and letter.attempts == 3
    assert letter.record.value == msg.to_json() and "boom" in letter.detail
    headers = dict(letter.headers())
    assert headers["clarion.source.offset"] == b"7"
    assert sink.receipts[0].status == "dead_lettered" and sink.receipts[0].error == "boom"
    assert status.get(msg.notification_id).status == "dead_lettered"  # type: ignore[union-attr]


def test_permanent_failure_is_not_retried() -> None:
    failures: list[Exception] = [PermanentDeliveryError("410 gone", reason="http_410")]
    processor, provider, _, sink, time = make(failures)
    assert processor.handle(record(outbound(1))) == "dead_lettered"
    assert provider.calls == 1 and time.sleeps == []
    assert sink.dead_letters[0].reason == "http_410"


@pytest.mark.parametrize(
    ("value", "reason"),
    [(b"not json", "invalid_message"), (outbound(1, channel="email").to_json(), "wrong_channel")],
)
def test_bad_records_are_dead_lettered_not_lost(value: bytes, reason: str) -> None:
    processor, provider, _, sink, _ = make()
    assert processor.handle(record(value)) == "invalid"
    assert provider.calls == 0 and sink.receipts == []
    assert sink.dead_letters[0].reason == reason and sink.dead_letters[0].record.value == value


def test_redelivered_record_replays_its_receipt_without_sending() -> None:
    processor, provider, _, sink, _ = make()
    msg = outbound(1)
    processor.handle(record(msg, offset=3))
    assert processor.handle(record(msg, offset=3)) == "replayed"
    assert provider.calls == 1
    assert sink.receipts[0] == sink.receipts[1]


def test_replayed_dead_letter_is_dead_lettered_again() -> None:
    processor, _, _, sink, _ = make([PermanentDeliveryError("no")])
    msg = outbound(1)
    processor.handle(record(msg, offset=3))
    processor.handle(record(msg, offset=3))
    assert len(sink.dead_letters) == 2 and sink.receipts[0] == sink.receipts[1]


def test_second_record_of_one_notification_is_skipped() -> None:
    processor, provider, _, sink, _ = make()
    msg = outbound(1)
    processor.handle(record(msg, offset=3))
    assert processor.handle(record(msg, offset=9)) == "skipped_duplicate"
    assert provider.calls == 1
    assert sink.receipts[1].status == "skipped_duplicate" and "@3" in (sink.receipts[1].error or "")


def test_crash_after_sending_resends_and_keeps_counting_attempts() -> None:
    processor, provider, status, sink, _ = make(attempts=3)
    msg = outbound(1)
    processor.handle(record(msg))
    row = status.get(msg.notification_id)
    assert row is not None
    status.rows[msg.notification_id] = replace(row, status="sending", attempts=2)
    status.writes.clear()
    sink.receipts.clear()
    processor.handle(record(msg))  # the provider may already have it: resend, same id
    assert provider.calls == 2 and sink.receipts[0].attempts == 3


def test_expired_message_is_not_sent() -> None:
    processor, provider, _, sink, _ = make()
    msg = outbound(1, expires_at=NOW)
    assert processor.handle(record(msg)) == "failed"
    assert provider.calls == 0
    assert sink.receipts[0].status == "failed" and "expired" in (sink.receipts[0].error or "")


def test_open_breaker_waits_instead_of_calling() -> None:
    failures: list[Exception] = [TransientDeliveryError("down")] * 4
    processor, provider, _, sink, time = make(failures, attempts=5, threshold=2)
    assert processor.handle(record(outbound(1))) == "delivered"
    # two failures open the breaker; each later try waits out the 30 s reset first
    assert provider.calls == 5
    assert processor.breaker.opened_count == 3
    assert sum(time.sleeps) >= 3 * 30
    assert processor.breaker.state == "closed"
    assert sink.receipts[0].attempts == 5
