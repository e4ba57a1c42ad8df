"""Small gold tables of the shape the batch layer writes, built from the feature declarations.

``write_gold`` appends each table in several commits (several files), and spreads a
user's segment memberships over different files, so resume and merge paths are exercised.
The benchmark reuses these builders.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake

from feature_store import USER_FEATURES, DType
from serving.publish import GOLD_TABLES
from serving.stores import ChunkKind

BATCH_FEATURES = USER_FEATURES.by_source("batch")
SEGMENTS = ("churn_risk", "high_value", "new_user", "vip", "dormant")
CATEGORIES = ("books", "shoes", "games", "garden")

ARROW: dict[DType, pa.DataType] = {
    "int64": pa.int64(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "map<string,double>": pa.map_(pa.string(), pa.float64()),
}


def users(n: int, *, start: int = 0) -> list[str]:
    return [f"u{i:07d}" for i in range(start, start + n)]


def _value(dtype: DType, rng: random.Random, constant: int | None) -> object:
    if constant is not None:
        return {
            "int64": constant,
            "double": float(constant),
            "boolean": constant % 2 == 1,
            "timestamp": datetime(2026, 1, 1, tzinfo=UTC),
            "map<string,double>": [("v", float(constant))],
        }[dtype]
    if rng.random() < 0.1:
        return None
    if dtype == "int64":
        return rng.randrange(0, 500)
    if dtype == "double":
        return round(rng.random() * 100, 3)
    if dtype == "boolean":
        return rng.random() < 0.5
    if dtype == "timestamp":
        return datetime(2026, 11, 1, tzinfo=UTC)
    return [(c, round(rng.random(), 4)) for c in rng.sample(CATEGORIES, rng.randrange(0, 3))]


def feature_table(
    ids: Sequence[str], *, as_of: date, seed: int = 1, constant: int | None = None
) -> pa.Table:
    rng = random.Random(seed)
    columns: dict[str, pa.Array] = {
        "user_id": pa.array(ids, pa.string()),
        "as_of": pa.array([as_of] * len(ids), pa.date32()),
    }
    for feature in BATCH_FEATURES:
        values = [_value(feature.dtype, rng, constant) for _ in ids]
        columns[feature.name] = pa.array(values, ARROW[feature.dtype])
    return pa.table(columns)


def score_table(
    ids: Sequence[str], *, as_of: date, seed: int = 2, constant: int | None = None
) -> pa.Table:
    rng = random.Random(seed)
    scores = [float(constant) if constant is not None else rng.random() for _ in ids]
    return pa.table(
        {
            "user_id": pa.array(ids, pa.string()),
            "as_of": pa.array([as_of] * len(ids), pa.date32()),
            "score": pa.array(scores, pa.float64()),
            "model_version": pa.array([f"xgb-{constant or 7}"] * len(ids), pa.string()),
        }
    )


def segment_table(ids: Sequence[str], *, as_of: date, seed: int = 3) -> pa.Table:
    rng = random.Random(seed)
    pairs = [(u, s) for u in ids for s in rng.sample(SEGMENTS, rng.randrange(0, 4))]
    rng.shuffle(pairs)  # a user's memberships land in different files
    return pa.table(
        {
            "user_id": pa.array([u for u, _ in pairs], pa.string()),
            "as_of": pa.array([as_of] * len(pairs), pa.date32()),
            "segment": pa.array([s for _, s in pairs], pa.string()),
        }
    )


def uris(root: Path) -> dict[ChunkKind, str]:
    return {kind: str(root / name.replace(".", "/")) for kind, name in GOLD_TABLES.items()}


def write_gold(
    root: Path,
    ids: Sequence[str],
    *,
    as_of: date,
    files: int = 3,
    constant: int | None = None,
    seed: int = 1,
) -> dict[ChunkKind, str]:
    """Append one day of all three tables under ``root`` in ``files`` commits each."""
    tables = {
        "features": feature_table(ids, as_of=as_of, seed=seed, constant=constant),
        "scores": score_table(ids, as_of=as_of, seed=seed + 1, constant=constant),
        "segments": segment_table(ids, as_of=as_of, seed=seed + 2),
    }
    out = uris(root)
    for kind, table in tables.items():
        step = max(1, -(-table.num_rows // files))
        for offset in range(0, table.num_rows, step):
            part = table.slice(offset, step)
            write_deltalake(out[kind], part, mode="append", partition_by=["as_of"])
    return out
