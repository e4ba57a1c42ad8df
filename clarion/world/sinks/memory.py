"""An in-memory sink: the test double of the real sinks, and handy in notebooks."""

from __future__ import annotations

import pyarrow as pa

from clarion.world.sinks.base import EventSink

__all__ = ["InMemorySink"]


class InMemorySink(EventSink):
    """Keeps every flushed chunk; :meth:`table` returns them as one table."""

    def __init__(self, *, name: str = "memory") -> None:
        self._name = name
        self._pending: list[pa.Table] = []
        self.chunks: list[pa.Table] = []
        self.closed = False

    @property
    def destination(self) -> str:
        return f"memory://{self._name}"

    def setup(self) -> None:
        self.closed = False

    def write(self, rows: pa.Table) -> None:
        self._pending.append(rows)

    def flush(self) -> None:
        self.chunks.extend(self._pending)
        self._pending = []

    def close(self) -> None:
        self._pending = []
        self.closed = True

    def table(self) -> pa.Table:
        """Every flushed row, in write order."""
        return pa.concat_tables(self.chunks)
