"""A consumed Kafka record, reduced to what the pipeline needs and independent of the client."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SourceMessage"]


@dataclass(frozen=True, slots=True)
class SourceMessage:
    """One record of the events topic, as read.

    ``ref`` (``topic:partition:offset``) names the record for ever: a replay of the
    same record has the same ref, a re-sent copy of the same event does not.
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int = 0
    headers: tuple[tuple[str, bytes], ...] = field(default=())

    @property
    def ref(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"
