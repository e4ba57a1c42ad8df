"""Pure conversion of one Arrow record batch of a gold table into a :class:`ViewChunk`.

Every value becomes the text the stores hold (:mod:`serving.stores.codec`); nulls
are omitted. ``features`` rows also carry ``as_of``; ``scores`` rows carry
``score`` and ``model_version``; ``segments`` rows (one per membership) are
grouped per user within the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa

from feature_store import Feature
from serving.stores import ChunkKind, ViewChunk, encode_value
from serving.stores.base import AS_OF, MODEL_VERSION, SCORE

__all__ = ["chunk_from_batch", "columns_for"]

USER_ID, SEGMENT = "user_id", "segment"


def columns_for(kind: ChunkKind, features: Sequence[Feature]) -> list[str]:
    """The columns a pass reads from its gold table."""
    if kind == "features":
        return [USER_ID, AS_OF, *(f.name for f in features)]
    if kind == "scores":
        return [USER_ID, SCORE, MODEL_VERSION]
    return [USER_ID, SEGMENT]


def chunk_from_batch(
    kind: ChunkKind, batch: pa.RecordBatch, *, features: Sequence[Feature]
) -> ViewChunk:
    """The chunk of one record batch (``features`` only matter for ``kind="features"``)."""
    users = [str(u) for u in batch.column(USER_ID).to_pylist()]
    if kind == "segments":
        grouped: dict[str, set[str]] = {}
        for user, segment in zip(users, batch.column(SEGMENT).to_pylist(), strict=True):
            if segment is not None:
                grouped.setdefault(user, set()).add(str(segment))
        segments = {user: tuple(sorted(names)) for user, names in grouped.items()}
        return ViewChunk(kind=kind, rows=len(users), segments=segments)
    if kind == "scores":
        encoders: list[tuple[str, Callable[[Any], str | None]]] = [
            (SCORE, lambda v: encode_value("double", v)),
            (MODEL_VERSION, lambda v: None if v is None else str(v)),
        ]
    else:
        encoders = [(AS_OF, lambda v: None if v is None else v.isoformat())]
        encoders += [(f.name, _encoder(f)) for f in features]
    columns = [(name, enc, batch.column(name).to_pylist()) for name, enc in encoders]
    rows: dict[str, dict[str, str]] = {}
    for i, user in enumerate(users):
        fields: dict[str, str] = {}
        for name, encode, values in columns:
            text = encode(values[i])
            if text is not None:
                fields[name] = text
        rows[user] = fields
    return ViewChunk(kind=kind, rows=len(users), fields=rows)


def _encoder(feature: Feature) -> Callable[[Any], str | None]:
    dtype = feature.dtype
    if dtype == "int64":
        return lambda v: None if v is None else str(v)
    return lambda v: encode_value(dtype, v)
