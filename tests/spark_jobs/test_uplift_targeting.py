"""Uplift targeting through the Spark campaign path, checked on the real Hillstrom experiment.

The 64,000 customers are split in two halves, stratified by arm x visit. The
training half is a finished run of ``campaigns/hillstrom.yaml`` in
``gold.campaign_audiences``; the held-out half is kept as another campaign's run,
only to measure. ``spark_jobs.uplift_scoring.run`` trains the X-learner from the
training run (features of the gold day before the send, visits in the
attribution window) and scores everyone into ``gold.user_uplift``. Then a
campaign file asking for the held-out half's top 30 % by uplift goes through
``spark_jobs.campaign_audience.run``, and so does the same file ranking by
propensity (a response model fitted on the training half's e-mailed customers,
as ``gold.user_scores``). On the held-out half, each targeted group's realised
incremental visit rate (e-mailed minus no-e-mail, Hillstrom's own randomization)
and each ranking's Qini coefficient are compared with random targeting.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
import yaml
from deltalake import DeltaTable as RsDeltaTable

from clarion.settings import Settings
from marketing.campaigns import Campaign
from marketing.campaigns.loader import default_campaigns_dir, load_campaign
from marketing.hillstrom import hillstrom_features, load_hillstrom
from marketing.uplift import TreatedResponseModel, qini_coefficient, stratified_split
from spark_jobs import campaign_audience, uplift_scoring
from spark_jobs.campaign_audience import AUDIENCES_TABLE
from spark_jobs.campaign_results import attribute_outcomes
from spark_jobs.uplift_models import read_uplift_models
from spark_jobs.uplift_training import BOOSTER
from tests.spark_jobs._hillstrom_lake import (
    RUN_ID,
    SCORE_DAY,
    SENT_AT,
    audience_rows,
    hillstrom_run,
    write_hillstrom_lake,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark

EVAL_CAMPAIGN = "hillstrom_heldout"
TOP_SHARE = 0.3


def _write_lake(root: Path) -> pd.DataFrame:
    """Write the lake; returns the held-out half: ``user_id, treated, visited``."""
    run = hillstrom_run()
    audience, features, treated, visited = run.audience, run.features, run.treated, run.visited
    train, heldout = stratified_split(treated * 2 + visited, test_fraction=0.5, seed=0)
    history = pd.concat(
        [
            audience_rows(audience.iloc[train], "hillstrom"),
            audience_rows(audience.iloc[heldout], EVAL_CAMPAIGN),
        ],
        ignore_index=True,
    )
    # "Propensity": the chance to visit when e-mailed, learnt on the training half.
    response = TreatedResponseModel(settings=BOOSTER).fit(
        features.iloc[train], treated[train], visited[train]
    )
    scores = pd.DataFrame(
        {
            "user_id": audience["user_id"],
            "as_of": SCORE_DAY,
            "score": response.predict_response(features),
            "model_version": "hillstrom-response",
        }
    )
    segment = audience["user_id"].iloc[heldout].to_numpy()
    segments = pd.DataFrame({"user_id": segment, "as_of": SCORE_DAY, "segment": "heldout_half"})
    write_hillstrom_lake(root / "lake", run, history=history, scores=scores, segments=segments)
    return pd.DataFrame(
        {"user_id": segment, "treated": treated[heldout], "visited": visited[heldout]}
    )


def _targeting(rank_by: str, size: int) -> Campaign:
    document = yaml.safe_load((default_campaigns_dir() / "hillstrom.yaml").read_text())
    document["id"] = f"hillstrom_by_{rank_by}"
    document["audience"] = {
        "segments": {"include": ["heldout_half"]},
        "uplift": {"from_campaign": "hillstrom", "outcome": "visit"},
        "rank_by": rank_by,
        "max_size": size,
    }
    return Campaign.model_validate(document)


def _heldout_outcomes(spark: SparkSession, settings: Settings) -> DataFrame:
    """The held-out half's Hillstrom arms and visits, attributed as the campaign results do."""
    from pyspark.sql import functions as F

    audiences = spark.read.format("delta").load(settings.table_uri(AUDIENCES_TABLE))
    events = spark.read.format("delta").load(settings.table_uri("silver.events"))
    return attribute_outcomes(
        audiences.where(F.col("campaign_id") == EVAL_CAMPAIGN),
        events,
        window=load_campaign(default_campaigns_dir() / "hillstrom.yaml").attribution.window,
        conversion_event="purchase",
        visit_event="page_view",
    ).localCheckpoint()


