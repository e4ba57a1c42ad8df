"""Scoring: ``gold.user_features`` (one day) x the promoted model -> ``gold.user_scores``.

The model travels to the executors as bytes inside the task closure (no shared
file system needed); ``mapInPandas`` loads the booster once per partition and
scores each Arrow batch with ``Booster.inplace_predict``, so prediction is
vectorised and runs where the data is. A rerun of a day replaces that day only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from spark_jobs.exceptions import NoPromotedModelError

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = ["SCORES_SCHEMA", "SCORES_TABLE", "run", "score_users"]

SCORES_TABLE = "gold.user_scores"
SCORES_SCHEMA = "user_id string, as_of date, score double, model_version string"


def score_users(
    features: DataFrame, *, model: bytes, feature_names: list[str], model_version: str
) -> DataFrame:
    """Score every row of a feature snapshot.

    Args:
        features: rows of ``gold.user_features`` (``user_id``, ``as_of`` and the features).
        model: the booster, serialised (``Booster.save_raw("ubj")`` or the UBJ file's bytes).
        feature_names: the model's input columns, in its order.
        model_version: stamped on every row.

    Returns:
        ``user_id, as_of, score, model_version``.
    """
    columns = ["user_id", "as_of", *feature_names]

    def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd
        import xgboost as xgb

        booster = xgb.Booster(params={"nthread": 1})
        booster.load_model(bytearray(model))  # once per partition, not per batch
        for batch in batches:
            matrix = batch[feature_names].astype("float32").to_numpy()
            yield pd.DataFrame(
                {
                    "user_id": batch["user_id"],
                    "as_of": batch["as_of"],
                    "score": booster.inplace_predict(matrix).astype("float64"),
                    "model_version": model_version,
                }
            )

    return features.select(*columns).mapInPandas(predict, SCORES_SCHEMA)


def run(spark: SparkSession, settings: Settings, *, as_of: date) -> int:
    """Score the ``as_of`` feature snapshot with the promoted model; returns rows written.

    Raises:
        NoPromotedModelError: the registry has no promoted model yet.
    """
    from spark_jobs.features import FEATURES_TABLE, overwrite_partition
    from spark_jobs.model_registry import current_model

    model = current_model(spark, settings, as_of=as_of)
    if model is None:
        raise NoPromotedModelError(
            f"ml.model_registry has no model promoted on or before {as_of}: "
            "run spark_jobs.training first "
            f"(it promotes its first model), then score {as_of} again"
        )
    snapshot = (
        spark.read.format("delta")
        .load(settings.table_uri(FEATURES_TABLE))
        .filter(f"as_of = DATE'{as_of.isoformat()}'")
    )
    scores = score_users(
        snapshot,
        model=Path(model.artifact_path).read_bytes(),
        feature_names=model.features,
        model_version=model.model_version,
    )
    uri = settings.table_uri(SCORES_TABLE)
    overwrite_partition(scores, uri=uri, as_of=as_of)
    written = spark.read.format("delta").load(uri).filter(f"as_of = DATE'{as_of.isoformat()}'")
    return written.count()
