"""What the worker reads and writes besides the provider: source records, dead letters,
and the sink that takes receipts and dead letters (Kafka in production, a list in tests).

Dead letters follow Clarion's convention (:mod:`clarion.dead_letters`): the original
bytes untouched as the value, the reason, detail and source in ``clarion.*`` headers,
so a fixed message can be replayed by copying it back to ``outbound.<channel>``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from clarion.dead_letters import SOURCE_HEADERS, dead_letter_headers
from serving.outbound import DeliveryReceipt

__all__ = ["DLQ_HEADERS", "DeadLetter", "InMemorySink", "OutputSink", "SourceRecord"]

DLQ_HEADERS = (*SOURCE_HEADERS, "clarion.delivery.attempts")


@dataclass(frozen=True, slots=True)
class SourceRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: SourceRecord
    reason: str
    detail: str
    attempts: int = 0

    def headers(self) -> list[tuple[str, bytes]]:
        extra = [("clarion.delivery.attempts", str(self.attempts))]
        return dead_letter_headers(
            source=self.record, reason=self.reason, detail=self.detail, extra=extra
        )


class OutputSink(ABC):
    """Receives the worker's outputs; ``flush`` returns once all of them are durable."""

    @abstractmethod
    def receipt(self, receipt: DeliveryReceipt) -> None: ...

    @abstractmethod
    def dead_letter(self, letter: DeadLetter) -> None: ...

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Block until everything handed over is durable."""


class InMemorySink(OutputSink):
    def __init__(self) -> None:
        self.receipts: list[DeliveryReceipt] = []
        self.dead_letters: list[DeadLetter] = []

    def receipt(self, receipt: DeliveryReceipt) -> None:
        self.receipts.append(receipt)

    def dead_letter(self, letter: DeadLetter) -> None:
        self.dead_letters.append(letter)
