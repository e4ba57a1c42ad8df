"""Read one day of the gold tables from Delta with delta-rs: bounded memory, no Spark.

Each pass scans one table at a *pinned* Delta version (recorded at the start of a
run, so a resumed run reads exactly the snapshot the crashed one did), filtered to
``as_of``. Files are visited in path order and each file in record batches of
``rows_per_chunk`` rows, so a :class:`Position` (file index, batch index) names a
chunk deterministically and a resume can skip whole files without reading them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.dataset as pds
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from clarion.settings import Settings
from feature_store import USER_FEATURES, Feature
from serving.publish.chunks import columns_for
from serving.publish.exceptions import SourceTableError
from serving.stores import ChunkKind

__all__ = ["GOLD_TABLES", "DeltaViewSource", "Position"]

GOLD_TABLES: Mapping[ChunkKind, str] = {
    "features": "gold.user_features",
    "scores": "gold.user_scores",
    "segments": "gold.user_segments",
}


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A chunk's place in a pass: the file (in path order) and the batch within it."""

    file: int = 0
    batch: int = 0

    def following(self) -> Position:
        return Position(self.file, self.batch + 1)


class DeltaViewSource:
    """The gold tables of one ``as_of`` day, read pass by pass."""

    def __init__(
        self,
        *,
        uris: Mapping[ChunkKind, str],
        as_of: date,
        rows_per_chunk: int = 2_000,
        features: Sequence[Feature] | None = None,
        storage_options: Mapping[str, str] | None = None,
    ) -> None:
        self._uris = dict(uris)
        self._as_of = as_of
        self._rows = rows_per_chunk
        self.features = list(features or USER_FEATURES.by_source("batch"))
        self._storage = dict(storage_options or {})

    @classmethod
    def from_settings(
        cls, settings: Settings, *, as_of: date, rows_per_chunk: int = 2_000
    ) -> DeltaViewSource:
        uris = {kind: settings.table_uri(name) for kind, name in GOLD_TABLES.items()}
        return cls(uris=uris, as_of=as_of, rows_per_chunk=rows_per_chunk)

    @property
    def as_of(self) -> date:
        return self._as_of

    def snapshot_versions(self) -> dict[str, int]:
        """The current Delta version of each table: pin these for the whole run."""
        return {kind: self._table(kind).version() for kind in GOLD_TABLES}

    def batches(
        self, kind: ChunkKind, *, table_version: int, start: Position = Position()
    ) -> Iterator[tuple[Position, pa.RecordBatch]]:
        """Non-empty record batches of ``kind`` for ``as_of`` at or after ``start``."""
        dataset = self._table(kind, version=table_version).to_pyarrow_dataset()
        columns = columns_for(kind, self.features)
        missing = [c for c in columns if c not in dataset.schema.names]
        if missing:
            raise SourceTableError(
                f"{GOLD_TABLES[kind]} ({self._uris[kind]}) lacks columns {missing}; the batch "
                "layer must write every batch feature declared in feature_store"
            )
        day = pds.field("as_of") == pa.scalar(self._as_of, pa.date32())
        fragments = sorted(dataset.get_fragments(filter=day), key=lambda f: f.path)
        for file_index, fragment in enumerate(fragments):
            if file_index < start.file:
                continue
            scanned = fragment.to_batches(
                schema=dataset.schema, columns=columns, filter=day, batch_size=self._rows
            )
            for batch_index, batch in enumerate(scanned):
                here = Position(file_index, batch_index)
                if here >= start and batch.num_rows:
                    yield here, batch

    def _table(self, kind: ChunkKind, *, version: int | None = None) -> DeltaTable:
        try:
            return DeltaTable(self._uris[kind], version=version, storage_options=self._storage)
        except TableNotFoundError as exc:
            raise SourceTableError(
                f"{GOLD_TABLES[kind]} not found at {self._uris[kind]}: run the batch layer for "
                f"{self._as_of} first (or check CLARION_DELTA__ROOT)"
            ) from exc
