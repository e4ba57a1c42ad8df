"""Prometheus metrics of one dispatcher process, in its own registry, served on ``/metrics``.

* ``clarion_dispatch_intents_total{origin}``: intents decided (kafka | deferred)
* ``clarion_dispatch_decisions_total{reason,priority}``: every decision by reason
* ``clarion_dispatch_sends_total{channel}``, ``clarion_dispatch_redone_total``
* ``clarion_dispatch_dead_letters_total{reason}``
* ``clarion_dispatch_batch_duration_seconds``: poll to durable effects
* ``clarion_dispatch_decision_latency_seconds``: intent created_at to its decision
* ``clarion_dispatch_consumer_lag``: records behind the high watermarks (the load signal)
* ``clarion_dispatch_deferred_due``: deferred intents due now
* ``clarion_dispatch_transactions_total{outcome}``
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from clarion.metrics_endpoint import MetricsEndpoint
from serving.dispatch.runtime.work import DeadLetter, Planned

__all__ = ["DispatcherMetrics"]

_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)


class DispatcherMetrics(MetricsEndpoint):
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        r = self.registry
        self.intents = Counter(
            "clarion_dispatch_intents", "Intents decided.", ["origin"], registry=r
        )
        self.decisions = Counter(
            "clarion_dispatch_decisions", "Decisions by reason.", ["reason", "priority"], registry=r
        )
        self.sends = Counter("clarion_dispatch_sends", "Sends by channel.", ["channel"], registry=r)
        self.redone = Counter(
            "clarion_dispatch_redone", "Sends re-emitted after a lost first attempt.", registry=r
        )
        self.dead_letters = Counter(
            "clarion_dispatch_dead_letters", "Unreadable intents.", ["reason"], registry=r
        )
        self.batch_seconds = Histogram(
            "clarion_dispatch_batch_duration_seconds",
            "From poll to durable effects of one batch.",
            buckets=_BUCKETS,
            registry=r,
        )
        self.latency = Histogram(
            "clarion_dispatch_decision_latency_seconds",
            "From an intent's created_at to its decision.",
            buckets=_BUCKETS,
            registry=r,
        )
        self.lag = Gauge(
            "clarion_dispatch_consumer_lag", "Intent records behind the high watermark.", registry=r
        )
        self.deferred_due = Gauge(
            "clarion_dispatch_deferred_due", "Deferred intents claimed this batch.", registry=r
        )
        self.transactions = Counter(
            "clarion_dispatch_transactions", "Kafka transactions.", ["outcome"], registry=r
        )

    def observe(
        self,
        planned: Sequence[Planned],
        dead: Sequence[DeadLetter],
        *,
        seconds: float,
        now: datetime,
    ) -> None:
        for p in planned:
            d = p.decision
            self.intents.labels(p.item.origin).inc()
            self.decisions.labels(d.reason, d.priority).inc()
            if p.message is not None:
                self.sends.labels(p.message.channel).inc()
            if p.redo:
                self.redone.inc()
            self.latency.observe(max(0.0, (now - p.item.intent.created_at).total_seconds()))
        for letter in dead:
            self.dead_letters.labels(letter.reason).inc()
        self.batch_seconds.observe(seconds)
