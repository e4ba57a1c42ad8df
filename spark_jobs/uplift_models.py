"""The uplift model registry: ``ml.uplift_models``, one row per (source campaign, outcome, as_of).

An uplift model is trained for a gold day ``as_of`` from the finished runs of one
randomized campaign (``trained_on``): its treated variants against its holdout.
The row keeps what a marketer or analyst needs to trust it: which runs, how
many users, the treated share, the held-out Qini of the model and of ranking by
response alone, and the artifact (``<lake root>/ml/models/<version>.json``, see
:class:`marketing.uplift.artifact.UpliftArtifact`) with its digest.

Reruns are idempotent like the propensity registry (:mod:`spark_jobs.model_registry`):
a rerun that trains the same model (same digest) changes nothing, one on changed
data replaces exactly that ``model_version`` row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from clarion.settings import Settings

__all__ = [
    "UPLIFT_MODELS_SCHEMA",
    "UPLIFT_MODELS_TABLE",
    "UpliftEvaluation",
    "UpliftModelRecord",
    "read_uplift_models",
    "register_uplift_model",
    "uplift_model_version",
]

UPLIFT_MODELS_TABLE = "ml.uplift_models"
UPLIFT_MODELS_SCHEMA = (
    "train_rows bigint, holdout_rows bigint, treated_fraction double, average_effect double, "
    "qini double, qini_response double, model_version string, created_at timestamp, "
    "trained_on string, as_of date, run_ids array<string>, outcome string, learner string, "
    "features array<string>, params string, artifact_path string, digest string"
)


def uplift_model_version(*, trained_on: str, outcome: str, as_of: date) -> str:
    """``uplift-<campaign>-<outcome>-<as_of>``, also the artifact file's stem."""
    return f"uplift-{trained_on}-{outcome}-{as_of.isoformat()}"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpliftEvaluation:
    """How a model was fitted and how well it ranks held-out members.

    Attributes:
        train_rows: members it was fitted on (all of them, see ``holdout_rows``).
        holdout_rows: members of the stratified 30 % split its Qini was measured on, by
            the same procedure fitted on the other 70 %.
        treated_fraction: share of treated members.
        average_effect: the outcome's treated-minus-holdout rate on the held-out split.
        qini: Qini coefficient of ranking the held-out split by this model.
        qini_response: the same for ranking by the treated-arm response model
            ("propensity" targeting); random ranking scores 0 in expectation.
    """

    train_rows: int
    holdout_rows: int
    treated_fraction: float
    average_effect: float
    qini: float
    qini_response: float


@dataclass(frozen=True, slots=True, kw_only=True)
class UpliftModelRecord(UpliftEvaluation):
    """One row of ``ml.uplift_models``: the evaluation and where the model came from.

    Attributes:
        model_version: :func:`uplift_model_version`.
        created_at: when the model was first trained (UTC, naive; kept by an identical rerun).
        trained_on: the randomized campaign whose runs trained it.
        as_of: the gold day it was trained for (only runs whose attribution closed by then).
        run_ids: the campaign runs it learned from.
        outcome: ``conversion`` or ``visit``, within each run's attribution window.
        learner: ``x_learner`` or ``t_learner``.
        features: input columns of ``gold.user_features``, in the model's order.
        params: booster settings, as JSON.
        artifact_path: the model file.
        digest: SHA-256 of the model file.
    """

    model_version: str
    created_at: datetime
    trained_on: str
    as_of: date
    run_ids: list[str]
    outcome: str
    learner: str
    features: list[str]
    params: str
    artifact_path: str
    digest: str


def _where(record: UpliftModelRecord) -> str:
    return f"model_version = '{record.model_version}'"


def register_uplift_model(
    spark: SparkSession, settings: Settings, record: UpliftModelRecord
) -> bool:
    """Record ``record.model_version`` (one row each); ``False`` if the same model is there."""
    from delta.tables import DeltaTable

    uri = settings.table_uri(UPLIFT_MODELS_TABLE)
    frame = spark.createDataFrame([tuple(asdict(record).values())], UPLIFT_MODELS_SCHEMA)
    if not DeltaTable.isDeltaTable(spark, uri):
        frame.write.format("delta").save(uri)
        return True
    same = [
        r
        for r in read_uplift_models(spark, settings, trained_on=record.trained_on)
        if r.model_version == record.model_version
    ]
    if same and same[0].digest == record.digest:
        return False
    where = _where(record)
    frame.write.format("delta").mode("overwrite").option("replaceWhere", where).save(uri)
    return True


def read_uplift_models(
    spark: SparkSession, settings: Settings, *, trained_on: str | None = None
) -> list[UpliftModelRecord]:
    """Registered uplift models (of one source campaign), oldest ``as_of`` first."""
    from delta.tables import DeltaTable

    uri = settings.table_uri(UPLIFT_MODELS_TABLE)
    if not DeltaTable.isDeltaTable(spark, uri):
        return []
    frame = spark.read.format("delta").load(uri)
    if trained_on is not None:
        frame = frame.where(frame["trained_on"] == trained_on)
    rows = frame.orderBy("as_of", "model_version").collect()
    return [
        UpliftModelRecord(
            **{**row.asDict(), "features": list(row.features), "run_ids": list(row.run_ids)}
        )
        for row in rows
    ]
