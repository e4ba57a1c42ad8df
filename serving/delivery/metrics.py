"""Prometheus metrics of one delivery worker (``run --metrics-port`` serves ``/metrics``).

* ``clarion_delivery_outcomes_total{channel,outcome}``: delivered, dead_lettered, failed,
  replayed, skipped_duplicate, invalid (one per record handled)
* ``clarion_delivery_attempts_total{channel}``: calls to the provider
* ``clarion_delivery_failures_total{channel,reason}``: failed calls, by reason
* ``clarion_delivery_dead_letters_total{channel,reason}``
* ``clarion_delivery_latency_seconds{channel}``: dispatcher decision -> provider accepted
* ``clarion_delivery_breaker_state{channel}``: 0 closed, 1 half-open, 2 open
* ``clarion_delivery_breaker_opened_total{channel}``
* ``clarion_delivery_consumer_lag{partition}``: records behind the high watermark
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from clarion.metrics_endpoint import MetricsEndpoint

__all__ = ["BREAKER_LEVELS", "DeliveryMetrics"]

BREAKER_LEVELS = {"closed": 0, "half_open": 1, "open": 2}
_LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)


class DeliveryMetrics(MetricsEndpoint):
    """The metrics of one process, in their own registry (tests run several in one process)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        r = self.registry
        self.outcomes = Counter(
            "clarion_delivery_outcomes",
            "Outbound records handled, by outcome.",
            ["channel", "outcome"],
            registry=r,
        )
        self.attempts = Counter(
            "clarion_delivery_attempts", "Calls to the provider.", ["channel"], registry=r
        )
        self.failures = Counter(
            "clarion_delivery_failures",
            "Failed provider calls, by reason.",
            ["channel", "reason"],
            registry=r,
        )
        self.dead_letters = Counter(
            "clarion_delivery_dead_letters",
            "Records sent to outbound.<channel>.dlq, by reason.",
            ["channel", "reason"],
            registry=r,
        )
        self.latency = Histogram(
            "clarion_delivery_latency_seconds",
            "From the dispatcher's decision to the provider's acceptance.",
            ["channel"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.breaker = Gauge(
            "clarion_delivery_breaker_state",
            "Circuit breaker: 0 closed, 1 half-open, 2 open.",
            ["channel"],
            registry=r,
        )
        self.breaker_opened = Counter(
            "clarion_delivery_breaker_opened", "Times the breaker opened.", ["channel"], registry=r
        )
        self.lag = Gauge(
            "clarion_delivery_consumer_lag",
            "Records behind the high watermark.",
            ["partition"],
            registry=r,
        )

    def breaker_changed(self, channel: str, state: str) -> None:
        self.breaker.labels(channel).set(BREAKER_LEVELS[state])
        if state == "open":
            self.breaker_opened.labels(channel).inc()
