"""Make a batch's decisions durable, in an order that survives a crash at any point.

1. Cassandra: every decision to the decision log, every send to the inbox
   (upserts keyed by the decision, so a repeat writes the same rows);
2. Redis: deferred intents into the deferred queue (one entry per notification);
3. Kafka, one transaction: the outbound messages, the dead letters and the
   consumed offsets (nothing of the batch is visible unless all of it is);
4. Redis: an ``effects done`` mark per send, and the finished deferred entries
   acknowledged.

Steps 1 and 2 run while the transaction of step 3 is being filled: the two
Cassandra tables on two pool threads, the records produced meanwhile (invisible
to ``read_committed`` readers until the commit). The offsets and the commit wait
for both writes to succeed; a failed write aborts the transaction. So the order
that matters, everything durable before the commit, is kept.

A crash before 3 replays the batch: sends come back as ``duplicate`` without
their done mark and are redone (same rows, same notification id) once the
settle time has passed; everything else is decided again. A crash between 3 and
4 loses nothing either: the offsets are committed, and a deferred entry whose
ack was lost comes back and is found ``duplicate`` and done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import redis
import structlog
from kafka import errors as kafka_errors
from kafka.structs import OffsetAndMetadata, TopicPartition

from serving.dispatch.runtime.deferred import Claimed, DeferredQueue, deferred_member
from serving.dispatch.runtime.kafka import OutboundProducer
from serving.dispatch.runtime.options import RuntimeOptions
from serving.dispatch.runtime.work import DeadLetter, Planned
from serving.dispatch.state.keys import KeySpace
from serving.inbox import DecisionLog, DecisionRecord, InboxItem, InboxStore

__all__ = ["BatchEffects", "EffectsWriter", "TransactionLost"]

log = structlog.get_logger("serving.dispatch.effects")

KafkaRecord = tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]


class TransactionLost(Exception):
    """The Kafka transaction failed for good this time: rewind and let the batch replay."""


@dataclass
class BatchEffects:
    """Everything one batch asks for."""

    planned: list[Planned] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    offsets: Mapping[TopicPartition, OffsetAndMetadata] = field(default_factory=dict)
    claimed: Mapping[str, Claimed] = field(default_factory=dict)  # by member


class EffectsWriter:
    def __init__(
        self,
        *,
        options: RuntimeOptions,
        inbox: InboxStore,
        decisions: DecisionLog,
        deferred: DeferredQueue,
        producer: OutboundProducer,
        client: redis.Redis,
        done_retention: timedelta,
        pool: Executor,
        attempts: int = 3,
    ) -> None:
        self._options = options
        self._inbox = inbox
        self._decisions = decisions
        self._deferred = deferred
        self._producer = producer
        self._client = client
        self._keys = KeySpace(options.key_prefix)
        self._done_ms = int(done_retention.total_seconds() * 1000)
        self._attempts = attempts
        self._pool = pool

    def effects_done(self, pairs: Sequence[tuple[str, str]]) -> list[bool]:
        """Whether each (user, idempotency key)'s send effects were confirmed (one round trip)."""
        if not pairs:
            return []
        pipe = self._client.pipeline(transaction=False)
        for user_id, key in pairs:
            pipe.exists(self._keys.effects_done(user_id, key))
        return [bool(n) for n in pipe.execute()]

    def apply(self, batch: BatchEffects, *, group_metadata: Any) -> None:
        """Raises :class:`TransactionLost` when Kafka refused the batch ``attempts`` times,
        and the Cassandra or Redis error when a write before the commit failed."""
        sends = [p for p in batch.planned if p.message is not None]
        records = [
            DecisionRecord(
                decision=p.decision, source=p.item.intent.source, source_id=p.item.intent.source_id
            )
            for p in batch.planned
        ]
        items = [InboxItem.of(p.message) for p in sends if p.message is not None]
        writes = [
            self._pool.submit(self._decisions.write_many, records),
            self._pool.submit(self._inbox.write_many, items),
        ]
        try:
            self._durable_then_publish(batch, sends, writes, group_metadata)
        finally:
            wait(writes)  # never leave a write running into the next batch

    def _durable_then_publish(
        self,
        batch: BatchEffects,
        sends: list[Planned],
        writes: list[Future[None]],
        group_metadata: Any,
    ) -> None:
        deferrals = [
            (
                deferred_member(p.item.intent.user_id, p.item.intent.idempotency_key),
                p.item.raw,
                p.decision.deliver_at,
            )
            for p in batch.planned
            if p.decision.deliver_at is not None
        ]
        self._deferred.defer_many(deferrals)

        def written() -> None:
            for write in writes:
                write.result()  # raises the write's error: the transaction is aborted

        self._publish(self._kafka_records(batch), batch, group_metadata, before_commit=written)
        pipe = self._client.pipeline(transaction=False)
        for p in sends:
            intent = p.item.intent
            pipe.set(
                self._keys.effects_done(intent.user_id, intent.idempotency_key),
                b"1",
                px=self._done_ms,
            )
        pipe.execute()
        redeferred = {member for member, _, _ in deferrals}
        self._deferred.ack_many(
            [c for member, c in batch.claimed.items() if member not in redeferred]
        )

    def _kafka_records(self, batch: BatchEffects) -> list[KafkaRecord]:
        records: list[KafkaRecord] = []
        for p in batch.planned:
            if p.message is not None:
                records.append(
                    (
                        self._options.outbound_topic(p.message.channel),
                        p.message.user_id.encode(),
                        p.message.to_json(),
                        [],
                    )
                )
        for d in batch.dead_letters:
            headers = [
                ("clarion.reason", d.reason.encode()),
                ("clarion.detail", d.detail[:1000].encode()),
                ("clarion.source", f"{d.topic}/{d.partition}/{d.offset}".encode()),
            ]
            records.append((self._options.dlq_topic, d.key, d.value, headers))
        return records

    def _publish(
        self,
        records: list[KafkaRecord],
        batch: BatchEffects,
        group_metadata: Any,
        *,
        before_commit: Callable[[], None],
    ) -> None:
        """One transaction; ``before_commit`` runs once the records are produced, before
        the offsets and the commit (the producer reads the records lazily)."""
        if not records and not batch.offsets:
            before_commit()
            return

        def then_ready() -> Iterator[KafkaRecord]:
            yield from records
            before_commit()

        for attempt in range(1, self._attempts + 1):
            try:
                self._producer.publish(
                    then_ready(), offsets=batch.offsets, group_metadata=group_metadata
                )
                return
            except kafka_errors.KafkaError as exc:
                log.warning("transaction aborted", attempt=attempt, error=repr(exc))
                if isinstance(
                    exc, kafka_errors.CommitFailedError | kafka_errors.IllegalGenerationError
                ):
                    break  # our partitions moved: another dispatcher will replay them
                time.sleep(min(2.0, 0.2 * attempt))
        raise TransactionLost(f"Kafka refused the batch's transaction {self._attempts} times")
