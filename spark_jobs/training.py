"""Training: a point-in-time-correct training set -> an XGBoost purchase-propensity model.

Point in time: a run on ``as_of`` trains on ``T = as_of - 7 days``. Features are
computed for T by the same :func:`spark_jobs.features.compute_features` as the
daily snapshot (never read back from a stored snapshot), so they see only events
with ``ts < T + 1 day``. The label is 1 when the user purchased in
``(T + 1 day, T + 8 days]`` ("(T, T + 7 days]" with T the end of day T): the
week right after the feature cutoff, complete on ``as_of``. Nothing after that
week is read.

Users are split by a hash of their id (stable across runs): 65 % train, 15 %
validation (early stopping), 20 % holdout (metrics and the promotion decision).
The frame is collected to the driver through Arrow and fitted with
``xgboost.train`` (``nthread=2``): a few hundred bytes per user, fine up to a few
million users; past that, sample the negatives or move to ``xgboost.spark``.

Promotion rule: the new model is promoted when no model is promoted yet, when the
current model's features are no longer all available, or when its holdout AUC is
at least the current model's AUC on the SAME holdout minus :data:`AUC_TOLERANCE`;
otherwise it is registered as ``rejected`` and the current model stays. "Current"
means the model promoted for an earlier day, so a rerun of a day decides as the
first run did, and the same rows train the same model (rows are sorted by user
id; XGBoost's ``hist`` method is deterministic for a fixed seed), which the
registry then recognises by its digest (see :mod:`spark_jobs.model_registry`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from feature_store import USER_FEATURES, FeatureRegistry
from spark_jobs.exceptions import TrainingError
from spark_jobs.model_registry import (
    ModelRecord,
    current_model,
    models_dir,
    read_registry,
    register_model,
)

if TYPE_CHECKING:
    import pandas as pd
    import xgboost as xgb
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = [
    "AUC_TOLERANCE",
    "LABEL_DAYS",
    "PARAMS",
    "TrainingResult",
    "decide_promotion",
    "fit_model",
    "model_features",
    "run",
    "training_set",
]

LABEL_DAYS = 7
AUC_TOLERANCE = 0.005
PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "eval_metric": "logloss",
    "max_depth": 4,
    "eta": 0.05,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "min_child_weight": 5,
    "nthread": 2,
    "seed": 0,
}
MAX_ROUNDS = 400
EARLY_STOPPING = 30
_MODEL_DTYPES = ("int64", "double", "boolean")


def model_features(registry: FeatureRegistry = USER_FEATURES) -> list[str]:
    """The batch features a model can take as numbers (maps are left out)."""
    return [f.name for f in registry.by_source("batch") if f.dtype in _MODEL_DTYPES]


def training_set(
    events: DataFrame,
    users: DataFrame,
    *,
    trained_as_of: date,
    registry: FeatureRegistry = USER_FEATURES,
) -> DataFrame:
    """Features as of T, the next week's purchase label and a stable ``split`` per user.

    Args:
        events: ``silver.events`` (any dates; only what T and its label week allow is read).
        users: one row per user, as of T (``spark_jobs.features.users_as_of``).
        trained_as_of: T.
        registry: the feature declarations.

    Returns:
        ``compute_features`` columns plus ``label`` (0/1) and ``split``
        (``train``, ``valid`` or ``holdout``).
    """
    from pyspark.sql import functions as F

    from spark_jobs.features import compute_features

    cutoff = datetime.combine(trained_as_of + timedelta(days=1), datetime.min.time())
    features = compute_features(events, users, as_of=trained_as_of, registry=registry)
    buyers = (
        events.filter(
            (F.col("type") == "purchase")
            & (F.col("event_date") >= F.lit(cutoff.date()))
            & (F.col("event_date") <= F.lit((cutoff + timedelta(days=LABEL_DAYS)).date()))
            & (F.col("ts") > F.lit(cutoff))
            & (F.col("ts") <= F.lit(cutoff + timedelta(days=LABEL_DAYS)))
        )
        .select("user_id")
        .distinct()
        .withColumn("label", F.lit(1))
    )
    bucket = F.pmod(F.xxhash64(F.lit("clarion-split"), "user_id"), F.lit(100))
    return (
        features.join(buyers, "user_id", "left")
        .withColumn("label", F.coalesce("label", F.lit(0)))
        .withColumn(
            "split",
            F.when(bucket < 65, "train").when(bucket < 80, "valid").otherwise("holdout"),
        )
    )


def _matrix(frame: pd.DataFrame, features: list[str]) -> Any:
    return frame[features].astype("float32").to_numpy()


def fit_model(frame: pd.DataFrame, *, features: list[str]) -> xgb.Booster:
    """Fit on ``split == train`` with early stopping on ``valid``; keep the best rounds."""
    import xgboost as xgb

    train, valid = frame[frame["split"] == "train"], frame[frame["split"] == "valid"]
    for part, name in ((train, "train"), (valid, "valid")):
        if part.empty or part["label"].nunique() < 2:
            raise TrainingError(
                f"the {name} split has {len(part)} rows, labels {sorted(part['label'].unique())}; "
                "a model needs buyers and non-buyers: check silver.events covers the label week"
            )
    dtrain = xgb.DMatrix(_matrix(train, features), label=train["label"], feature_names=features)
    dvalid = xgb.DMatrix(_matrix(valid, features), label=valid["label"], feature_names=features)
    booster = xgb.train(
        PARAMS,
        dtrain,
        num_boost_round=MAX_ROUNDS,
        evals=[(dvalid, "valid")],
        early_stopping_rounds=EARLY_STOPPING,
        verbose_eval=False,
    )
    return booster[: booster.best_iteration + 1]


def predict(booster: xgb.Booster, frame: pd.DataFrame, features: list[str]) -> Any:
    """Scores of ``frame`` by ``booster`` (its own feature order)."""
    return booster.inplace_predict(_matrix(frame, features))


def decide_promotion(new_auc: float, current_auc: float | None) -> tuple[bool, str]:
    """Whether a new model replaces the current one, and why (see the module docstring)."""
    if current_auc is None:
        return True, f"no comparable promoted model; holdout AUC {new_auc:.4f}"
    if new_auc >= current_auc - AUC_TOLERANCE:
        return True, f"holdout AUC {new_auc:.4f} >= current {current_auc:.4f} - {AUC_TOLERANCE}"
    return False, f"holdout AUC {new_auc:.4f} < current {current_auc:.4f} - {AUC_TOLERANCE}"


@dataclass(frozen=True, slots=True)
class TrainingResult:
    """What one training run produced and decided.

    Attributes:
        record: the row appended to ``ml.model_registry``.
        current_auc: the previously promoted model's AUC on the same holdout (None if none).
        seconds: wall time of the run.
    """

    record: ModelRecord
    current_auc: float | None
    seconds: float

    @property
    def promoted(self) -> bool:
        """Whether scoring now uses this model."""
        return self.record.status == "promoted"


def _current_auc(
    spark: SparkSession, settings: Settings, holdout: pd.DataFrame, *, as_of: date
) -> float | None:
    import xgboost as xgb

    from spark_jobs._evaluation import auc

    current = current_model(spark, settings, as_of=as_of, before=True)
    if current is None or not set(current.features) <= set(holdout.columns):
        return None
    booster = xgb.Booster(model_file=current.artifact_path)
    return auc(holdout["label"].to_numpy(), predict(booster, holdout, current.features))


def run(spark: SparkSession, settings: Settings, *, as_of: date) -> TrainingResult:
    """Train on T = ``as_of`` - 7 days, evaluate, register, and promote if not worse."""
    from spark_jobs._evaluation import auc, calibration_by_decile, log_loss
    from spark_jobs.features import read_users

    started = time.perf_counter()
    trained_as_of = as_of - timedelta(days=LABEL_DAYS)
    features = model_features()
    events = spark.read.format("delta").load(settings.table_uri("silver.events"))
    dataset = training_set(
        events, read_users(spark, settings, as_of=trained_as_of), trained_as_of=trained_as_of
    )
    frame = dataset.select("user_id", "label", "split", *features).toArrow().to_pandas()
    # Spark returns rows in no fixed order; the same rows in the same order give the same model.
    frame = frame.sort_values("user_id", kind="stable").reset_index(drop=True)
    booster = fit_model(frame, features=features)
    holdout = frame[frame["split"] == "holdout"]
    scores = predict(booster, holdout, features)
    labels = holdout["label"].to_numpy()
    new_auc = auc(labels, scores)
    current_auc = _current_auc(spark, settings, holdout, as_of=as_of)
    promote, reason = decide_promotion(new_auc, current_auc)
    version = f"propensity-{as_of:%Y%m%d}"
    artifact = bytes(booster.save_raw("ubj"))
    digest = hashlib.sha256(artifact).hexdigest()
    previous = next((r for r in read_registry(spark, settings) if r.as_of == as_of), None)
    same = previous is not None and previous.digest == digest
    created = previous.created_at if same else datetime.now(UTC).replace(tzinfo=None)
    path = models_dir(settings) / f"{version}.ubj"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not same:
        path.write_bytes(artifact)
    record = ModelRecord(
        model_version=version,
        created_at=created,
        as_of=as_of,
        trained_as_of=trained_as_of,
        train_rows=int((frame["split"] != "holdout").sum()),
        holdout_rows=len(holdout),
        features=features,
        params=json.dumps({**PARAMS, "rounds": booster.num_boosted_rounds()}, sort_keys=True),
        auc=new_auc,
        logloss=log_loss(labels, scores),
        calibration=json.dumps(calibration_by_decile(labels, scores)),
        artifact_path=str(path),
        status="promoted" if promote else "rejected",
        reason=reason,
        digest=digest,
    )
    register_model(spark, settings, record)
    return TrainingResult(
        record=record, current_auc=current_auc, seconds=time.perf_counter() - started
    )
