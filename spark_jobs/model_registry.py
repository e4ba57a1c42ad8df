"""The model registry: ``ml.model_registry``, one Delta row per run date (``as_of``).

Each day's training run records its model, whatever its outcome: ``promoted``
(scoring uses it from that day on), ``rejected`` (worse than the model current
before that day, on the same holdout) or ``candidate`` (registered without a
decision). The model current on day D is the latest ``promoted`` row with
``as_of <= D``; the rows are the history (what was trained for which day, on
what, how good it was, and why it was kept or not).

Reruns are idempotent like every other batch table: the version is named after
its day, a rerun that trains the same model (same file digest) changes nothing,
and a rerun on changed data replaces exactly that day's row. Backfilling an old
day never changes which model a later day uses for scoring.
Model files live under ``<lake root>/ml/models`` as XGBoost UBJSON.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from clarion.settings import Settings

__all__ = [
    "REGISTRY_SCHEMA",
    "REGISTRY_TABLE",
    "ModelRecord",
    "ModelStatus",
    "current_model",
    "models_dir",
    "read_registry",
    "register_model",
]

REGISTRY_TABLE = "ml.model_registry"
ModelStatus = Literal["promoted", "rejected", "candidate"]
REGISTRY_SCHEMA = (
    "model_version string, created_at timestamp, as_of date, trained_as_of date, "
    "train_rows bigint, holdout_rows bigint, features array<string>, params string, "
    "auc double, logloss double, calibration string, artifact_path string, "
    "status string, reason string, digest string"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRecord:
    """One row of the registry.

    Attributes:
        model_version: ``propensity-<as_of>``: one model per run date, also the file's stem.
        created_at: when the day's model was first trained (UTC, naive; kept by a rerun
            that trains the same model).
        as_of: the run date that trained it.
        trained_as_of: T, the date its features are as of (labels look at (T, T + 7 d]).
        train_rows: rows it was fitted on (train + early-stopping validation).
        holdout_rows: rows it was evaluated on.
        features: input columns, in the order the booster expects them.
        params: XGBoost parameters and the boosting rounds kept, as JSON.
        auc: holdout ROC AUC.
        logloss: holdout log loss.
        calibration: JSON list of ``{decile, predicted, observed, rows}`` on the holdout.
        artifact_path: the UBJSON model file.
        status: ``promoted``, ``rejected`` or ``candidate``.
        reason: why, in words (e.g. the AUC of the model it was compared with).
        digest: SHA-256 of the model file: a rerun that trains the same model is a no-op.
    """

    model_version: str
    created_at: datetime
    as_of: date
    trained_as_of: date
    train_rows: int
    holdout_rows: int
    features: list[str]
    params: str
    auc: float
    logloss: float
    calibration: str
    artifact_path: str
    status: ModelStatus
    reason: str
    digest: str

    @property
    def calibration_table(self) -> list[dict[str, float]]:
        """The calibration deciles, parsed."""
        return list(json.loads(self.calibration))


def models_dir(settings: Settings) -> Path:
    """Where model files are written: ``<lake root>/ml/models``, beside the registry.

    Beside the table, not in the state dir: a version is named after its day, so two
    lakes (the demo's, a test's) must not share model files.
    """
    return Path(settings.lake_root) / "ml" / "models"


def register_model(spark: SparkSession, settings: Settings, record: ModelRecord) -> bool:
    """Record the model trained for ``record.as_of``: one row per ``as_of``, rerun-safe.

    A rerun of a day that trained the same model (same artifact digest) changes
    nothing and returns ``False``; a rerun whose data changed (late events)
    replaces that day's row. Other days' rows are never touched.
    """
    from delta.tables import DeltaTable

    uri = settings.table_uri(REGISTRY_TABLE)
    frame = spark.createDataFrame([tuple(asdict(record).values())], REGISTRY_SCHEMA)
    if not DeltaTable.isDeltaTable(spark, uri):
        frame.write.format("delta").save(uri)
        return True
    same_day = [r for r in read_registry(spark, settings) if r.as_of == record.as_of]
    if same_day and same_day[0].digest == record.digest:
        return False
    day = f"as_of = DATE'{record.as_of.isoformat()}'"
    frame.write.format("delta").mode("overwrite").option("replaceWhere", day).save(uri)
    return True


def read_registry(spark: SparkSession, settings: Settings) -> list[ModelRecord]:
    """Every registered model, oldest ``as_of`` first (empty when the table does not exist)."""
    from delta.tables import DeltaTable

    uri = settings.table_uri(REGISTRY_TABLE)
    if not DeltaTable.isDeltaTable(spark, uri):
        return []
    rows = spark.read.format("delta").load(uri).orderBy("as_of", "model_version").collect()
    return [ModelRecord(**{**row.asDict(), "features": list(row.features)}) for row in rows]


def current_model(
    spark: SparkSession, settings: Settings, *, as_of: date | None = None, before: bool = False
) -> ModelRecord | None:
    """The latest promoted model as of a day, or ``None`` if none was promoted by then.

    Args:
        as_of: only models trained for this day or earlier count (``None``: all).
        before: only models of days strictly before ``as_of`` (what a day's own
            training run compares itself with, so a rerun decides the same way).
    """
    promoted = [
        r
        for r in read_registry(spark, settings)
        if r.status == "promoted"
        and (as_of is None or r.as_of < as_of or (r.as_of == as_of and not before))
    ]
    return promoted[-1] if promoted else None
