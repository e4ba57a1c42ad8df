"""Train an uplift model from a finished randomized campaign -> ``ml.uplift_models``.

Data: the campaign's ``gold.campaign_audiences`` rows (treated variants = 1,
holdout = 0; the split is a hash, so it is a randomized experiment), each
member's outcome in the run's attribution window
(:func:`spark_jobs.campaign_results.attribute_outcomes`, the rule the campaign
results use), and the member's ``gold.user_features`` row of the run's own
``as_of`` — the gold day the audience was built from, strictly before the send
(a run whose ``as_of`` is not before its send day is refused: its features
could have seen the outcome).

Point in time: a model trained for gold day D learns only from runs whose
attribution window closed by the end of D, so re-running D later gives the same
model. Features are every numeric or boolean column of the snapshot (recorded
with the model). The X-learner (:class:`marketing.uplift.XLearnerUplift`) is
evaluated on a split stratified by treatment x outcome (fitted on 70 %, the
recorded Qini of the model and of ranking by the treated-arm response model —
what "targeting by propensity" means for this outcome — on the other 30 %),
then refitted on every member: that is the model scored. The rows are collected
to the driver through Arrow: a few hundred bytes per member, fine to a few
million members.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from marketing.uplift import (
    BoosterSettings,
    TreatedResponseModel,
    XLearnerUplift,
    qini_coefficient,
    stratified_split,
)
from marketing.uplift.artifact import UpliftArtifact
from spark_jobs.exceptions import TrainingError
from spark_jobs.uplift_models import (
    UpliftEvaluation,
    UpliftModelRecord,
    register_uplift_model,
    uplift_model_version,
)

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from clarion.settings import Settings
    from marketing.campaigns.schema import Campaign

__all__ = [
    "BOOSTER",
    "HOLDOUT_FRACTION",
    "RunSummary",
    "feature_columns",
    "finished_run_ids",
    "fit_uplift",
    "model_matrix",
    "train",
    "uplift_training_set",
]

Outcome = Literal["conversion", "visit"]
HOLDOUT_FRACTION = 0.3
# Shallow, well-regularised trees: uplift is a small difference of noisy rates. Chosen on
# Hillstrom (visits, 4 splits): Qini 0.0036-0.0046 vs 0.0025-0.0041 with depth 3, 100 rounds.
# One thread: on a busy driver two threads fitted an X-learner 8x slower (3.6 s vs 0.5 s).
BOOSTER = BoosterSettings(
    n_estimators=100, max_depth=2, learning_rate=0.1, min_child_weight=50, nthread=1
)
_LABEL = {"conversion": "converted", "visit": "visited"}
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal", "boolean")


def feature_columns(schema: StructType) -> list[str]:
    """The snapshot's numeric and boolean columns (not ``user_id``/``as_of``), in order."""
    return [
        f.name
        for f in schema.fields
        if f.name not in ("user_id", "as_of")
        and (
            f.dataType.simpleString() in _NUMERIC or f.dataType.simpleString().startswith("decimal")
        )
    ]


def model_matrix(feature_names: list[str]) -> list[Column]:
    """The features as doubles (nulls stay null: XGBoost treats them as missing)."""
    from pyspark.sql import functions as F

    return [F.col(name).cast("double").alias(name) for name in feature_names]


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """One run of the source campaign, as far as choosing training runs goes."""

    run_id: str
    first_sent_at: datetime
    last_sent_at: datetime
    max_as_of: date
    treated: int
    holdout: int


def finished_run_ids(runs: list[RunSummary], *, window: timedelta, as_of: date) -> list[str]:
    """Runs whose attribution closed by the end of ``as_of`` and that had both arms.

    Raises:
        TrainingError: A usable run's features are not strictly before its send.
    """
    end_of_day = datetime.combine(as_of + timedelta(days=1), time())
    usable = []
    for run in sorted(runs, key=lambda r: r.run_id):
        if run.last_sent_at + window > end_of_day or not (run.treated and run.holdout):
            continue
        if run.max_as_of >= run.first_sent_at.date():
            raise TrainingError(
                f"run {run.run_id}: its audience was built from gold day {run.max_as_of}, "
                f"not before its send on {run.first_sent_at.date()}; its features may have "
                "seen the outcome, so it cannot train an uplift model"
            )
        usable.append(run.run_id)
    return usable


