"""Quality: GE suites on the gold snapshots; a failure stops the run and is kept for analysts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clarion.settings import Settings, load_settings
from spark_jobs.exceptions import QualityCheckError
from spark_jobs.quality import features_suite, run
from spark_jobs.quality.suites import row_count_check

D1, D2 = date(2026, 11, 26), date(2026, 11, 27)


def test_row_count_check_allows_the_tolerance() -> None:
    check = row_count_check(100, tolerance=0.2)
    assert check.kwargs == {"min_value": 80, "max_value": 121}
    assert row_count_check(None, tolerance=0.2).kwargs == {"min_value": 1}


def test_features_suite_bounds_counts_and_rates() -> None:
    suite = features_suite(
        ["user_id", "as_of", "purchase_count_7d", "notification_open_rate_30d"],
        previous=None,
        tolerance=0.5,
    )
    kinds = {(c.expectation, c.column) for c in suite.checks}
    assert ("ExpectColumnValuesToBeUnique", "user_id") in kinds
    assert ("ExpectColumnValuesToBeBetween", "purchase_count_7d") in kinds
    assert ("ExpectColumnValuesToBeBetween", "notification_open_rate_30d") in kinds


def _settings(tmp_path: Path) -> Settings:
    return load_settings(environ={}, state_dir=tmp_path, delta={"root": str(tmp_path / "lake")})


def _write_day(spark, settings: Settings, day: date, *, users: int, bad: bool = False) -> None:  # type: ignore[no-untyped-def]
    ids = [f"u{i}" for i in range(users)] + (["u0"] if bad else [])
    features = spark.createDataFrame(
        [(u, day, i % 3, 0.5) for i, u in enumerate(ids)],
        "user_id string, as_of date, purchase_count_7d long, notification_open_rate_30d double",
    )
    scores = spark.createDataFrame(
        [(u, day, None if bad and i == 1 else 0.5, "m1") for i, u in enumerate(ids)],
        "user_id string, as_of date, score double, model_version string",
    )
    segments = spark.createDataFrame(
        [(u, day, "likely_buyers") for u in ids[:3]], "user_id string, as_of date, segment string"
    )
    for frame, table in (
        (features, "gold.user_features"),
        (scores, "gold.user_scores"),
        (segments, "gold.user_segments"),
    ):
        frame.write.format("delta").mode("append").partitionBy("as_of").save(
            settings.table_uri(table)
        )


@pytest.mark.spark
def test_good_snapshots_pass_and_bad_ones_stop_the_run(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    _write_day(spark, settings, D1, users=20)
    report = run(spark, settings, as_of=D1, segment_names=["likely_buyers"])
    assert report.success and report.checks > 10

    _write_day(spark, settings, D2, users=5, bad=True)
    with pytest.raises(QualityCheckError) as caught:
        run(spark, settings, as_of=D2, segment_names=["likely_buyers"])
    message = str(caught.value)
    assert "expect_column_values_to_be_unique(user_id)" in message
    assert "expect_column_values_to_not_be_null(score)" in message
    assert "expect_table_row_count_to_be_between" in message  # 6 rows after 20: beyond 50 %

    results = spark.read.format("delta").load(settings.table_uri("quality.validation_results"))
    assert results.where("as_of = DATE'2026-11-26' AND NOT success").count() == 0
    failed = results.where("as_of = DATE'2026-11-27' AND NOT success").collect()
    assert {r.suite for r in failed} == {"gold.user_features", "gold.user_scores"}
    assert all(r.observed_value for r in failed)
