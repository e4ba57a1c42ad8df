"""Scoring inside Spark, and the per-day model registry it reads the model from."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from pyspark.testing import assertDataFrameEqual

from clarion.settings import load_settings
from spark_jobs import scoring
from spark_jobs.exceptions import NoPromotedModelError
from spark_jobs.model_registry import ModelRecord, current_model, read_registry, register_model

pytestmark = pytest.mark.spark

AS_OF = date(2026, 10, 5)


def test_score_users_matches_inplace_predict(spark) -> None:  # type: ignore[no-untyped-def]
    import xgboost as xgb

    rng = np.random.default_rng(0)
    x = rng.random((200, 2)).astype("float32")
    booster = xgb.train(
        {"objective": "binary:logistic", "nthread": 1},
        xgb.DMatrix(x, label=(x[:, 0] > 0.5).astype(int), feature_names=["a", "b"]),
        num_boost_round=5,
    )
    rows = [(f"u{i}", AS_OF, float(a), int(b * 10)) for i, (a, b) in enumerate(x)]
    snapshot = spark.createDataFrame(rows, "user_id string, as_of date, a double, b bigint")
    scored = scoring.score_users(
        snapshot.repartition(3),
        model=bytes(booster.save_raw("ubj")),
        feature_names=["a", "b"],
        model_version="m1",
    )
    local = booster.inplace_predict(np.array([[r[2], r[3]] for r in rows], dtype="float32"))
    expected = spark.createDataFrame(
        [(r[0], AS_OF, float(s), "m1") for r, s in zip(rows, local, strict=True)],
        scoring.SCORES_SCHEMA,
    )
    assertDataFrameEqual(scored, expected, rtol=1e-6)


def _record(day: date, *, status: str = "promoted", digest: str = "d1") -> ModelRecord:
    return ModelRecord(
        model_version=f"propensity-{day:%Y%m%d}",
        created_at=datetime(2026, 10, 6, 1, 2, 3),
        as_of=day,
        trained_as_of=day,
        train_rows=10,
        holdout_rows=5,
        features=["a"],
        params="{}",
        auc=0.8,
        logloss=0.4,
        calibration="[]",
        artifact_path="/nowhere.ubj",
        status=status,  # type: ignore[arg-type]
        reason="test",
        digest=digest,
    )


def test_registry_keeps_one_row_per_day_and_answers_as_of(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(environ={}, state_dir=tmp_path, delta={"root": str(tmp_path / "lake")})
    d1, d2, d3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
    with pytest.raises(NoPromotedModelError, match="no model promoted on or before"):
        scoring.run(spark, settings, as_of=d1)

    assert register_model(spark, settings, _record(d1))
    assert register_model(spark, settings, _record(d2, status="rejected"))
    assert register_model(spark, settings, _record(d3))
    # a rerun that trained the same model is a no-op; one on changed data replaces the day
    assert not register_model(spark, settings, replace(_record(d3), reason="again"))
    assert register_model(spark, settings, replace(_record(d1), digest="d2", auc=0.9))

    history = read_registry(spark, settings)
    assert [(r.as_of, r.digest) for r in history] == [(d1, "d2"), (d2, "d1"), (d3, "d1")]
    assert history[0].auc == 0.9 and history[2].reason == "test"
    assert current_model(spark, settings, as_of=d2).as_of == d1  # d2 was rejected
    assert current_model(spark, settings, as_of=d3).as_of == d3
    assert current_model(spark, settings, as_of=d3, before=True).as_of == d1
    assert current_model(spark, settings, as_of=date(2026, 9, 30)) is None
