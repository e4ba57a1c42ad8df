"""The dead-letter record: the original bytes untouched, the error and the source in headers.

Clarion's convention (:mod:`clarion.dead_letters`): a fixed message can be replayed by
copying it back to ``events``; the headers say why it was rejected and where it came
from, plus the source record's timestamp.
"""

from __future__ import annotations

from dataclasses import dataclass

from clarion.dead_letters import SOURCE_HEADERS, dead_letter_headers, parse_dead_letter_headers
from speed_layer.models.messages import SourceMessage

__all__ = ["DLQ_HEADERS", "DeadLetter"]

DLQ_HEADERS = (*SOURCE_HEADERS, "clarion.source.timestamp")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message the speed layer refused, with the reason code and a readable detail."""

    message: SourceMessage
    reason: str
    detail: str

    def headers(self) -> list[tuple[str, bytes]]:
        m = self.message
        extra = [("clarion.source.timestamp", str(m.timestamp_ms))]
        return dead_letter_headers(source=m, reason=self.reason, detail=self.detail, extra=extra)

    @staticmethod
    def parse_headers(headers: list[tuple[str, bytes]]) -> dict[str, str]:
        """The ``clarion.*`` headers of a dead-letter record, decoded (for readers and tests)."""
        return parse_dead_letter_headers(headers)
