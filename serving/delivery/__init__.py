"""Delivery workers: one kind per channel, ``outbound.<channel>`` -> provider -> receipts.

Pure parts: :class:`RetryPolicy` (backoff with jitter), :class:`CircuitBreaker`,
:func:`deliver_with_retries` and :class:`DeliveryProcessor` (dedupe, status, receipts,
dead letters). Adapters: providers (webhook, SMTP, push, inbox), the Cassandra status
table, Kafka in and out. See README.md and docs/adr/0010-delivery.md.
"""

from serving.delivery.attempts import AttemptOutcome, deliver_with_retries
from serving.delivery.breaker import BreakerState, CircuitBreaker
from serving.delivery.exceptions import (
    DeliveryError,
    PermanentDeliveryError,
    ProviderConfigError,
    TransientDeliveryError,
)
from serving.delivery.metrics import DeliveryMetrics
from serving.delivery.processor import DeliveryProcessor, Outcome
from serving.delivery.records import DeadLetter, InMemorySink, OutputSink, SourceRecord
from serving.delivery.retry import Jitter, RetryPolicy
from serving.delivery.status import InMemoryStatusStore, StatusRecord, StatusStore

__all__ = [
    "AttemptOutcome",
    "BreakerState",
    "CircuitBreaker",
    "DeadLetter",
    "DeliveryError",
    "DeliveryMetrics",
    "DeliveryProcessor",
    "InMemorySink",
    "InMemoryStatusStore",
    "Jitter",
    "Outcome",
    "OutputSink",
    "PermanentDeliveryError",
    "ProviderConfigError",
    "RetryPolicy",
    "SourceRecord",
    "StatusRecord",
    "StatusStore",
    "TransientDeliveryError",
    "deliver_with_retries",
]
