"""Uplift training and scoring on a small synthetic campaign: point in time, reruns, refusals,
the campaign DAG's task and ``clarion campaign preview`` of a file ranking by uplift."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
import yaml
from deltalake import write_deltalake
from typer.testing import CliRunner

from clarion.orchestration import campaign_tasks
from clarion.settings import Settings
from marketing.campaigns import Campaign, CampaignRunError
from marketing.cli import app
from spark_jobs import uplift_scoring
from spark_jobs.exceptions import TrainingError
from spark_jobs.uplift_models import read_uplift_models, register_uplift_model
from spark_jobs.uplift_training import RunSummary, finished_run_ids
from tests.marketing.campaigns.conftest import VALID

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SENT_AT = datetime(2026, 10, 5, 9)
BEFORE = date(2026, 10, 4)
USERS = 3_000


def _run(run_id: str, sent_at: datetime, as_of: date, **counts: int) -> RunSummary:
    return RunSummary(
        run_id=run_id,
        first_sent_at=sent_at,
        last_sent_at=sent_at,
        max_as_of=as_of,
        treated=counts.get("treated", 90),
        holdout=counts.get("holdout", 10),
    )


def test_only_runs_whose_attribution_closed_by_the_day_train() -> None:
    week = timedelta(days=7)
    runs = [
        _run("r2", SENT_AT + week, BEFORE + week),
        _run("r1", SENT_AT, BEFORE),
        _run("no_holdout", SENT_AT, BEFORE, holdout=0),
    ]
    # r1 closes on Oct 12 09:00: not by the end of Oct 11, by the end of Oct 12.
    assert finished_run_ids(runs, window=week, as_of=date(2026, 10, 11)) == []
    assert finished_run_ids(runs, window=week, as_of=date(2026, 10, 12)) == ["r1"]
    assert finished_run_ids(runs, window=week, as_of=date(2026, 10, 30)) == ["r1", "r2"]
    leaky = [_run("r0", SENT_AT, SENT_AT.date())]
    with pytest.raises(TrainingError, match="run r0: its audience was built from gold day"):
        finished_run_ids(leaky, window=week, as_of=date(2026, 10, 30))


def _source() -> Campaign:
    document: dict[str, Any] = {**VALID, "id": "autumn_test", "holdout_percent": 50}
    document["attribution"] = {"window": "7d", "conversion_event": "purchase"}
    return Campaign.model_validate(document)


def _follow_up() -> dict[str, Any]:
    audience = {"uplift": {"from_campaign": "autumn_test"}, "rank_by": "uplift", "max_size": 500}
    push = {"push": VALID["templates"]["push"]}
    return {
        **VALID,
        "id": "autumn_follow_up",
        "audience": audience,
        "channels": ["push"],
        "templates": push,
    }


def _write_lake(root: Path) -> None:
    """One run of 3,000 users, half held out; the e-mail lifts buying only where x1 > 0.5."""
    rng = np.random.default_rng(3)
    ids = [f"u{i:05d}" for i in range(USERS)]
    x1, x2 = rng.random(USERS), rng.random(USERS)
    holdout = rng.random(USERS) < 0.5
    bought = rng.random(USERS) < 0.05 + 0.3 * (~holdout) * (x1 > 0.5)
    audience = pd.DataFrame(
        {
            "campaign_id": "autumn_test",
            "run_id": "r1",
            "as_of": BEFORE,
            "user_id": ids,
            "variant": np.where(holdout, "holdout", "a"),
            "is_holdout": holdout,
            "sent_at": pd.Timestamp(SENT_AT, tz="UTC"),
        }
    ).astype({"sent_at": "datetime64[us, UTC]"})
    events = pd.DataFrame(
        {
            "user_id": np.array(ids)[bought],
            "type": "purchase",
            "ts": pd.Timestamp(SENT_AT, tz="UTC") + pd.Timedelta(days=2),
            "amount": 10.0,
        }
    ).astype({"ts": "datetime64[us, UTC]"})
    events["event_date"] = events["ts"].dt.date
    snapshot = pd.DataFrame({"user_id": ids, "x1": x1, "x2": x2, "reachable_push": True})
    features = pd.concat(
        [
            snapshot.assign(as_of=day)
            for day in (BEFORE, *(date(2026, 10, d) for d in (11, 20, 21)))
        ],
        ignore_index=True,
    )
    write_deltalake(str(root / "gold/campaign_audiences"), audience, partition_by=["run_id"])
    write_deltalake(str(root / "silver/events"), events, partition_by=["event_date"])
    write_deltalake(str(root / "gold/user_features"), features, partition_by=["as_of"])
    others = pd.DataFrame(
        {
            "user_id": ["u00000", "u00001", "u00002", "stale"],
            "as_of": [date(2026, 10, d) for d in (20, 20, 11, 20)],
            "uplift": 0.5,
            "model_version": "older",
            "trained_on": ["other", "other", "autumn_test", "autumn_test"],
            "outcome": "conversion",
        }
    )
    write_deltalake(str(root / "gold/user_uplift"), others, partition_by=["as_of", "trained_on"])
    day = date(2026, 10, 20)
    scores = pd.DataFrame({"user_id": ids, "as_of": day, "score": x2, "model_version": "m"})
    segments = pd.DataFrame({"user_id": ids[:1], "as_of": day, "segment": "likely_buyers"})
    for table, rows in (("user_scores", scores), ("user_segments", segments)):
        write_deltalake(str(root / "gold" / table), rows, partition_by=["as_of"])


@pytest.mark.spark
def test_scoring_a_day_replaces_its_slice_and_preview_ranks_by_it(
    spark: SparkSession, spark_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyspark.sql import functions as F

    _write_lake(tmp_path / "lake")
    delta = spark_settings.delta.model_copy(update={"root": str(tmp_path / "lake")})
    settings = spark_settings.model_copy(update={"delta": delta})
    source = _source()

    with pytest.raises(TrainingError, match="no run with a holdout whose 7 days, 0:00:00"):
        uplift_scoring.run(
            spark, settings, source=source, outcome="conversion", as_of=date(2026, 10, 11)
        )
    with pytest.raises(TrainingError, match="measures no visits"):
        uplift_scoring.run(spark, settings, source=source, outcome="visit", as_of=BEFORE)
    # Through the campaign DAG's task: the targeting file names its source, found beside it.
    for document in (source.model_dump(mode="json"), _follow_up()):
        (tmp_path / f"{document['id']}.yaml").write_text(yaml.safe_dump(document))
    summary = campaign_tasks.score_uplift(
        campaign_file=tmp_path / "autumn_follow_up.yaml",
        plan={"run_id": "manual", "as_of": "2026-10-20", "sent_at": "2026-10-21T09:00:00+00:00"},
        settings=settings,
    )

    assert summary["scored"] == USERS and summary["runs"] == ["r1"]
    (model,) = read_uplift_models(spark, settings, trained_on="autumn_test")
    assert model.as_of == date(2026, 10, 20) and model.train_rows == USERS
    assert model.features == ["x1", "x2", "reachable_push"] and model.qini > 0
    # An identical rerun of the day finds the same model registered and changes nothing.
    assert not register_uplift_model(spark, settings, replace(model, created_at=datetime.now()))
    assert read_uplift_models(spark, settings) == [model]
    table = spark.read.format("delta").load(settings.table_uri(uplift_scoring.UPLIFT_TABLE))
    slices = {
        (r["as_of"].day, r["trained_on"], r["model_version"]): r["count"]
        for r in table.groupBy("as_of", "trained_on", "model_version").count().collect()
    }
    # The day's slice was replaced (its stale row is gone); the other slices are untouched.
    assert slices == {
        (20, "autumn_test", model.model_version): USERS,
        (20, "other", "older"): 2,
        (11, "autumn_test", "older"): 1,
    }
    scored = {
        r["persuadable"]: r["uplift"]
        for r in table.where(F.col("model_version") == model.model_version)
        .join(
            spark.read.format("delta")
            .load(settings.table_uri("gold.user_features"))
            .where(F.col("as_of") == BEFORE)
            .select("user_id", (F.col("x1") > 0.5).alias("persuadable")),
            "user_id",
        )
        .groupBy("persuadable")
        .agg(F.avg("uplift").alias("uplift"))
        .collect()
    }
    assert scored[True] > 0.2 and abs(scored[False]) < 0.05  # true effects: 0.3 and 0
    with pytest.raises(CampaignRunError, match="has no uplift scores for gold day 2026-10-22"):
        uplift_scoring.read_user_uplift(
            spark,
            settings,
            as_of=date(2026, 10, 22),
            trained_on="autumn_test",
            outcome="conversion",
        )

    # `clarion campaign preview` of the follow-up: the 500 best by uplift, and the model.
    monkeypatch.setenv("CLARION_DELTA__ROOT", str(tmp_path / "lake"))
    monkeypatch.setenv("CLARION_SPARK__MASTER", spark.sparkContext.master)
    file = tmp_path / "autumn_follow_up.yaml"
    shown = CliRunner().invoke(app, ["preview", str(file), "--as-of", "2026-10-20"])
    assert shown.exit_code == 0, shown.output
    assert "audience on gold day 2026-10-20: 500 users" in shown.output
    assert "targeting: best 500 by uplift" in shown.output
    assert (
        f"uplift: {model.model_version} (conversion from campaign autumn_test); held-out Qini "
        f"{model.qini:.4f} (ranking by response: {model.qini_response:.4f}, random: 0), "
        f"3,000 members of runs ['r1']" in shown.output
    )
    shown_uplift = dict(
        re.findall(r"^\[(u\d+) · .* · uplift ([-+]\d\.\d{4})\]$", shown.output, flags=re.MULTILINE)
    )
    users = list(shown_uplift)
    x1 = spark.read.format("delta").load(settings.table_uri("gold.user_features"))
    picked = x1.where(F.col("as_of") == BEFORE).where(F.col("user_id").isin(users)).collect()
    assert len(picked) == len(users) == 3 and all(r["x1"] > 0.5 for r in picked)
    # Each sample shows the uplift it was ranked by: the day's score from gold.user_uplift.
    day = table.where(F.col("model_version") == model.model_version)
    assert shown_uplift == {
        r["user_id"]: f"{r['uplift']:+.4f}"
        for r in day.where(F.col("user_id").isin(users)).collect()
    }
