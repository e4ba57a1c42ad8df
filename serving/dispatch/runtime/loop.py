"""The dispatcher process: poll intents and due deferrals, decide them, make the effects durable.

One iteration (:meth:`Dispatcher.run_once`):

1. poll up to ``batch_size`` records from ``notify.intents`` and claim due
   entries of the deferred queue;
2. parse each record; an unreadable one becomes a dead letter (original bytes
   plus the reason) — input never stops the loop;
3. read the recipients' facts (preferences, merged view) for the batch;
4. plan every intent (render, decide, redo lost sends) on ``decide_threads``
   threads, since a decision mostly waits on Redis round trips;
5. apply the effects in their crash-safe order (:mod:`.effects`), the consumed
   offsets committed inside the Kafka transaction.

Infrastructure errors (Redis, Cassandra, a lost transaction) rewind the
consumer to its committed offsets and retry after a pause; a fenced producer
(another process took this instance id) stops the process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
import structlog
from cassandra import DriverException
from cassandra.cluster import NoHostAvailable
from kafka import errors as kafka_errors

from clarion.exceptions import ClarionError
from serving.dispatch.checks.shedding import LoadSignal
from serving.dispatch.exceptions import IntentFormatError
from serving.dispatch.policy import DispatchPolicy
from serving.dispatch.runtime.deferred import DeferredQueue
from serving.dispatch.runtime.effects import BatchEffects, EffectsWriter, TransactionLost
from serving.dispatch.runtime.facts import FactsReader
from serving.dispatch.runtime.kafka import IntentConsumer, OutboundProducer, next_offsets
from serving.dispatch.runtime.metrics import DispatcherMetrics
from serving.dispatch.runtime.options import RuntimeOptions
from serving.dispatch.runtime.planner import Planner
from serving.dispatch.runtime.work import DeadLetter, Planned, WorkItem
from serving.dispatch.state.redis import redis_stores
from serving.dispatch.wire import parse_intent
from serving.inbox import DecisionLog, InboxConfig, InboxError, InboxStore, create_tables
from serving.preferences import RedisPreferenceStore
from serving.stores import RedisBatchViewConfig, RedisBatchViewStore
from serving.templates import TemplateRenderer, load_catalog
from serving.templates.catalog import DEFAULT_CATALOG
from serving.view import MergedViewReader, RedisRealtimeViewReader

__all__ = ["BatchStats", "Dispatcher"]

log = structlog.get_logger("serving.dispatch.runtime")


def _utc_ms() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


# Errors after which a batch is replayed from the committed offsets.
_REPLAYABLE: tuple[type[BaseException], ...] = (
    TransactionLost,
    redis.RedisError,
    kafka_errors.KafkaError,
    DriverException,
    NoHostAvailable,
    InboxError,
    OSError,
)


def _drained(pending: Future[BatchStats] | None) -> BatchStats | None:
    """Wait for a batch's effects; its own failure is dropped (the batch replays)."""
    if pending is None:
        return None
    try:
        return pending.result()
    except _REPLAYABLE as exc:
        log.warning("batch lost; it replays", error=repr(exc))
        return None


@dataclass(frozen=True, slots=True)
class _Batch:
    """A decided batch waiting for its effects."""

    effects: BatchEffects
    group_metadata: Any
    records: int
    now: datetime
    started: float


@dataclass(frozen=True, slots=True)
class BatchStats:
    records: int
    deferred: int
    dead_letters: int
    sends: int


