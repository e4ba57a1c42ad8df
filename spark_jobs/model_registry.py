"""The model registry: ``ml.model_registry``, an append-only Delta table of trained models.

Every training run appends one row, whatever its outcome: ``promoted`` (it is the
model scoring uses from now on), ``rejected`` (worse than the current model on
the same holdout) or ``candidate`` (registered without a decision). The current
model is the most recently created ``promoted`` row; older rows are the history
(what was trained when, on what, how good it was, and why it was kept or not).
Model files live under ``settings.state_dir / "models"`` as XGBoost UBJSON.
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
    "status string, reason string"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRecord:
    """One row of the registry.

    Attributes:
        model_version: unique id, also the model file's stem.
        created_at: when training finished (UTC, naive).
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

    @property
    def calibration_table(self) -> list[dict[str, float]]:
        """The calibration deciles, parsed."""
        return list(json.loads(self.calibration))


def models_dir(settings: Settings) -> Path:
    """Where model files are written: ``<state_dir>/models``."""
    return settings.state_dir / "models"


def register_model(spark: SparkSession, settings: Settings, record: ModelRecord) -> None:
    """Append ``record`` to ``ml.model_registry`` (created on first use)."""
    row = asdict(record)
    frame = spark.createDataFrame([tuple(row.values())], REGISTRY_SCHEMA)
    frame.write.format("delta").mode("append").save(settings.table_uri(REGISTRY_TABLE))


def read_registry(spark: SparkSession, settings: Settings) -> list[ModelRecord]:
    """Every registered model, oldest first (empty when the table does not exist)."""
    from delta.tables import DeltaTable

    uri = settings.table_uri(REGISTRY_TABLE)
    if not DeltaTable.isDeltaTable(spark, uri):
        return []
    rows = spark.read.format("delta").load(uri).orderBy("created_at", "model_version").collect()
    return [ModelRecord(**{**row.asDict(), "features": list(row.features)}) for row in rows]


def current_model(spark: SparkSession, settings: Settings) -> ModelRecord | None:
    """The latest promoted model, or ``None`` if nothing was ever promoted."""
    promoted = [r for r in read_registry(spark, settings) if r.status == "promoted"]
    return promoted[-1] if promoted else None
