"""The audience job on tiny frames: selection, the hash split (as in Python), partitions, checks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from clarion.settings import Settings
from marketing.campaigns import Campaign, CampaignRunError, arm_of, assignment_bucket
from spark_jobs import campaign_quality
from spark_jobs.campaign_audience import (
    AUDIENCES_TABLE,
    build_audience,
    overwrite_run_partition,
)
from tests.marketing.campaigns.conftest import VALID

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = pytest.mark.spark

AS_OF = date(2026, 11, 26)
SENT_AT = datetime(2026, 11, 27, 9, tzinfo=UTC)
_USERS = (
    "user_id string, segments array<string>, score double, locale string, "
    "reachable_push boolean, reachable_email boolean"
)


def _campaign(**changes: Any) -> Campaign:
    return Campaign.model_validate({**VALID, **changes})


def _users(spark: SparkSession, n: int = 400) -> DataFrame:
    rows = []
    for i in range(n):
        segments = ["likely_buyers"] if i % 4 else ["lapsed_buyers"]
        if i % 10 == 0:
            segments.append("notification_fatigued")
        rows.append(
            (
                f"u{i:05d}",
                segments,
                (i % 100) / 100,
                ["en-US", "fr-FR", None][i % 3],
                i % 7 != 0,
                i % 5 != 0,
            )
        )
    return spark.createDataFrame(rows, _USERS)


def _settings(spark_settings: Settings, tmp_path: Path) -> Settings:
    delta = spark_settings.delta.model_copy(update={"root": str(tmp_path / "lake")})
    return spark_settings.model_copy(update={"delta": delta})


def test_selection_follows_the_file_and_the_split_matches_python(spark: SparkSession) -> None:
    from pyspark.sql import functions as F

    audience_spec = {
        "segments": {"include": ["likely_buyers"], "exclude": ["notification_fatigued"]},
        "min_score": 0.2,
        "exclusions": {"users": ["u00001"]},
    }
    campaign = _campaign(audience=audience_spec, holdout_percent=20)
    users = _users(spark)
    recent = spark.createDataFrame([("u00002",)], "user_id string")
    rows = build_audience(
        users,
        campaign=campaign,
        run_id="r1",
        as_of=AS_OF,
        sent_at=SENT_AT,
        recent_recipients=recent,
    ).collect()
    chosen = {r["user_id"]: r for r in rows}
    for i in range(400):
        uid = f"u{i:05d}"
        expected = (
            i % 4 != 0
            and i % 10 != 0
            and (i % 100) / 100 >= 0.2
            and uid not in ("u00001", "u00002")
            and (i % 7 != 0 or i % 5 != 0)
        )
        assert (uid in chosen) == expected, uid
    for uid, row in chosen.items():
        arm = arm_of(campaign, uid)
        assert row["assignment_bucket"] == assignment_bucket(campaign.id, uid)
        assert (row["variant"], row["is_holdout"]) == (arm.arm, arm.is_holdout)
        assert row["locale"] in ("en-US", "fr-FR")  # null locale -> the campaign's default
        assert row["channels"] and set(row["channels"]) <= {"push", "email"}
        assert row["campaign_id"] == campaign.id and row["sent_at"] == SENT_AT.replace(tzinfo=None)
    # Channels keep the file's preference order (push before email).
    both = users.where(F.col("reachable_push") & F.col("reachable_email")).select("user_id")
    first = {r["user_id"] for r in both.collect()} & set(chosen)
    assert all(chosen[u]["channels"] == ["push", "email"] for u in first)


def test_max_size_keeps_the_best_scored_or_the_best_uplift(spark: SparkSession) -> None:
    from pyspark.sql import functions as F

    everyone = build_audience(
        _users(spark), campaign=_campaign(), run_id="r1", as_of=AS_OF, sent_at=SENT_AT
    ).collect()
    capped = build_audience(
        _users(spark),
        campaign=_campaign(audience={"max_size": 25}),
        run_id="r1",
        as_of=AS_OF,
        sent_at=SENT_AT,
    ).collect()
    kept = {r["user_id"] for r in capped}
    assert len(kept) == 25 < len(everyone)
    lowest_kept = min(r["score"] for r in capped)
    assert all(r["score"] <= lowest_kept for r in everyone if r["user_id"] not in kept)

    # Uplift runs against the score here: rank_by picks it, min_uplift filters on it.
    with_uplift = _users(spark).withColumn(
        "uplift", (F.lit(1.0) - F.col("score")) / 10 - F.lit(0.02)
    )
    targeting = {"uplift": {"from_campaign": "spring_sale"}, "max_size": 25}
    by_uplift = build_audience(
        with_uplift,
        campaign=_campaign(audience={**targeting, "rank_by": "uplift", "min_uplift": 0.05}),
        run_id="r1",
        as_of=AS_OF,
        sent_at=SENT_AT,
    ).collect()
    reachable = build_audience(
        with_uplift, campaign=_campaign(audience={}), run_id="r1", as_of=AS_OF, sent_at=SENT_AT
    ).collect()
    chosen = {r["user_id"] for r in by_uplift}
    highest_kept = max(r["score"] for r in by_uplift)
    assert len(chosen) == 25 and highest_kept <= 0.3  # uplift >= 0.05 <=> score <= 0.3
    assert all(r["score"] >= highest_kept for r in reachable if r["user_id"] not in chosen)
    # Each member keeps the uplift it was chosen by; a file not targeting by uplift has none.
    assert all(r["uplift"] == pytest.approx((1 - r["score"]) / 10 - 0.02) for r in by_uplift)
    assert all(r["uplift"] is None for r in capped)
    with pytest.raises(CampaignRunError, match=r"audience\.uplift needs an 'uplift' column"):
        build_audience(
            _users(spark),
            campaign=_campaign(audience=targeting),
            run_id="r1",
            as_of=AS_OF,
            sent_at=SENT_AT,
        )


def test_a_rerun_rewrites_only_its_partition_and_the_checks_gate_it(
    spark: SparkSession, spark_settings: Settings, tmp_path: Path
) -> None:
    from pyspark.sql import functions as F

    settings = _settings(spark_settings, tmp_path)
    uri = settings.table_uri(AUDIENCES_TABLE)
    campaign = _campaign(audience={})
    good = build_audience(
        _users(spark, 60), campaign=campaign, run_id="r1", as_of=AS_OF, sent_at=SENT_AT
    ).localCheckpoint()
    n = good.count()
    overwrite_run_partition(good, uri=uri, campaign_id=campaign.id, run_id="r1")
    overwrite_run_partition(
        good.withColumn("run_id", F.lit("r2")), uri=uri, campaign_id=campaign.id, run_id="r2"
    )
    # The rerun of r1 writes a broken audience (a user twice): it replaces r1 only.
    overwrite_run_partition(
        good.unionByName(good.limit(1)), uri=uri, campaign_id=campaign.id, run_id="r1"
    )
    table = spark.read.format("delta").load(uri)
    counts = {r["run_id"]: r["count"] for r in table.groupBy("run_id").count().collect()}
    assert counts == {"r1": n + 1, "r2": n}
    with pytest.raises(CampaignRunError, match=r"audience check\(s\) failed; nothing is sent"):
        campaign_quality.run(spark, settings, campaign=campaign, run_id="r1")
    checks = spark.read.format("delta").load(settings.table_uri(campaign_quality.CHECKS_TABLE))
    outcome = {r["expectation"]: r["success"] for r in checks.where("run_id = 'r1'").collect()}
    assert outcome.pop("expect_column_values_to_be_unique") is False
    assert len(outcome) >= 4 and all(outcome.values())  # one entry per expectation type


def test_a_table_written_before_the_uplift_column_gains_it(
    spark: SparkSession, spark_settings: Settings, tmp_path: Path
) -> None:
    from pyspark.sql import functions as F

    uri = _settings(spark_settings, tmp_path).table_uri(AUDIENCES_TABLE)
    users = _users(spark, 40).withColumn("uplift", F.col("score") - F.lit(0.5))
    targeting = {"uplift": {"from_campaign": "spring_sale"}, "rank_by": "uplift", "max_size": 10}
    campaign = _campaign(audience=targeting)
    # r0 as the job wrote it before ``uplift`` existed: every other column, same partitioning.
    before = build_audience(users, campaign=campaign, run_id="r0", as_of=AS_OF, sent_at=SENT_AT)
    overwrite_run_partition(before.drop("uplift"), uri=uri, campaign_id=campaign.id, run_id="r0")

    after = build_audience(users, campaign=campaign, run_id="r1", as_of=AS_OF, sent_at=SENT_AT)
    overwrite_run_partition(after, uri=uri, campaign_id=campaign.id, run_id="r1")

    table = spark.read.format("delta").load(uri)
    assert dict(table.dtypes)["uplift"] == "double"
    uplift = {(r["run_id"], r["user_id"]): r["uplift"] for r in table.collect()}
    expected = {r["user_id"]: r["score"] - 0.5 for r in users.collect()}
    assert len(uplift) == 20
    assert all(v is None for (run, _), v in uplift.items() if run == "r0")
    r1 = {user: v for (run, user), v in uplift.items() if run == "r1"}
    assert r1 == {user: pytest.approx(expected[user]) for user in r1}
