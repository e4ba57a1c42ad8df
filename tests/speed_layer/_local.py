"""The whole pipeline in one process with the in-memory store: feed events, get intents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from feature_store import USER_FEATURES, FeatureRegistry
from speed_layer.models import Intent, SourceMessage
from speed_layer.pipeline import BatchOutcome, PartitionStatus, Processor, ProcessorLimits
from speed_layer.rules import RuleEngine, RuleSet, build_plan
from speed_layer.state import InMemoryBatchView, MemoryStore, RealtimeStore
from tests.speed_layer._stream import event_json

__all__ = ["NOW", "LocalRun"]

NOW = 1_800_000_000_000


class LocalRun:
    def __init__(
        self,
        rules: RuleSet,
        *,
        batch_views: Mapping[str, Mapping[str, str]] = {},
        store: RealtimeStore | None = None,
        partitions: int = 1,
        features: FeatureRegistry = USER_FEATURES,
    ) -> None:
        plan = build_plan(rules, features)
        self.store = store or MemoryStore(plan.layout)
        self.processor = Processor(
            engine=RuleEngine(rules, plan, features),
            store=self.store,
            batch_view=InMemoryBatchView(batch_views),
            limits=ProcessorLimits(max_message_bytes=4096),
        )
        self.seq = dict.fromkeys(range(partitions), 0)
        self.offsets = dict.fromkeys(range(partitions), 0)
        self.n = 0

    def message(
        self,
        user: str,
        kind: str,
        ts: int,
        *,
        partition: int = 0,
        event_id: str | None = None,
        **props: Any,
    ) -> SourceMessage:
        self.n += 1
        value = event_json(event_id or f"e{self.n}", user, kind, ts, **props)
        offset = self.offsets[partition]
        self.offsets[partition] += 1
        return SourceMessage("events", partition, offset, user.encode(), value)

    def process(
        self,
        messages: Sequence[SourceMessage],
        *,
        idle: bool = False,
        commit: bool = True,
        now_ms: int = NOW,
    ) -> BatchOutcome:
        statuses = {p: PartitionStatus(seq, idle) for p, seq in self.seq.items()}
        out = self.processor.process(messages, statuses, now_ms=now_ms)
        if commit and not out.empty:
            for p in out.partitions:
                self.seq[p] += 1
            self.processor.after_commit(out)
        return out

    def intents(self, messages: Sequence[SourceMessage], **kwargs: Any) -> list[Intent]:
        return self.process(messages, **kwargs).intents

    def flush(self) -> list[Intent]:
        """Fire every due timer by wall clock (the partitions are idle)."""
        return self.process([], idle=True).intents
