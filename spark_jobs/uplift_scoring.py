"""Uplift scoring: train the uplift model of a gold day, score every user -> ``gold.user_uplift``.

``score_uplift`` is the pure transform: like :mod:`spark_jobs.scoring`, the model
travels to the executors as bytes in the task closure, ``mapInPandas`` loads its
boosters once per partition and scores each Arrow batch with
``Booster.inplace_predict``. ``run`` trains (or re-trains identically, see
:mod:`spark_jobs.uplift_training`) the model of one source campaign and
outcome for ``as_of``, scores that day's ``gold.user_features`` snapshot and
replaces exactly the ``(as_of, trained_on, outcome)`` slice of the table.

Columns: ``user_id, as_of, uplift`` (predicted treated-minus-holdout
probability of the outcome), ``model_version, trained_on, outcome``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marketing.campaigns.exceptions import CampaignRunError

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings
    from marketing.campaigns.schema import Campaign
    from spark_jobs.uplift_training import Outcome

__all__ = ["UPLIFT_SCHEMA", "UPLIFT_TABLE", "read_user_uplift", "run", "score_uplift"]

UPLIFT_TABLE = "gold.user_uplift"
UPLIFT_SCHEMA = (
    "user_id string, as_of date, uplift double, model_version string, trained_on string, "
    "outcome string"
)


def _slice(*, as_of: date, trained_on: str, outcome: str) -> str:
    for value in (trained_on, outcome):
        if "'" in value:
            raise CampaignRunError(f"campaign ids and outcomes may not contain quotes: {value!r}")
    return (
        f"as_of = DATE'{as_of.isoformat()}' AND trained_on = '{trained_on}' "
        f"AND outcome = '{outcome}'"
    )


def score_uplift(
    features: DataFrame, *, model: bytes, model_version: str, trained_on: str, outcome: str
) -> DataFrame:
    """Predicted uplift of every row of a feature snapshot.

    Args:
        features: rows of ``gold.user_features`` (``user_id``, ``as_of`` and the model's
            features; a missing feature column is an error from Spark).
        model: an :class:`~marketing.uplift.artifact.UpliftArtifact` file's bytes.
        model_version, trained_on, outcome: stamped on every row.
    """
    from marketing.uplift.artifact import UpliftArtifact
    from spark_jobs.uplift_training import model_matrix

    names = list(UpliftArtifact.from_bytes(model).features)

    def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        from marketing.uplift.artifact import UpliftArtifact

        artifact = UpliftArtifact.from_bytes(model)
        boosters = artifact.boosters()  # once per partition, not per batch
        for batch in batches:
            matrix = batch[names].to_numpy(dtype="float32", na_value=float("nan"))
            yield pd.DataFrame(
                {
                    "user_id": batch["user_id"],
                    "as_of": batch["as_of"],
                    "uplift": artifact.predict(matrix, boosters=boosters),
                    "model_version": model_version,
                    "trained_on": trained_on,
                    "outcome": outcome,
                }
            )

    frame = features.select("user_id", "as_of", *model_matrix(names))
    return frame.mapInPandas(predict, UPLIFT_SCHEMA)


def read_user_uplift(
    spark: SparkSession, settings: Settings, *, as_of: date, trained_on: str, outcome: str
) -> DataFrame:
    """``user_id, uplift`` of one scored slice.

    Raises:
        CampaignRunError: nothing was scored for that day, campaign and outcome.
    """
    from delta.tables import DeltaTable

    uri = settings.table_uri(UPLIFT_TABLE)
    where = _slice(as_of=as_of, trained_on=trained_on, outcome=outcome)
    scored = (
        spark.read.format("delta").load(uri).where(where)
        if DeltaTable.isDeltaTable(spark, uri)
        else None
    )
    if scored is None or scored.isEmpty():
        raise CampaignRunError(
            f"{UPLIFT_TABLE} has no uplift scores for gold day {as_of} from the model trained "
            f"on campaign {trained_on!r} ({outcome}): run the campaign DAG's score_uplift task "
            f"(or spark_jobs.uplift_scoring.run) for {as_of} first"
        )
    return scored.select("user_id", "uplift", "model_version")


def run(
    spark: SparkSession,
    settings: Settings,
    *,
    source: Campaign,
    outcome: Outcome,
    as_of: date,
) -> dict[str, Any]:
    """Train for ``as_of``, score its snapshot, replace its slice; a JSON-able summary."""
    from spark_jobs._partitions import read_date_partition
    from spark_jobs.features import FEATURES_TABLE
    from spark_jobs.uplift_training import train

    snapshot = read_date_partition(
        spark, uri=settings.table_uri(FEATURES_TABLE), column="as_of", day=as_of
    )
    if snapshot.isEmpty():
        raise CampaignRunError(
            f"{FEATURES_TABLE} has no rows for {as_of}: run the daily batch for that day first"
        )
    record = train(spark, settings, source=source, outcome=outcome, as_of=as_of)
    missing = sorted(set(record.features) - set(snapshot.columns))
    if missing:
        raise CampaignRunError(
            f"{FEATURES_TABLE} of {as_of} lacks the feature(s) {missing} that "
            f"{record.model_version} was trained on (gold days {record.run_ids} of "
            f"{source.id}); re-run the daily batch for {as_of} with the same feature_store"
        )
    scores = score_uplift(
        snapshot,
        model=Path(record.artifact_path).read_bytes(),
        model_version=record.model_version,
        trained_on=source.id,
        outcome=outcome,
    )
    uri = settings.table_uri(UPLIFT_TABLE)
    where = _slice(as_of=as_of, trained_on=source.id, outcome=outcome)
    (
        scores.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", where)
        .partitionBy("as_of", "trained_on")
        .save(uri)
    )
    written = spark.read.format("delta").load(uri).where(where).count()
    return {
        "model_version": record.model_version,
        "runs": record.run_ids,
        "train_rows": record.train_rows,
        "qini": record.qini,
        "qini_response": record.qini_response,
        "scored": written,
    }