class Dispatcher:
    """One dispatcher process over clients the caller owns (Redis client, Cassandra session)."""

    def __init__(
        self,
        options: RuntimeOptions,
        *,
        policy: DispatchPolicy,
        redis_client: redis.Redis,
        cassandra_session: Any,
        metrics: DispatcherMetrics | None = None,
        clock: Callable[[], datetime] = _utc_ms,
    ) -> None:
        self.options = options
        self.policy = policy
        self.metrics = metrics or DispatcherMetrics()
        self._clock = clock
        self._redis = redis_client
        self.stores = redis_stores(redis_client, key_prefix=options.key_prefix)
        inbox_config = InboxConfig(keyspace=options.keyspace)
        create_tables(cassandra_session, inbox_config)
        views = None
        if options.use_view:
            batch = RedisBatchViewStore(
                redis_client, config=RedisBatchViewConfig(key_prefix=options.key_prefix)
            )
            batch.update()
            realtime = RedisRealtimeViewReader(redis_client, key_prefix=options.key_prefix)
            views = MergedViewReader(batch=batch, realtime=realtime)
        self.facts = FactsReader(
            preferences=RedisPreferenceStore(redis_client, key_prefix=options.key_prefix),
            views=views,
        )
        self.planner = Planner(
            policy=policy,
            stores=self.stores,
            renderer=TemplateRenderer(load_catalog(options.templates_dir or DEFAULT_CATALOG)),
            settle=timedelta(seconds=options.effects_settle_seconds),
        )
        self.deferred = DeferredQueue(redis_client, key_prefix=options.key_prefix)
        self.producer = OutboundProducer(options)
        # Merged-view reads, and the two Cassandra writes of a batch run side by side.
        self._pool = ThreadPoolExecutor(max(2, options.decide_threads), thread_name_prefix="io")
        self._effects_thread = ThreadPoolExecutor(1, thread_name_prefix="effects")
        self._pending: Future[BatchStats] | None = None  # the batch whose effects are running
        self.effects = EffectsWriter(
            options=options,
            inbox=InboxStore(cassandra_session, config=inbox_config),
            decisions=DecisionLog(cassandra_session, config=inbox_config),
            deferred=self.deferred,
            producer=self.producer,
            client=redis_client,
            done_retention=policy.idempotency.retention,
            pool=self._pool,
        )
        self.consumer: IntentConsumer | None = None
        self.totals: dict[str, int] = {"records": 0, "deferred": 0, "dead_letters": 0, "sends": 0}

    def start(self) -> None:
        """Set up the stores, fence any predecessor's transaction, join the group."""
        self.stores.setup()
        self.producer.start()
        self.consumer = IntentConsumer(self.options, on_revoked=self._settle_pending)
        log.info(
            "dispatcher started",
            instance=self.options.instance_id,
            group=self.options.group_id,
            topic=self.options.intents_topic,
            policy=self.policy.version,
        )

    def run(self, stop: threading.Event, *, idle_exit_after: float | None = None) -> None:
        """Until ``stop`` is set (SIGTERM), or after ``idle_exit_after`` s without work
        (counted from when the group first assigned this process partitions).

        Pipelined: batch N's effects are made durable on the effects thread while batch
        N+1 is polled and decided; N+1's effects start only once N has committed (one
        transaction at a time, in order). When N fails, N+1 is dropped and the consumer
        rewinds: its decisions replay as sends without a done mark, redone after the
        settle time, exactly as after a crash at the same point.
        """
        idle_since = time.monotonic()
        pause = 0.5
        while not stop.is_set():
            try:
                batch = self._prepare()
                previous, self._pending = self._pending, None
                self._count(previous.result() if previous is not None else None)
                if batch is not None:
                    self._pending = self._effects_thread.submit(self._apply, batch)
                pause = 0.5
            except _REPLAYABLE as exc:
                self._count(_drained(self._pending))  # its commit must land before the rewind
                self._pending = None
                self._rewind()
                if isinstance(exc, TransactionLost):
                    log.warning("batch lost; rewinding", error=str(exc))
                else:
                    log.error("infrastructure error; rewinding and retrying", error=repr(exc))
                    stop.wait(pause)
                    pause = min(pause * 2, 30.0)
                continue
            joining = self.consumer is not None and not self.consumer.assigned()
            if batch is not None or joining:  # idle only counts once in the group
                idle_since = time.monotonic()
            elif idle_exit_after is not None and time.monotonic() - idle_since > idle_exit_after:
                break
        previous, self._pending = self._pending, None
        if previous is not None:  # the batch in hand is finished
            self._count(previous.result())

    def _settle_pending(self) -> None:
        """Wait for the batch in flight (its outcome is read by :meth:`run`)."""
        pending = self._pending
        if pending is not None:
            wait([pending])

    def _count(self, stats: BatchStats | None) -> None:
        if stats is not None:
            for name in self.totals:
                self.totals[name] += getattr(stats, name)

    def _rewind(self) -> None:
        if self.consumer is not None:
            try:
                self.consumer.rewind()
            except kafka_errors.KafkaError as exc:
                log.warning("rewind failed; the next poll restarts from commits", error=repr(exc))

    def run_once(self) -> BatchStats:
        """One batch, start to commit (no pipelining)."""
        batch = self._prepare()
        return BatchStats(0, 0, 0, 0) if batch is None else self._apply(batch)

    def _prepare(self) -> _Batch | None:
        """Poll, parse, read the facts and decide: everything before the effects."""
        consumer = self.consumer
        if consumer is None:
            raise ClarionError("Dispatcher.start() was not called")
        started = time.perf_counter()
        records = consumer.poll(timeout_seconds=self.options.poll_timeout_seconds)
        now = self._clock()
        claimed = self.deferred.claim_due(
            now=now,
            limit=max(1, self.options.batch_size // 2),
            visibility=timedelta(seconds=self.options.deferred_visibility_seconds),
        )
        self.metrics.deferred_due.set(len(claimed))
        if not records and not claimed:
            return None
        items: list[WorkItem] = []
        dead: list[DeadLetter] = []
        for r in records:
            try:
                items.append(WorkItem(parse_intent(r.value), r.value or b"", "kafka"))
            except IntentFormatError as exc:
                dead.append(
                    DeadLetter(
                        r.key, r.value, exc.reason, exc.detail, r.topic, r.partition, r.offset
                    )
                )
        for c in claimed:
            try:
                items.append(WorkItem(parse_intent(c.raw), c.raw, "deferred"))
            except IntentFormatError as exc:
                dead.append(DeadLetter(None, c.raw, exc.reason, exc.detail, "deferred", -1, -1))
        lag = consumer.lag()
        self.metrics.lag.set(lag)
        oldest = min((r.timestamp_ms for r in records if r.timestamp_ms > 0), default=None)
        age = 0.0 if oldest is None else max(0.0, now.timestamp() - oldest / 1000)
        load = LoadSignal(queue_depth=lag, lag_seconds=age)
        planned = self._plan(items, now=now, load=load, dead=dead)
        effects = BatchEffects(
            planned=planned,
            dead_letters=dead,
            offsets=next_offsets(records),
            claimed={c.member: c for c in claimed},
        )
        return _Batch(effects, consumer.group_metadata(), len(records), now, started)

    def _apply(self, batch: _Batch) -> BatchStats:
        effects = batch.effects
        self.effects.apply(effects, group_metadata=batch.group_metadata)
        self.metrics.transactions.labels("committed").inc()
        self.metrics.observe(
            effects.planned,
            effects.dead_letters,
            seconds=time.perf_counter() - batch.started,
            now=batch.now,
        )
        sends = sum(1 for p in effects.planned if p.message is not None)
        return BatchStats(batch.records, len(effects.claimed), len(effects.dead_letters), sends)

    def _plan(
        self, items: list[WorkItem], *, now: datetime, load: LoadSignal, dead: list[DeadLetter]
    ) -> list[Planned]:
        facts = self.facts.read_many([i.intent.user_id for i in items], pool=self._pool)
        try:
            return self.planner.plan_many(
                items, facts, now=now, load=load, effects_done=self.effects.effects_done
            )
        except (redis.RedisError, OSError):
            raise
        except ClarionError:
            if len(items) == 1:
                raise
        # Some intent the core refuses (a bug, never input: input was validated). Decide one
        # by one so only that intent is dead-lettered, with the error.
        planned: list[Planned] = []
        for item in items:
            try:
                planned += self.planner.plan_many(
                    [item], facts, now=now, load=load, effects_done=self.effects.effects_done
                )
            except ClarionError as exc:
                dead.append(
                    DeadLetter(
                        item.intent.user_id.encode(),
                        item.raw,
                        "undecidable",
                        str(exc),
                        "plan",
                        -1,
                        -1,
                    )
                )
        return planned

    def close(self) -> None:
        """Leave the group and close the producer (the batch in hand was already committed)."""
        if self.consumer is not None:
            self.consumer.close()
            self.consumer = None
        self.producer.close()
        self._effects_thread.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        self.stores.close()
        self.metrics.close()
        log.info("dispatcher stopped", instance=self.options.instance_id, **self.totals)