def _incremental_visit_rate(targeted: DataFrame, outcomes: DataFrame) -> float:
    """E-mailed minus no-e-mail visit rate (Hillstrom's own arms) of the targeted users."""
    from pyspark.sql import functions as F

    rates = {
        bool(r["is_holdout"]): float(r["rate"])
        for r in outcomes.join(targeted.select("user_id"), "user_id")
        .groupBy("is_holdout")
        .agg(F.avg("visited").alias("rate"))
        .collect()
    }
    return rates[False] - rates[True]


def test_targeting_by_uplift_beats_random_and_propensity_on_held_out_hillstrom(
    spark: SparkSession,
    spark_settings: Settings,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    heldout = _write_lake(tmp_path)
    delta = spark_settings.delta.model_copy(update={"root": str(tmp_path / "lake")})
    settings = spark_settings.model_copy(update={"delta": delta})
    source = load_campaign(default_campaigns_dir() / "hillstrom.yaml")

    summary = uplift_scoring.run(spark, settings, source=source, outcome="visit", as_of=SCORE_DAY)

    assert summary["runs"] == [RUN_ID] and summary["scored"] == 64_000
    (model,) = read_uplift_models(spark, settings)
    assert (model.train_rows, model.holdout_rows, model.trained_on) == (32_000, 9_600, "hillstrom")
    assert model.features == [*hillstrom_features(load_hillstrom()[:1]).columns, "reachable_email"]
    assert 0.65 < model.treated_fraction < 0.69  # two e-mail arms of three

    size = round(TOP_SHARE * len(heldout))
    outcomes, by_uplift = _heldout_outcomes(spark, settings), _targeting("uplift", size)
    arms = campaign_audience.run(
        spark, settings, campaign=by_uplift, run_id="r1", as_of=SCORE_DAY, sent_at=SENT_AT
    )
    assert sum(arms.values()) == size
    targeted = campaign_audience.read_run_partition(
        spark, uri=settings.table_uri(AUDIENCES_TABLE), campaign_id=by_uplift.id, run_id="r1"
    )
    realised = {"uplift": _incremental_visit_rate(targeted, outcomes)}
    # The same file ranking by propensity: the job's transform on the same users (no write).
    users = campaign_audience.audience_users(
        spark, settings, as_of=SCORE_DAY, uplift=by_uplift.audience.uplift
    )
    by_score = campaign_audience.build_audience(
        users,
        campaign=_targeting("propensity", size),
        run_id="r1",
        as_of=SCORE_DAY,
        sent_at=SENT_AT,
    )
    realised["propensity"] = _incremental_visit_rate(by_score, outcomes)
    t, y = heldout["treated"].to_numpy(), heldout["visited"].to_numpy()
    realised["random"] = float(y[t == 1].mean() - y[t == 0].mean())  # any 30 %, on average

    # Qini on the held-out half: gold.user_uplift and gold.user_scores read back by delta-rs.
    lake_root = Path(settings.delta.root)
    uplift = RsDeltaTable(str(lake_root / "gold/user_uplift")).to_pandas()
    scores = RsDeltaTable(str(lake_root / "gold/user_scores")).to_pandas()
    ranked = heldout.merge(uplift[["user_id", "uplift"]], on="user_id").merge(
        scores[["user_id", "score"]], on="user_id"
    )
    assert len(ranked) == len(heldout)
    qini = {
        name: qini_coefficient(score=ranked[column], treatment=t, y=y)
        for name, column in (("uplift", "uplift"), ("propensity", "score"))
    }
    rng = np.random.default_rng(0)
    random_qini = [qini_coefficient(score=rng.random(len(t)), treatment=t, y=y) for _ in range(100)]
    qini["random"] = float(np.mean(random_qini))
    print("realised incremental visit rate in the top 30 %:", realised)
    print("qini:", qini, "random sd:", float(np.std(random_qini)), "model:", model)
    record_property("realised", realised)
    record_property("qini", qini)

    # Measured (seed 0, 32,000 held-out customers, 9,600 targeted): realised +7.91 visit
    # points (uplift), +7.72 (propensity), +6.09 (random); Qini 0.0043, 0.0033, -0.0001
    # (random sd 0.0013). Uplift vs propensity is a deterministic check of this split, not
    # a significant difference (the realised rates' standard error is ~0.8 points).
    assert realised["uplift"] > realised["random"] + 0.008
    assert realised["uplift"] > realised["propensity"]
    assert qini["uplift"] > np.quantile(random_qini, 0.99)
    assert qini["uplift"] > qini["propensity"]
