"""A campaign's audience for one run -> ``gold.campaign_audiences`` (partition campaign_id/run_id).

``build_audience`` is the pure transform: from one row per user (batch features,
score, segments, locale) it keeps the users the campaign file selects, caps the
size, and assigns each to a variant or the holdout with the same hash as
:mod:`marketing.campaigns.assignment` (sha256 of ``<campaign id>:<user id>``),
so a rerun gives the same split. ``run`` reads the ``as_of`` gold snapshots,
calls it and replaces exactly the ``(campaign_id, run_id)`` partition.

Columns: ``campaign_id, run_id, as_of, user_id, assignment_bucket, variant,
is_holdout, locale, channels`` (the campaign's channels the user is reachable
on, in the file's order), ``score``, ``uplift`` (the member's predicted
incremental effect from ``gold.user_uplift`` when the file targets by uplift,
``audience.uplift``; null otherwise), ``sent_at`` (the send time; the would-be
send time for the holdout).

``uplift`` was added after the table's first runs: the write merges the schema,
so a table written without it gains the column and its older rows read as null.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from marketing.campaigns.assignment import HASH_HEX_DIGITS, arm_ranges
from marketing.campaigns.exceptions import CampaignRunError
from marketing.campaigns.schema import BUCKETS, Campaign, UpliftSource

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = [
    "AUDIENCES_TABLE",
    "assignment_bucket_column",
    "audience_users",
    "build_audience",
    "overwrite_run_partition",
    "read_run_partition",
    "run",
]

AUDIENCES_TABLE = "gold.campaign_audiences"


def assignment_bucket_column(campaign_id: str, user_id: Column | str = "user_id") -> Column:
    """``int(sha256("<campaign id>:<user id>")[:15], 16) % 10000`` as a Spark column."""
    from pyspark.sql import functions as F

    key = F.concat(
        F.lit(f"{campaign_id}:"), F.col(user_id) if isinstance(user_id, str) else user_id
    )
    prefix = F.substring(F.sha2(key, 256), 1, HASH_HEX_DIGITS)
    return F.pmod(F.conv(prefix, 16, 10).cast("long"), F.lit(BUCKETS)).cast("int")


def _arm_column(campaign: Campaign, bucket: Column) -> tuple[Column, Column]:
    from pyspark.sql import functions as F

    ranges = arm_ranges(campaign)
    variant = F.when((bucket >= ranges[0].low) & (bucket < ranges[0].high), F.lit(ranges[0].arm))
    for arm in ranges[1:]:
        variant = variant.when((bucket >= arm.low) & (bucket < arm.high), F.lit(arm.arm))
    holdout_high = ranges[0].high if ranges[0].is_holdout else 0
    return variant, bucket < F.lit(holdout_high)


def build_audience(
    users: DataFrame,
    *,
    campaign: Campaign,
    run_id: str,
    as_of: date,
    sent_at: datetime,
    recent_recipients: DataFrame | None = None,
) -> DataFrame:
    """Select, cap and split the audience of one run.

    Args:
        users: One row per user: ``user_id``, ``segments`` (array of names),
            ``score``, ``locale``, ``reachable_<channel>`` for the campaign's channels,
            and ``uplift`` when the file names an uplift model (``audience.uplift``).
        campaign: The checked campaign file.
        run_id: The run's id, written in every row.
        as_of: The gold snapshot day the audience was built from.
        sent_at: The send time (the would-be send time for holdout users).
        recent_recipients: ``user_id`` of users to leave out because a campaign of
            ``audience.exclusions.campaigns`` was sent to them recently.

    Raises:
        CampaignRunError: the file names an uplift model but ``users`` has no ``uplift``
            column (see :func:`audience_users`).
    """
    from pyspark.sql import functions as F

    audience = campaign.audience
    frame = users
    if audience.segments.include:
        wanted = F.array(*[F.lit(s) for s in audience.segments.include])
        frame = frame.where(F.arrays_overlap(F.coalesce("segments", F.array()), wanted))
    if audience.segments.exclude:
        unwanted = F.array(*[F.lit(s) for s in audience.segments.exclude])
        frame = frame.where(~F.arrays_overlap(F.coalesce("segments", F.array()), unwanted))
    if audience.min_score is not None:
        frame = frame.where(F.col("score") >= F.lit(audience.min_score))
    if audience.uplift is not None and "uplift" not in users.columns:
        raise CampaignRunError(
            f"campaign {campaign.id}: audience.uplift needs an 'uplift' column per user "
            "(gold.user_uplift, joined by audience_users): score the uplift model first"
        )
    if audience.min_uplift is not None:
        frame = frame.where(F.col("uplift") >= F.lit(audience.min_uplift))
    if audience.exclusions.users:
        frame = frame.where(~F.col("user_id").isin(list(audience.exclusions.users)))
    if recent_recipients is not None:
        frame = frame.join(recent_recipients.select("user_id").distinct(), "user_id", "left_anti")
    reachable = [
        F.when(F.coalesce(F.col(f"reachable_{c}"), F.lit(False)), F.lit(c))
        for c in campaign.channels
    ]
    frame = frame.withColumn("channels", F.filter(F.array(*reachable), lambda c: c.isNotNull()))
    frame = frame.where(F.size("channels") > 0)
    bucket = assignment_bucket_column(campaign.id)
    frame = frame.withColumn("assignment_bucket", bucket)
    if audience.max_size is not None:  # the best ranked first; ties by the hash, then the id
        best = F.col("uplift" if audience.rank_by == "uplift" else "score").desc_nulls_last()
        frame = frame.orderBy(best, "assignment_bucket", "user_id").limit(audience.max_size)
    variant, is_holdout = _arm_column(campaign, F.col("assignment_bucket"))
    uplift = F.col("uplift") if audience.uplift is not None else F.lit(None)
    return frame.select(
        F.lit(campaign.id).alias("campaign_id"),
        F.lit(run_id).alias("run_id"),
        F.lit(as_of).alias("as_of"),
        "user_id",
        "assignment_bucket",
        variant.alias("variant"),
        is_holdout.alias("is_holdout"),
        F.coalesce(F.col("locale"), F.lit(campaign.default_locale)).alias("locale"),
        "channels",
        F.col("score").cast("double").alias("score"),
        uplift.cast("double").alias("uplift"),
        F.lit(sent_at).cast("timestamp").alias("sent_at"),
    )


def _run_filter(campaign_id: str, run_id: str) -> str:
    for value in (campaign_id, run_id):
        if "'" in value:
            raise CampaignRunError(f"campaign and run ids may not contain quotes: {value!r}")
    return f"campaign_id = '{campaign_id}' AND run_id = '{run_id}'"


def overwrite_run_partition(frame: DataFrame, *, uri: str, campaign_id: str, run_id: str) -> None:
    """Write ``frame`` as the whole ``(campaign_id, run_id)`` partition; others are untouched.

    The schema is merged: a column added since the table was created (e.g. ``uplift``)
    is added to it, null in the rows written before.
    """
    (
        frame.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", _run_filter(campaign_id, run_id))
        .option("mergeSchema", "true")
        .partitionBy("campaign_id", "run_id")
        .save(uri)
    )


def read_run_partition(
    spark: SparkSession, *, uri: str, campaign_id: str, run_id: str
) -> DataFrame:
    """The rows of one ``(campaign_id, run_id)`` partition."""
    return spark.read.format("delta").load(uri).where(_run_filter(campaign_id, run_id))


def audience_users(
    spark: SparkSession, settings: Settings, *, as_of: date, uplift: UpliftSource | None = None
) -> DataFrame:
    """One row per user of the ``as_of`` snapshot: features, score, segments, locale.

    Args:
        uplift: The campaign's uplift model, if it names one: adds ``uplift`` (null for
            users the model did not score) from that day's ``gold.user_uplift``.

    Raises:
        CampaignRunError: no features for ``as_of``, or ``uplift`` is given and
            ``gold.user_uplift`` has no scores of that model for ``as_of``.
    """
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    from spark_jobs._partitions import read_date_partition

    def snapshot(table: str) -> DataFrame:
        uri = settings.table_uri(table)
        return read_date_partition(spark, uri=uri, column="as_of", day=as_of).drop("as_of")

    features = snapshot("gold.user_features")
    if features.isEmpty():
        raise CampaignRunError(
            f"gold.user_features has no rows for {as_of}: run the daily batch for that day first"
        )
    scores = snapshot("gold.user_scores")
    segments = (
        snapshot("gold.user_segments")
        .groupBy("user_id")
        .agg(F.collect_set("segment").alias("segments"))
    )
    users = features.join(scores.select("user_id", "score"), "user_id", "left").join(
        segments, "user_id", "left"
    )
    if uplift is not None:
        from spark_jobs.uplift_scoring import read_user_uplift

        scored = read_user_uplift(
            spark, settings, as_of=as_of, trained_on=uplift.from_campaign, outcome=uplift.outcome
        )
        users = users.join(scored.select("user_id", "uplift"), "user_id", "left")
    silver = settings.table_uri("silver.users")
    if DeltaTable.isDeltaTable(spark, silver):
        current = spark.read.format("delta").load(silver).where("is_current")
        users = users.join(current.select("user_id", "locale"), "user_id", "left")
    else:
        users = users.withColumn("locale", F.lit(None).cast("string"))
    return users


def _recent_recipients(
    spark: SparkSession, settings: Settings, *, campaign: Campaign, sent_at: datetime
) -> DataFrame | None:
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    exclusions = campaign.audience.exclusions
    uri = settings.table_uri(AUDIENCES_TABLE)
    if not exclusions.campaigns or not DeltaTable.isDeltaTable(spark, uri):
        return None
    return (
        spark.read.format("delta")
        .load(uri)
        .where(F.col("campaign_id").isin(list(exclusions.campaigns)) & ~F.col("is_holdout"))
        .where(F.col("sent_at") >= F.lit(sent_at - exclusions.within).cast("timestamp"))
        .where(F.col("sent_at") < F.lit(sent_at).cast("timestamp"))
        .select("user_id")
    )


def run(
    spark: SparkSession,
    settings: Settings,
    *,
    campaign: Campaign,
    run_id: str,
    as_of: date,
    sent_at: datetime,
) -> dict[str, int]:
    """Replace the run's partition of ``gold.campaign_audiences``; returns users per arm."""
    users = audience_users(spark, settings, as_of=as_of, uplift=campaign.audience.uplift)
    recent = _recent_recipients(spark, settings, campaign=campaign, sent_at=sent_at)
    audience = build_audience(
        users,
        campaign=campaign,
        run_id=run_id,
        as_of=as_of,
        sent_at=sent_at,
        recent_recipients=recent,
    )
    uri = settings.table_uri(AUDIENCES_TABLE)
    overwrite_run_partition(audience, uri=uri, campaign_id=campaign.id, run_id=run_id)
    written = read_run_partition(spark, uri=uri, campaign_id=campaign.id, run_id=run_id)
    return {
        str(r["variant"]): int(r["count"]) for r in written.groupBy("variant").count().collect()
    }
