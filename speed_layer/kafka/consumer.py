"""The events consumer: a kafka-python group member, read_committed, no auto-commit.

It keeps, per assigned partition, the committed offset and transaction sequence (read
from the offset's metadata), the next offset to commit and when it last saw a record,
and it can rewind every partition to its committed offset after a failed transaction.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import structlog
from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.structs import OffsetAndMetadata

from clarion.kafka_consumers import group_consumer
from speed_layer.models.messages import SourceMessage
from speed_layer.options import ConsumerOptions

__all__ = ["EventConsumer", "PartitionState", "parse_seq", "seq_metadata"]

_SEQ = "clarion:seq="
log = structlog.get_logger("speed_layer.consumer")


def seq_metadata(seq: int) -> str:
    return f"{_SEQ}{seq}"


def parse_seq(metadata: str | None) -> int:
    if metadata and metadata.startswith(_SEQ) and metadata[len(_SEQ) :].isdigit():
        return int(metadata[len(_SEQ) :])
    return 0


@dataclass
class PartitionState:
    committed_offset: int | None
    committed_seq: int
    next_offset: int | None  # after the last record processed (None: nothing yet)
    last_record_at: float  # monotonic


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    """Runs on the client's IO thread: only records what changed, under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.assigned: set[TopicPartition] = set()
        self.changed = False

    def on_partitions_revoked(self, revoked: Any) -> None:
        with self.lock:
            self.assigned -= set(revoked)
            self.changed = True

    def on_partitions_assigned(self, assigned: Any) -> None:
        with self.lock:
            self.assigned |= set(assigned)
            self.changed = True


class EventConsumer:
    def __init__(self, options: ConsumerOptions) -> None:
        self.options = options
        self._listener = _Listener()
        self.client = group_consumer(
            options.kafka,
            group_id=options.group_id,
            client_id=f"clarion-speed-{options.instance_id}",
            max_poll_records=options.batch_size,
            session_timeout_ms=int(options.session_timeout.total_seconds() * 1000),
            group_instance_id=options.instance_id if options.static_membership else None,
        )
        self.client.subscribe([options.events_topic], listener=self._listener)
        self.partitions: dict[int, PartitionState] = {}

    def poll(self) -> list[SourceMessage]:
        timeout = int(self.options.poll_timeout.total_seconds() * 1000)
        batch = self.client.poll(timeout_ms=timeout, max_records=self.options.batch_size)
        self._sync_assignment()
        now = time.monotonic()
        out = []
        for tp, records in batch.items():
            state = self.partitions.get(tp.partition)
            if state is not None and records:
                state.last_record_at = now
                state.next_offset = records[-1].offset + 1
            for r in records:
                out.append(
                    SourceMessage(
                        tp.topic,
                        tp.partition,
                        r.offset,
                        r.key,
                        r.value,
                        r.timestamp,
                        tuple(r.headers or ()),
                    )
                )
        return out

    def _sync_assignment(self) -> None:
        with self._listener.lock:
            if not self._listener.changed:
                return
            assigned = {tp.partition for tp in self._listener.assigned}
            self._listener.changed = False
        revoked = sorted(set(self.partitions) - assigned)
        for p in revoked:
            del self.partitions[p]
        added = sorted(assigned - set(self.partitions))
        for p in added:
            self.partitions[p] = self._load(p)
        log.info(
            "assignment changed",
            assigned=sorted(assigned),
            added=added,
            revoked=revoked,
            committed={p: self.partitions[p].committed_offset for p in added},
        )

    def _load(self, partition: int) -> PartitionState:
        tp = TopicPartition(self.options.events_topic, partition)
        committed = self.client.committed(tp, metadata=True)
        offset = committed.offset if committed is not None else None
        seq = parse_seq(committed.metadata) if committed is not None else 0
        return PartitionState(offset, seq, None, time.monotonic())

    def lag(self, partition: int) -> int | None:
        tp = TopicPartition(self.options.events_topic, partition)
        state = self.partitions.get(partition)
        try:
            high = self.client.highwater(tp)
        except Exception:  # not assigned any more
            return None
        if high is None or state is None:
            return None
        position = state.next_offset if state.next_offset is not None else state.committed_offset
        return max(0, int(high) - (position or 0))

    def idle(self, partition: int) -> bool:
        state = self.partitions[partition]
        quiet = (
            time.monotonic() - state.last_record_at >= self.options.idle_timer_after.total_seconds()
        )
        return quiet and self.lag(partition) == 0

    def offsets_to_commit(self, partitions: set[int]) -> dict[TopicPartition, OffsetAndMetadata]:
        """Offset and next sequence of each partition this transaction touches."""
        out = {}
        for p in partitions:
            state = self.partitions[p]
            offset = state.next_offset if state.next_offset is not None else state.committed_offset
            if offset is None:
                offset = self.client.position(TopicPartition(self.options.events_topic, p))
            out[TopicPartition(self.options.events_topic, p)] = OffsetAndMetadata(
                offset, seq_metadata(state.committed_seq + 1), -1
            )
        return out

    def committed_transaction(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        for tp, meta in offsets.items():
            state = self.partitions.get(tp.partition)
            if state is not None:
                state.committed_offset, state.committed_seq = meta.offset, parse_seq(meta.metadata)

    def rewind(self) -> None:
        """Back to the committed offsets (after a failed or aborted transaction)."""
        self._sync_assignment()
        for p in list(self.partitions):
            fresh = self._load(p)
            tp = TopicPartition(self.options.events_topic, p)
            if fresh.committed_offset is not None:
                self.client.seek(tp, fresh.committed_offset)
            else:
                self.client.seek_to_beginning(tp)
            self.partitions[p] = fresh

    def group_metadata(self) -> Any:
        return self.client.group_metadata()

    def close(self) -> None:
        self.client.close(autocommit=False)
