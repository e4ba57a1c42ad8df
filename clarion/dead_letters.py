"""The dead-letter convention of Clarion's consumers: the original bytes untouched as the
value, why and where from in ``clarion.*`` headers.

Keeping the value byte-for-byte (Kafka Connect's convention) means a fixed message can
be replayed by copying it back to the topic it came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

__all__ = [
    "DETAIL_LIMIT",
    "SOURCE_HEADERS",
    "SourcePosition",
    "dead_letter_headers",
    "parse_dead_letter_headers",
]

# The headers every dead letter carries, in this order; an area may add its own after them.
SOURCE_HEADERS = (
    "clarion.error.reason",
    "clarion.error.detail",
    "clarion.source.topic",
    "clarion.source.partition",
    "clarion.source.offset",
)
DETAIL_LIMIT = 1000  # characters of the detail kept in its header


class SourcePosition(Protocol):
    """Where the refused record was read: any record type with these three fields."""

    @property
    def topic(self) -> str: ...

    @property
    def partition(self) -> int: ...

    @property
    def offset(self) -> int: ...


def dead_letter_headers(
    *,
    source: SourcePosition,
    reason: str,
    detail: str,
    extra: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, bytes]]:
    """The Kafka headers of one dead letter: :data:`SOURCE_HEADERS`, then ``extra``.

    >>> from collections import namedtuple
    >>> Source = namedtuple("Source", "topic partition offset")
    >>> dead_letter_headers(source=Source("events", 0, 7), reason="not_json", detail="x",
    ...     extra=[("clarion.delivery.attempts", "2")])[-2:]
    [('clarion.source.offset', b'7'), ('clarion.delivery.attempts', b'2')]
    """
    where = (source.topic, str(source.partition), str(source.offset))
    values = (reason, detail[:DETAIL_LIMIT], *where)
    pairs = [*zip(SOURCE_HEADERS, values, strict=True), *extra]
    return [(name, value.encode()) for name, value in pairs]


def parse_dead_letter_headers(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """The ``clarion.*`` headers of a dead-letter record, decoded (for readers and tests)."""
    return {k: v.decode() for k, v in headers if k.startswith("clarion.")}
