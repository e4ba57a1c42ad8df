"""The one interface every destination of generated rows implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pyarrow as pa

__all__ = ["EventSink"]


class EventSink(ABC):
    """A destination for generated rows, with an explicit lifecycle.

    The generator calls :meth:`setup` once, :meth:`write` once per chunk,
    :meth:`flush` once at the end of a successful run, and :meth:`close` always
    (also after an error, in which case rows not yet flushed may be dropped).
    """

    @property
    @abstractmethod
    def destination(self) -> str:
        """Where rows go, for humans: a table URI or ``kafka://host:port/topic``."""

    @abstractmethod
    def setup(self) -> None:
        """Connect and prepare the destination; raise ``SinkUnavailableError`` if unreachable."""

    @abstractmethod
    def write(self, rows: pa.Table) -> None:
        """Accept one chunk of rows (a sink may buffer them)."""

    @abstractmethod
    def flush(self) -> None:
        """Make every accepted row durable; raise ``SinkError`` if any failed."""

    @abstractmethod
    def close(self) -> None:
        """Release connections. Does not flush."""
