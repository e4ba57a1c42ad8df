"""Append generated rows to a Delta table with delta-rs (``deltalake.write_deltalake``)."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from deltalake import DeltaTable, WriterProperties, write_deltalake
from deltalake.exceptions import DeltaError

from clarion.world.exceptions import SinkError
from clarion.world.sinks.base import EventSink

__all__ = ["DeltaSink", "WriteMode", "delta_table_exists"]

WriteMode = Literal["overwrite", "append"]


def delta_table_exists(uri: str) -> bool:
    """Whether a Delta table already lives at ``uri``."""
    return bool(DeltaTable.is_deltatable(uri))


class DeltaSink(EventSink):
    """Buffers chunks and appends them to one Delta table in larger commits.

    With ``mode="overwrite"`` the first commit replaces the table's contents and
    schema (the old files stay for time travel until vacuumed); every later
    commit appends. A run that wrote nothing still leaves an empty table.

    Args:
        uri: the table's path or object-store URI.
        schema: the rows' schema, to leave an empty table when nothing was written
            (without it, such a run writes no table).
        mode: replace the table or append to it.
        partition_by: partition columns, e.g. ``["event_date"]``.
        flush_rows: buffered rows that trigger a commit; bigger means fewer,
            larger files and more memory.
    """

    def __init__(
        self,
        uri: str,
        *,
        schema: pa.Schema | None = None,
        mode: WriteMode = "overwrite",
        partition_by: list[str] | None = None,
        flush_rows: int = 1_000_000,
    ) -> None:
        self._uri = uri
        self._schema = schema
        self._mode: WriteMode = mode
        self._partition_by = partition_by
        self._flush_rows = flush_rows
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._commits = 0
        self.rows_written = 0

    @property
    def destination(self) -> str:
        return self._uri

    def setup(self) -> None:
        self._buffer, self._buffered, self._commits, self.rows_written = [], 0, 0, 0

    def write(self, rows: pa.Table) -> None:
        self._buffer.append(rows)
        self._buffered += rows.num_rows
        if self._buffered >= self._flush_rows:
            self._commit()

    def flush(self) -> None:
        empty_overwrite = self._commits == 0 and self._mode == "overwrite" and self._schema
        if self._buffer or empty_overwrite:
            self._commit()

    def close(self) -> None:
        self._buffer, self._buffered = [], 0

    def _commit(self) -> None:
        if self._buffer:
            data = pa.concat_tables(self._buffer)
        elif self._schema is not None:
            data = self._schema.empty_table()
        else:
            return
        self._buffer, self._buffered = [], 0
        first_overwrite = self._commits == 0 and self._mode == "overwrite"
        try:
            write_deltalake(
                self._uri,
                data,
                mode="overwrite" if first_overwrite else "append",
                schema_mode="overwrite" if first_overwrite else None,
                partition_by=self._partition_by,
                writer_properties=WriterProperties(compression="ZSTD", compression_level=3),
            )
        except (DeltaError, OSError, ValueError) as exc:
            hint = (
                " The table's schema differs; write it again with --overwrite."
                if "schema" in str(exc).lower()
                else ""
            )
            raise SinkError(f"writing Delta table {self._uri} failed: {exc}.{hint}") from exc
        self._commits += 1
        self.rows_written += data.num_rows
