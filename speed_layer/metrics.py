"""Prometheus metrics of one consumer process, served over HTTP (``/metrics``).

* ``clarion_speed_events_consumed_total`` (rate() for events/s) and
  ``clarion_speed_events_per_second`` (the last 10 s, for a glance)
* ``clarion_speed_dead_letters_total{reason}``
* ``clarion_speed_triggers_fired_total{rule}``
* ``clarion_speed_processing_latency_seconds``: record timestamp -> commit of its batch
* ``clarion_speed_batch_duration_seconds``: poll return -> commit
* ``clarion_speed_consumer_lag{partition}``: records behind the high watermark
* ``clarion_speed_transactions_total{outcome}``, ``clarion_speed_duplicate_events_total``
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from clarion.metrics_endpoint import MetricsEndpoint
from speed_layer.models.messages import SourceMessage
from speed_layer.pipeline import BatchOutcome

__all__ = ["SpeedLayerMetrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class SpeedLayerMetrics(MetricsEndpoint):
    """The metrics of one process, in their own registry (tests run several in one process)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        r = self.registry
        self.events = Counter(
            "clarion_speed_events_consumed", "Records read from the events topic.", registry=r
        )
        self.events_rate = Gauge(
            "clarion_speed_events_per_second",
            "Records consumed per second, averaged over about 10 s.",
            registry=r,
        )
        self.dead_letters = Counter(
            "clarion_speed_dead_letters",
            "Records sent to the dead-letter topic.",
            ["reason"],
            registry=r,
        )
        self.duplicates = Counter(
            "clarion_speed_duplicate_events",
            "Records whose event id was already seen in another record.",
            registry=r,
        )
        self.triggers = Counter(
            "clarion_speed_triggers_fired", "Intents emitted, per rule.", ["rule"], registry=r
        )
        self.latency = Histogram(
            "clarion_speed_processing_latency_seconds",
            "From a record's timestamp to the commit of its batch.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_seconds = Histogram(
            "clarion_speed_batch_duration_seconds",
            "From poll to commit of one batch.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.lag = Gauge(
            "clarion_speed_consumer_lag",
            "Records behind the high watermark.",
            ["partition"],
            registry=r,
        )
        self.transactions = Counter(
            "clarion_speed_transactions", "Kafka transactions by outcome.", ["outcome"], registry=r
        )
        self._window_start, self._window_count = time.monotonic(), 0

    def observe_batch(
        self,
        messages: Sequence[SourceMessage],
        outcome: BatchOutcome,
        *,
        started: float,
        committed: bool,
    ) -> None:
        now = time.time()
        self.events.inc(len(messages))
        self.duplicates.inc(outcome.duplicates)
        for reason, n in outcome.dead_reasons.items():
            self.dead_letters.labels(reason).inc(n)
        for rule, n in outcome.fired.items():
            self.triggers.labels(rule).inc(n)
        for m in messages:
            if m.timestamp_ms > 0:
                self.latency.observe(max(0.0, now - m.timestamp_ms / 1000))
        self.batch_seconds.observe(time.perf_counter() - started)
        if committed:
            self.transactions.labels("committed").inc()
        self._window_count += len(messages)
        elapsed = time.monotonic() - self._window_start
        if elapsed >= 10:
            self.events_rate.set(self._window_count / elapsed)
            self._window_start, self._window_count = time.monotonic(), 0

    def observe_lag(self, lags: Mapping[int, int | None]) -> None:
        for partition, lag in lags.items():
            if lag is not None:
                self.lag.labels(str(partition)).set(lag)