def uplift_training_set(
    members: DataFrame, features: DataFrame, *, outcome: Outcome, feature_names: list[str]
) -> DataFrame:
    """One row per (run, member): ``run_id, user_id, treated, y`` and the features as doubles.

    Args:
        members: ``run_id, user_id, as_of, is_holdout, visited, converted`` (one row per
            member of each run: the audience joined with its attributed outcomes).
        features: ``gold.user_features`` rows of the runs' ``as_of`` days.
        outcome: Which outcome is ``y``.
        feature_names: Feature columns to keep.
    """
    from pyspark.sql import functions as F

    snapshot = features.select("user_id", "as_of", *model_matrix(feature_names))
    return members.join(snapshot, ["user_id", "as_of"]).select(
        "run_id",
        "user_id",
        (~F.col("is_holdout")).cast("int").alias("treated"),
        F.col(_LABEL[outcome]).cast("double").alias("y"),
        *feature_names,
    )


def fit_uplift(
    frame: pd.DataFrame, *, feature_names: list[str], settings: BoosterSettings = BOOSTER
) -> tuple[UpliftArtifact, UpliftEvaluation]:
    """Evaluate the X-learner on a stratified split of ``frame``, then fit it on all of it.

    The Qini coefficients (the model's and the response model's) are measured on
    the held-out 30 % by models fitted on the other 70 %; the returned artifact is
    the same procedure fitted on every row, so the shipped model uses all the
    randomized evidence (on Hillstrom visits that lifted the held-out half's
    top-30 % incremental visit rate over ranking by response in 6 splits of 6).

    Raises:
        TrainingError: An arm is empty or the outcome never happens.
    """
    import numpy as np

    t = frame["treated"].to_numpy(dtype=np.int64)
    y = frame["y"].to_numpy(dtype=np.float64)
    if t.sum() in (0, len(t)) or y.sum() == 0:
        raise TrainingError(
            f"{len(t)} members, {int(t.sum())} treated, {int(y.sum())} with the outcome: "
            "an uplift model needs treated and holdout members and some outcomes"
        )
    x = frame[feature_names].to_numpy(dtype=np.float64)
    train, test = stratified_split(t * 2 + (y > 0), test_fraction=HOLDOUT_FRACTION, seed=0)
    trial = XLearnerUplift(settings=settings).fit(x[train], t[train], y[train])
    response = TreatedResponseModel(settings=settings).fit(x[train], t[train], y[train])
    tt, yt = t[test], y[test]
    qini = qini_coefficient(score=trial.predict_uplift(x[test]), treatment=tt, y=yt)
    qini_response = qini_coefficient(score=response.predict_response(x[test]), treatment=tt, y=yt)
    final = XLearnerUplift(settings=settings).fit(x, t, y)  # every member: nothing is wasted
    return UpliftArtifact.from_learner(final, features=tuple(feature_names)), UpliftEvaluation(
        train_rows=len(t),
        holdout_rows=len(test),
        treated_fraction=final.treated_fraction,
        average_effect=float(yt[tt == 1].mean() - yt[tt == 0].mean()),
        qini=qini,
        qini_response=qini_response,
    )


