"""One batch, start to finish, without Kafka: validate -> batch view -> real-time view ->
rules -> timers. The runner wraps this in a Kafka transaction; tests drive it directly.

:meth:`Processor.process` writes only idempotent state and returns everything that must
become visible atomically (dead letters, intents, offsets); :meth:`Processor.after_commit`
forgets the timers whose outcome that transaction committed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from speed_layer.error_policy import DEFAULT_POLICY, ErrorPolicy
from speed_layer.models import DeadLetter, Intent, Invalid, SourceMessage, ValidEvent, validate
from speed_layer.rules.engine import BatchFirings, RuleEngine
from speed_layer.state.base import EventWrite, RealtimeStore, Timer, TimerCheck
from speed_layer.state.batch_view import BatchView

__all__ = ["BatchOutcome", "PartitionStatus", "Processor", "ProcessorLimits"]

log = structlog.get_logger("speed_layer.pipeline")


@dataclass(frozen=True, slots=True)
class PartitionStatus:
    """What the runner knows of an assigned partition."""

    committed_seq: int  # the transaction sequence committed with its offset
    idle: bool  # caught up and quiet: due timers fire by wall clock


@dataclass(frozen=True, slots=True)
class ProcessorLimits:
    max_message_bytes: int = 65536
    future_skew_ms: int = 300_000
    idle_timer_after_ms: int = 2000
    max_timers_per_batch: int = 1000


@dataclass
class BatchOutcome:
    """What one transaction must publish, and what to do once it is committed."""

    dead_letters: list[DeadLetter] = field(default_factory=list)
    intents: list[Intent] = field(default_factory=list)
    next_offsets: dict[int, int] = field(default_factory=dict)
    timer_partitions: set[int] = field(default_factory=set)
    completions: dict[int, list[Timer]] = field(default_factory=dict)
    fired_timers: set[Timer] = field(default_factory=set)
    fired: Counter[str] = field(default_factory=Counter)
    dead_reasons: Counter[str] = field(default_factory=Counter)
    events: int = 0
    duplicates: int = 0

    @property
    def partitions(self) -> set[int]:
        """Partitions whose offset (and sequence) this transaction commits."""
        return set(self.next_offsets) | self.timer_partitions

    @property
    def empty(self) -> bool:
        return not (self.partitions or self.dead_letters or self.intents)


class Processor:
    """The speed layer's processing of one poll batch, for any store and batch view."""

    def __init__(
        self,
        *,
        engine: RuleEngine,
        store: RealtimeStore,
        batch_view: BatchView,
        limits: ProcessorLimits = ProcessorLimits(),
        error_policy: ErrorPolicy = DEFAULT_POLICY,
    ) -> None:
        self.engine, self.store, self.batch_view = engine, store, batch_view
        self.limits, self.policy = limits, error_policy

    def process(
        self,
        messages: Sequence[SourceMessage],
        partitions: Mapping[int, PartitionStatus],
        *,
        now_ms: int,
    ) -> BatchOutcome:
        out = BatchOutcome()
        valid: list[tuple[SourceMessage, ValidEvent]] = []
        for m in messages:
            out.next_offsets[m.partition] = max(out.next_offsets.get(m.partition, 0), m.offset + 1)
            result = validate(
                m,
                now_ms=now_ms,
                max_bytes=self.limits.max_message_bytes,
                future_skew_ms=self.limits.future_skew_ms,
            )
            if isinstance(result, Invalid):
                self._dead(out, DeadLetter(m, result.reason, result.detail))
            else:
                valid.append((m, result))
        out.events = len(messages)
        marks = self._events(out, valid, now_ms)
        self._timers(out, partitions, marks, now_ms)
        return out

    def _events(
        self, out: BatchOutcome, valid: list[tuple[SourceMessage, ValidEvent]], now_ms: int
    ) -> dict[int, int]:
        """Apply and evaluate the valid events; return each partition's latest event time."""
        engine = self.engine
        users = {e.user_id for _, e in valid if engine.needs_batch(e.type)}
        raw = self.batch_view.get_many(users) if users else {}
        writes: list[EventWrite] = []
        kept = []
        for m, e in valid:
            batch = engine.batch_values(e.type, raw.get(e.user_id))
            try:
                writes.append(engine.prepare(e, ref=m.ref, partition=m.partition, batch=batch))
            except Exception as exc:  # a bug in a rule; the policy decides
                self._event_error(out, m, exc)
                continue
            kept.append((m, e, batch))
        views = self.store.apply(writes)
        recent, firings = BatchFirings(), []
        for (m, e, batch), view in zip(kept, views, strict=True):
            if view.status == "duplicate":
                out.duplicates += 1
                continue
            try:
                decisions = engine.decide(e, view, batch, recent)
            except Exception as exc:
                self._event_error(out, m, exc)
                continue
            for fired, firing in decisions:
                out.intents.append(fired.intent(now_ms))
                out.fired[fired.rule.id] += 1
                if firing is not None:
                    firings.append(firing)
        self.store.record_firings(firings)
        marks: dict[int, int] = {}
        for m, e in valid:
            marks[m.partition] = max(marks.get(m.partition, 0), e.ts_ms)
        return marks

    def _timers(
        self,
        out: BatchOutcome,
        partitions: Mapping[int, PartitionStatus],
        marks: Mapping[int, int],
        now_ms: int,
    ) -> None:
        """Fire the due timers of the assigned partitions: due by event time (the partition's
        watermark) or, on an idle partition, by wall clock."""
        watermarks = self.store.advance_watermarks({p: marks.get(p, 0) for p in partitions})
        until = {}
        for p, status in partitions.items():
            until[p] = watermarks.get(p, 0)
            if status.idle:
                until[p] = max(until[p], now_ms - self.limits.idle_timer_after_ms)
        due = self.store.due_timers(until, self.limits.max_timers_per_batch)
        for p, timers in due.items():
            if not timers:
                continue
            status = partitions[p]
            done = [
                d.timer
                for d in timers
                if d.inflight_seq is not None and d.inflight_seq <= status.committed_seq
            ]
            checks: list[TimerCheck] = []
            orphans: list[Timer] = []
            for d in timers:
                if d.timer in done:
                    continue
                check = self.engine.timer_check(d.timer)
                if check is None:
                    orphans.append(d.timer)
                else:
                    checks.append(check)
            if done or orphans:  # committed earlier (its cleanup was lost) or rule removed
                self.store.complete_timers(p, [*done, *orphans], fired=done)
            states = self.store.check_timers(p, checks, status.committed_seq + 1)
            for state in states:
                fired = self.engine.decide_timer(state)
                if fired is not None:
                    out.intents.append(fired.intent(now_ms))
                    out.fired[fired.rule.id] += 1
                    out.fired_timers.add(state.timer)
            out.completions[p] = [s.timer for s in states]
            out.timer_partitions.add(p)

    def after_commit(self, out: BatchOutcome) -> None:
        """Forget the timers the committed transaction decided. Failure here is harmless:
        the next scan sees them in flight at a committed sequence and cleans them up."""
        for p, timers in out.completions.items():
            try:
                self.store.complete_timers(p, timers, fired=out.fired_timers)
            except Exception as exc:
                log.warning("timer cleanup deferred", partition=p, error=str(exc))

    def _dead(self, out: BatchOutcome, letter: DeadLetter) -> None:
        out.dead_letters.append(letter)
        out.dead_reasons[letter.reason] += 1

    def _event_error(self, out: BatchOutcome, m: SourceMessage, exc: Exception) -> None:
        action = self.policy.on_event_error
        log.error("event processing failed", ref=m.ref, action=action, error=repr(exc))
        if action == "fail":
            raise exc
        if action == "dead_letter":
            self._dead(out, DeadLetter(m, "processing_error", repr(exc)))
