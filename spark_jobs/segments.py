"""Segments: rule-based user groups declared in ``segments/*.yaml`` -> ``gold.user_segments``.

A segment file holds a list of segments::

    segments:
      - name: big_spenders
        description: Spent over 200 in the last 30 days.
        owner: growth-data
        expression: purchase_amount_30d > 200 and score >= 0.5

An expression is text in Clarion's safe expression language
(``clarion.expressions``), checked on load against the batch features of
``feature_store.USER_FEATURES`` and ``score``: an unknown name, a type error or
a syntax error fails with the file, the segment and the position. It is never
SQL: the checked tree is compiled into a Spark Column.

``assign_segments`` is the pure transform; ``run`` reads the ``as_of`` snapshot
of ``gold.user_features`` and ``gold.user_scores`` and replaces that date's
partition of ``gold.user_segments`` (one row per user and segment they are in).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clarion.expressions import CheckedExpression, ExpressionError, ValueType, compile_expression
from clarion.settings import project_root
from feature_store import USER_FEATURES, FeatureRegistry
from spark_jobs.exceptions import SegmentDefinitionError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = [
    "SEGMENTS_TABLE",
    "Segment",
    "assign_segments",
    "default_segments_dir",
    "load_segments",
    "run",
    "segment_names",
]

SEGMENTS_TABLE = "gold.user_segments"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_TYPES: dict[str, ValueType] = {"int64": "number", "double": "number", "boolean": "boolean"}


@dataclass(frozen=True, slots=True)
class Segment:
    """One checked segment: who declared it, where, and its rule."""

    name: str
    description: str
    owner: str
    rule: CheckedExpression
    source: Path


class _SegmentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME.pattern)
    description: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expression: str = Field(min_length=1)


class _SegmentFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    segments: list[_SegmentSpec]


def segment_names(registry: FeatureRegistry = USER_FEATURES) -> dict[str, ValueType]:
    """Names a segment may use: batch features of a scalar type, plus ``score``."""
    names = {f.name: _TYPES[f.dtype] for f in registry.by_source("batch") if f.dtype in _TYPES}
    return {**names, "score": "number"}


def default_segments_dir() -> Path:
    """The repository's ``segments/`` folder."""
    return project_root() / "segments"


def _load_file(path: Path, names: Mapping[str, ValueType]) -> list[Segment]:
    try:
        raw = yaml.safe_load(path.read_text())
        spec = _SegmentFile.model_validate(raw)
    except yaml.YAMLError as exc:
        raise SegmentDefinitionError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<file>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SegmentDefinitionError(
            f"{path}: {problems}. Expected 'segments:' with items of "
            "name, description, owner, expression"
        ) from None
    segments = []
    for item in spec.segments:
        try:
            rule = compile_expression(item.expression, names=names)
        except ExpressionError as exc:
            raise SegmentDefinitionError(f"{path}: segment {item.name!r}: {exc}") from exc
        segments.append(Segment(item.name, item.description, item.owner, rule, path))
    return segments


def load_segments(
    folder: Path | None = None, *, names: Mapping[str, ValueType] | None = None
) -> list[Segment]:
    """Load and check every ``*.yaml`` segment file in ``folder`` (default: ``segments/``).

    Raises:
        SegmentDefinitionError: a file, field or expression is invalid, or a name
            is declared twice; the message names the file and the segment.
    """
    folder = folder or default_segments_dir()
    known = dict(names) if names is not None else segment_names()
    found: dict[str, Segment] = {}
    for path in sorted(folder.glob("*.yaml")):
        for segment in _load_file(path, known):
            if segment.name in found:
                raise SegmentDefinitionError(
                    f"{path}: segment {segment.name!r} is already declared in "
                    f"{found[segment.name].source}; segment names must be unique"
                )
            found[segment.name] = segment
    return list(found.values())


def assign_segments(users: DataFrame, *, segments: Sequence[Segment], as_of: date) -> DataFrame:
    """One row (``user_id``, ``as_of``, ``segment``) per user and segment whose rule is true.

    Args:
        users: one row per user with ``user_id`` and every name the rules read.
        segments: checked segments.
        as_of: the snapshot date written in every row.
    """
    from pyspark.sql import functions as F

    from clarion.expressions.spark import to_column

    if not segments:
        empty = users.limit(0).select("user_id", F.lit(as_of).alias("as_of"))
        return empty.withColumn("segment", F.lit(None).cast("string"))
    member = [
        F.when(F.coalesce(to_column(s.rule.node), F.lit(False)), F.lit(s.name)) for s in segments
    ]
    return users.select(
        "user_id",
        F.lit(as_of).alias("as_of"),
        F.explode(F.filter(F.array(*member), lambda name: name.isNotNull())).alias("segment"),
    )


def run(spark: SparkSession, settings: Settings, *, as_of: date, folder: Path | None = None) -> int:
    """Replace the ``as_of`` partition of ``gold.user_segments``; returns the rows written."""
    from spark_jobs._partitions import overwrite_date_partition, read_date_partition

    segments = load_segments(folder)
    features = read_date_partition(
        spark, uri=settings.table_uri("gold.user_features"), column="as_of", day=as_of
    ).drop("as_of")
    scores = read_date_partition(
        spark, uri=settings.table_uri("gold.user_scores"), column="as_of", day=as_of
    ).select("user_id", "score")
    users = features.join(scores, "user_id", "left")
    uri = settings.table_uri(SEGMENTS_TABLE)
    overwrite_date_partition(
        assign_segments(users, segments=segments, as_of=as_of), uri=uri, column="as_of", day=as_of
    )
    return read_date_partition(spark, uri=uri, column="as_of", day=as_of).count()