def _members(
    spark: SparkSession, settings: Settings, *, source: Campaign, as_of: date
) -> tuple[list[RunSummary], DataFrame]:
    """The finished runs and their members with outcomes (one attribution per run)."""
    from functools import reduce

    from pyspark.sql import functions as F

    from spark_jobs.campaign_audience import AUDIENCES_TABLE
    from spark_jobs.campaign_results import attribute_outcomes

    audiences = (
        spark.read.format("delta")
        .load(settings.table_uri(AUDIENCES_TABLE))
        .where(F.col("campaign_id") == source.id)
    )
    summary = audiences.groupBy("run_id").agg(
        F.min("sent_at").alias("first_sent_at"),
        F.max("sent_at").alias("last_sent_at"),
        F.max("as_of").alias("max_as_of"),
        F.sum((~F.col("is_holdout")).cast("int")).alias("treated"),
        F.sum(F.col("is_holdout").cast("int")).alias("holdout"),
    )
    window = source.attribution.window
    runs = [RunSummary(**r.asDict()) for r in summary.collect()]
    run_ids = finished_run_ids(runs, window=window, as_of=as_of)
    finished = [r for r in runs if r.run_id in run_ids]
    if not run_ids:
        raise TrainingError(
            f"campaign {source.id} has no run with a holdout whose {window} attribution window "
            f"closed by {as_of}: send it (with holdout_percent > 0) and wait for its results"
        )
    events = spark.read.format("delta").load(settings.table_uri("silver.events"))
    parts = []
    for run_id in run_ids:
        audience = audiences.where(F.col("run_id") == run_id)
        outcomes = attribute_outcomes(
            audience,
            events,
            window=window,
            conversion_event=source.attribution.conversion_event,
            visit_event=source.attribution.visit_event,
        )
        parts.append(audience.select("run_id", "user_id", "as_of").join(outcomes, "user_id"))
    return finished, reduce(lambda a, b: a.unionByName(b), parts)


def train(
    spark: SparkSession,
    settings: Settings,
    *,
    source: Campaign,
    outcome: Outcome,
    as_of: date,
) -> UpliftModelRecord:
    """Train the uplift model of ``source`` for gold day ``as_of`` and register it.

    Raises:
        TrainingError: no finished run with a holdout, no features for its members,
            or ``outcome="visit"`` on a campaign that measures no visits.
    """
    from pyspark.sql import functions as F

    from spark_jobs.features import FEATURES_TABLE
    from spark_jobs.model_registry import models_dir

    if outcome == "visit" and source.attribution.visit_event is None:
        raise TrainingError(
            f"campaign {source.id} measures no visits (attribution.visit_event is not set): "
            "train on outcome 'conversion' or set its visit_event"
        )
    runs, members = _members(spark, settings, source=source, as_of=as_of)
    run_ids, days = [r.run_id for r in runs], sorted({r.max_as_of for r in runs})
    features = (
        spark.read.format("delta")
        .load(settings.table_uri(FEATURES_TABLE))
        .where(F.col("as_of").isin(days))
    )
    names = feature_columns(features.schema)
    frame = (
        uplift_training_set(members, features, outcome=outcome, feature_names=names)
        .toPandas()
        .sort_values(["run_id", "user_id"], ignore_index=True)  # same rows, same order, same fit
    )
    if frame.empty:
        raise TrainingError(
            f"campaign {source.id}: none of the members of runs {run_ids} has a row in "
            f"{FEATURES_TABLE} for the gold day(s) {sorted(days)} their audience was built from"
        )
    artifact, evaluation = fit_uplift(frame, feature_names=names)
    version = uplift_model_version(trained_on=source.id, outcome=outcome, as_of=as_of)
    path = models_dir(settings) / f"{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(artifact.to_bytes())
    record = UpliftModelRecord(
        **asdict(evaluation),
        model_version=version,
        created_at=datetime.now(UTC).replace(tzinfo=None),  # an identical rerun keeps the first
        trained_on=source.id,
        as_of=as_of,
        run_ids=run_ids,
        outcome=outcome,
        learner=artifact.learner,
        features=names,
        params=json.dumps(asdict(BOOSTER), sort_keys=True),
        artifact_path=str(path),
        digest=artifact.digest,
    )
    register_uplift_model(spark, settings, record)
    return record
