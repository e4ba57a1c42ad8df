"""Measure a campaign run: attributed conversions per arm -> ``gold.campaign_results``.

``attribute_outcomes`` is :func:`marketing.attribution.attribute_conversions`
in Spark (same rule: an event counts when ``sent_at <= ts < sent_at + window``;
holdout users are measured from their would-be send time). ``arm_totals``
reduces the outcomes to a few sums per arm, and the lifts and intervals come
from :func:`marketing.campaigns.results.measure_run`. ``run`` reads the run's
audience and ``silver.events`` and replaces the run's partition of the results.

Results: one row per (arm, metric) with the arm's value, the holdout's, the
absolute and relative lift with their interval bounds and the p-value.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

from marketing.campaigns.results import ArmTotals, MetricResult, measure_run
from marketing.campaigns.schema import Campaign

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = ["RESULTS_TABLE", "arm_totals", "attribute_outcomes", "results_frame", "run"]

RESULTS_TABLE = "gold.campaign_results"
_SCHEMA = (
    "campaign_id string, run_id string, arm string, is_control boolean, metric string, "
    "recipients long, value double, control_value double, absolute_lift double, "
    "absolute_low double, absolute_high double, relative_lift double, relative_low double, "
    "relative_high double, p_value double, confidence double, method string, "
    "attribution_window_hours double"
)


def attribute_outcomes(
    audience: DataFrame,
    events: DataFrame,
    *,
    window: timedelta,
    conversion_event: str,
    visit_event: str | None,
) -> DataFrame:
    """One row per audience user: ``variant, is_holdout, visited, converted, revenue``.

    Args:
        audience: ``user_id, variant, is_holdout, sent_at`` (one row per user).
        events: ``user_id, type, ts, amount`` (e.g. ``silver.events``).
        window: The attribution window after ``sent_at``.
        conversion_event: The event type that is a conversion; its ``amount`` is revenue.
        visit_event: The event type that is a visit, or None to measure no visits.
    """
    from pyspark.sql import functions as F

    seconds = int(window.total_seconds())
    types = [conversion_event] + ([visit_event] if visit_event else [])
    sends = audience.select("user_id", "sent_at")
    matched = (
        events.where(F.col("type").isin(types))
        .select("user_id", "type", "ts", "amount")
        .join(sends, "user_id")
        .where(
            (F.col("ts") >= F.col("sent_at"))
            & (F.col("ts") < F.col("sent_at") + F.make_dt_interval(secs=F.lit(seconds)))
        )
        .groupBy("user_id")
        .agg(
            F.max(F.when(F.col("type") == conversion_event, 1).otherwise(0)).alias("converted"),
            F.sum(
                F.when(F.col("type") == conversion_event, F.coalesce("amount", F.lit(0.0)))
            ).alias("revenue"),
            F.max(F.when(F.col("type") == F.lit(visit_event), 1).otherwise(0)).alias("visited"),
        )
    )
    outcomes = audience.select("user_id", "variant", "is_holdout").join(matched, "user_id", "left")
    visited = F.coalesce("visited", F.lit(0)) if visit_event else F.lit(None).cast("int")
    return outcomes.select(
        "user_id",
        "variant",
        "is_holdout",
        visited.alias("visited"),
        F.coalesce("converted", F.lit(0)).alias("converted"),
        F.coalesce("revenue", F.lit(0.0)).cast("double").alias("revenue"),
    )


def arm_totals(outcomes: DataFrame) -> list[ArmTotals]:
    """Recipients, visits, conversions and revenue moments of every arm (one small collect)."""
    from pyspark.sql import functions as F

    rows = (
        outcomes.groupBy("variant", "is_holdout")
        .agg(
            F.count("*").alias("n"),
            F.sum("visited").alias("visits"),
            F.sum("converted").alias("conversions"),
            F.sum("revenue").alias("revenue_sum"),
            F.sum(F.col("revenue") * F.col("revenue")).alias("revenue_sum_squares"),
        )
        .collect()
    )
    return [
        ArmTotals(
            arm=str(r["variant"]),
            is_holdout=bool(r["is_holdout"]),
            recipients=int(r["n"]),
            visits=None if r["visits"] is None else int(r["visits"]),
            conversions=int(r["conversions"]),
            revenue_sum=float(r["revenue_sum"] or 0.0),
            revenue_sum_squares=float(r["revenue_sum_squares"] or 0.0),
        )
        for r in rows
    ]


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def results_frame(
    spark: SparkSession,
    results: list[MetricResult],
    *,
    campaign: Campaign,
    run_id: str,
    confidence: float,
) -> DataFrame:
    """The rows of ``gold.campaign_results`` of one run (no wall-clock column: reruns equal)."""
    hours = campaign.attribution.window.total_seconds() / 3600
    rows = []
    for r in results:
        absolute, relative = r.absolute, r.relative
        methods = "; ".join(i.method for i in (absolute, relative) if i is not None) or None
        rows.append(
            (
                campaign.id,
                run_id,
                r.arm,
                r.is_control,
                r.metric,
                r.recipients,
                _finite(r.value),
                _finite(r.control_value),
                _finite(absolute.estimate) if absolute else None,
                _finite(absolute.low) if absolute else None,
                _finite(absolute.high) if absolute else None,
                _finite(relative.estimate) if relative else None,
                _finite(relative.low) if relative else None,
                _finite(relative.high) if relative else None,
                _finite(r.p_value),
                confidence,
                methods,
                hours,
            )
        )
    return spark.createDataFrame(rows, _SCHEMA)


def run(
    spark: SparkSession,
    settings: Settings,
    *,
    campaign: Campaign,
    run_id: str,
    confidence: float = 0.95,
) -> list[MetricResult]:
    """Measure the run from its audience and ``silver.events``; replace its results partition."""
    from pyspark.sql import functions as F

    from spark_jobs.campaign_audience import (
        AUDIENCES_TABLE,
        overwrite_run_partition,
        read_run_partition,
    )

    audience = read_run_partition(
        spark, uri=settings.table_uri(AUDIENCES_TABLE), campaign_id=campaign.id, run_id=run_id
    )
    bounds = audience.agg(F.min("sent_at").alias("first"), F.max("sent_at").alias("last")).first()
    events = spark.read.format("delta").load(settings.table_uri("silver.events"))
    if bounds is not None and bounds["first"] is not None:
        last_day = (bounds["last"] + campaign.attribution.window).date()
        events = events.where(
            F.col("event_date").between(F.lit(bounds["first"].date()), F.lit(last_day))
        )
    attribution = campaign.attribution
    outcomes = attribute_outcomes(
        audience,
        events,
        window=attribution.window,
        conversion_event=attribution.conversion_event,
        visit_event=attribution.visit_event,
    )
    results = measure_run(arm_totals(outcomes), confidence=confidence)
    frame = results_frame(spark, results, campaign=campaign, run_id=run_id, confidence=confidence)
    overwrite_run_partition(
        frame, uri=settings.table_uri(RESULTS_TABLE), campaign_id=campaign.id, run_id=run_id
    )
    return results
