"""The consumer loop: poll -> validate -> view -> rules -> one Kafka transaction -> cleanup.

A batch's Redis effects are written first (idempotent, replay-safe); then its dead letters,
intents and consumed offsets are committed in one transaction; only then are its fired
timers forgotten. Any failure before the commit aborts the transaction and rewinds to
the committed offsets, so the batch is processed again with the same results
(docs/adr/0005-speed-layer-delivery-semantics.md).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import redis as redis_py
import structlog
from kafka import errors as kafka_errors

from feature_store import USER_FEATURES, FeatureRegistry
from speed_layer.durations import to_ms
from speed_layer.error_policy import DEFAULT_POLICY, ErrorPolicy
from speed_layer.exceptions import DeliveryError, StateError
from speed_layer.kafka import EventConsumer, TransactionalPublisher
from speed_layer.metrics import SpeedLayerMetrics
from speed_layer.options import ConsumerOptions
from speed_layer.pipeline import PartitionStatus, Processor, ProcessorLimits
from speed_layer.rules import RuleEngine, RuleSet, build_plan, load_rules
from speed_layer.state import KeyLayout, RedisBatchView, RedisStore
from speed_layer.state.connection import connect

__all__ = ["SpeedLayer"]

log = structlog.get_logger("speed_layer")
_RETRYABLE = (StateError, redis_py.RedisError, kafka_errors.KafkaError)


class SpeedLayer:
    """One consumer process of the speed layer. ``run()`` until ``stop()`` (or SIGTERM)."""

    def __init__(
        self,
        options: ConsumerOptions,
        *,
        rules: RuleSet | None = None,
        features: FeatureRegistry = USER_FEATURES,
        error_policy: ErrorPolicy = DEFAULT_POLICY,
        metrics: SpeedLayerMetrics | None = None,
    ) -> None:
        self.options, self.policy = options, error_policy
        self.rules = (
            rules if rules is not None else load_rules(options.rules_file, features=features)
        )
        plan = build_plan(
            self.rules,
            features,
            replay_grace=options.replay_grace,
            dedupe_window=options.dedupe_window,
            session_gap=options.session_gap,
            last_seen_ttl=options.last_seen_ttl,
        )
        self.redis = connect(options.redis)
        keys = KeyLayout(options.key_prefix, options.events_topic)
        self.store = RedisStore(
            self.redis, plan.layout, keys=keys, replay_grace_ms=to_ms(options.replay_grace)
        )
        self.processor = Processor(
            engine=RuleEngine(self.rules, plan, features),
            store=self.store,
            batch_view=RedisBatchView(self.redis, keys),
            error_policy=error_policy,
            limits=ProcessorLimits(
                max_message_bytes=options.max_message_bytes,
                future_skew_ms=to_ms(options.future_skew),
                idle_timer_after_ms=to_ms(options.idle_timer_after),
                max_timers_per_batch=options.max_timers_per_batch,
            ),
        )
        self.metrics = metrics or SpeedLayerMetrics()
        self.metrics_port: int | None = None
        self._stop = threading.Event()

    def stop(self) -> None:
        """Finish the batch in hand, commit it, leave the group and return from ``run``."""
        self._stop.set()

    def run(self) -> None:
        o = self.options
        log.info(
            "speed layer starting",
            group=o.group_id,
            instance=o.instance_id,
            topic=o.events_topic,
            rules=[r.id for r in self.rules],
            error_policy=self.policy.describe(),
        )
        self.store.setup()
        consumer = EventConsumer(o)
        publisher = TransactionalPublisher(o)
        try:
            publisher.start()
            if o.metrics_port is not None:
                self.metrics_port = self.metrics.serve(o.metrics_port)
                log.info("metrics endpoint", port=self.metrics_port)
            self._loop(consumer, publisher)
        finally:
            consumer.close()
            publisher.close()
            self.metrics.close()
            self.store.close()
            log.info("speed layer stopped")

    def _loop(self, consumer: EventConsumer, publisher: TransactionalPublisher) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                self._step(consumer, publisher)
                attempt = 0
            except DeliveryError:
                raise
            except _RETRYABLE as exc:
                attempt += 1
                self.metrics.transactions.labels("aborted").inc()
                if self.policy.gives_up(attempt):
                    raise
                delay = self.policy.backoff(attempt)
                log.warning(
                    "batch failed; rewinding to the committed offsets",
                    attempt=attempt,
                    retry_in_s=delay,
                    error=repr(exc),
                )
                self._stop.wait(delay)
                try:
                    consumer.rewind()
                except _RETRYABLE as again:
                    log.warning("rewind failed; will retry", error=repr(again))

    def _step(self, consumer: EventConsumer, publisher: TransactionalPublisher) -> None:
        messages = consumer.poll()
        started = time.perf_counter()
        statuses = {
            p: PartitionStatus(s.committed_seq, consumer.idle(p))
            for p, s in consumer.partitions.items()
        }
        for m in messages:
            if m.partition not in statuses:  # revoked between the poll and now
                raise kafka_errors.CommitFailedError(f"partition {m.partition} was revoked")
        outcome = self.processor.process(messages, statuses, now_ms=int(time.time() * 1000))
        committed = False
        processed = time.perf_counter()
        if not outcome.empty:
            offsets = consumer.offsets_to_commit(outcome.partitions)
            publisher.publish(
                dead_letters=outcome.dead_letters,
                intents=outcome.intents,
                offsets=offsets,
                group_metadata=consumer.group_metadata(),
            )
            consumer.committed_transaction(offsets)
            committed = True
            self.processor.after_commit(outcome)
            if outcome.intents or outcome.dead_letters:
                log.debug(
                    "batch committed",
                    events=len(messages),
                    intents=len(outcome.intents),
                    dead_letters=len(outcome.dead_letters),
                    process_ms=round((processed - started) * 1000),
                    commit_ms=round((time.perf_counter() - processed) * 1000),
                    offsets={tp.partition: m.offset for tp, m in offsets.items()},
                )
        self.metrics.observe_batch(messages, outcome, started=started, committed=committed)
        self.metrics.observe_lag({p: consumer.lag(p) for p in consumer.partitions})

    def describe(self) -> dict[str, Any]:
        return {
            "group": self.options.group_id,
            "instance": self.options.instance_id,
            "metrics_port": self.metrics_port,
        }
