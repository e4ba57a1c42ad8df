"""The dead-letter record: the original bytes untouched, the error and the source in headers.

Keeping the value byte-for-byte (Kafka Connect's convention) means a fixed message can be
replayed by copying it back to ``events``; the headers say why it was rejected and where
it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from speed_layer.models.messages import SourceMessage

__all__ = ["DLQ_HEADERS", "DeadLetter"]

DLQ_HEADERS = (
    "clarion.error.reason",
    "clarion.error.detail",
    "clarion.source.topic",
    "clarion.source.partition",
    "clarion.source.offset",
    "clarion.source.timestamp",
)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message the speed layer refused, with the reason code and a readable detail."""

    message: SourceMessage
    reason: str
    detail: str

    def headers(self) -> list[tuple[str, bytes]]:
        m = self.message
        values = (
            self.reason,
            self.detail[:1000],
            m.topic,
            str(m.partition),
            str(m.offset),
            str(m.timestamp_ms),
        )
        return [(name, value.encode()) for name, value in zip(DLQ_HEADERS, values, strict=True)]

    @staticmethod
    def parse_headers(headers: list[tuple[str, bytes]]) -> dict[str, str]:
        """The ``clarion.*`` headers of a dead-letter record, decoded (for readers and tests)."""
        return {k: v.decode() for k, v in headers if k.startswith("clarion.")}
