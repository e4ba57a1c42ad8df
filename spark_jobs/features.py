"""Features: ``silver.events`` + ``silver.users`` -> ``gold.user_features`` (one snapshot per day).

Point in time: the snapshot ``as_of = D`` sees exactly the events with
``ts < D + 1 day`` (midnight UTC ending day D), and of those only the ones in the
longest declared window (90 days), so a window of ``n`` days covers
``[D + 1 - n days, D + 1)``: ``*_1d`` is day D itself. An event stamped later
(even if it arrived before the job ran) is never seen, so a backfill of D gives
what a run on D + 1 would have given. ``DaysSinceLast`` counts whole UTC days from
the last event's date to D (0 = on D) and is null when there is none in the scan.

Every feature comes from the declarations in ``feature_store`` compiled by
``spark_jobs._feature_compiler``: ONE join of users with their windowed events
and ONE ``groupBy(user_id)`` of conditional aggregates, whatever the number of
features. Every user of ``silver.users`` (its version valid on D) gets a row: zeros for
counts and sums, empty maps for shares, nulls for means, recencies, hours and
ratios without a denominator.

``compute_features`` is the pure transform; ``run`` reads Delta, calls it and
overwrites exactly the ``as_of`` partition of ``gold.user_features``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from feature_store import USER_FEATURES, FeatureRegistry
from spark_jobs._feature_compiler import PointInTime, compile_features

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = [
    "FEATURES_TABLE",
    "batch_features",
    "compute_features",
    "overwrite_partition",
    "read_users",
    "run",
    "scan_horizon",
    "users_as_of",
]

FEATURES_TABLE = "gold.user_features"
_EVENT_COLUMNS = (
    "user_id",
    "type",
    "ts",
    "event_date",
    "properties",
    "amount",
    "price",
    "category",
)


def batch_features(registry: FeatureRegistry) -> list:  # list[Feature]
    """The registry's batch features, in declaration order."""
    return registry.by_source("batch")


def scan_horizon(registry: FeatureRegistry) -> timedelta:
    """The longest window a batch feature declares (what one pass must read)."""
    windows = [getattr(f.computation, "window", None) for f in batch_features(registry)]
    return max((w for w in windows if w is not None), default=timedelta(days=1))


def compute_features(
    events: DataFrame,
    users: DataFrame,
    *,
    as_of: date,
    registry: FeatureRegistry = USER_FEATURES,
) -> DataFrame:
    """One row per user: ``user_id``, ``as_of`` and every batch feature of ``registry``.

    Args:
        events: ``silver.events`` rows (``user_id``, ``type``, ``ts``, ``event_date``,
            ``properties`` and the typed property columns); may hold any dates,
            later ones are ignored.
        users: one row per user: ``user_id``, ``timezone``, consents and contact points.
        as_of: the snapshot date D (see the module docstring for what it sees).
        registry: the declarations to compute.

    Returns:
        The snapshot, columns in declaration order after ``user_id`` and ``as_of``.
    """
    from pyspark.sql import functions as F

    features = batch_features(registry)
    pit = PointInTime(as_of=as_of, horizon=scan_horizon(registry))
    compiled = compile_features(features, pit=pit, user_columns=set(users.columns))
    window = events.filter(
        (F.col("event_date") >= F.lit(pit.start.date()))
        & (F.col("event_date") <= F.lit(as_of))
        & (F.col("ts") >= F.lit(pit.start))
        & (F.col("ts") < F.lit(pit.cutoff))
    ).select(*[c for c in _EVENT_COLUMNS if c in events.columns])
    if "timezone" not in users.columns:
        users = users.withColumn("timezone", F.lit("UTC"))
    people = users.select(
        "user_id",
        F.coalesce(F.col("timezone"), F.lit("UTC")).alias("timezone"),
        *[expr.alias(name) for name, expr in compiled.per_user],
    )
    static = [name for name, _ in compiled.per_user]
    aggregated = (
        people.join(window.drop("timezone"), "user_id", "left")
        .groupBy("user_id", *static)
        .agg(*[expr.alias(name) for name, expr in compiled.aggregates])
        if compiled.aggregates
        else people
    )
    for name, expr in compiled.derived:
        aggregated = aggregated.withColumn(name, expr)
    return aggregated.select(
        "user_id",
        F.lit(as_of).alias("as_of"),
        *[expr.alias(name) for name, expr in compiled.finish],
    )


def users_as_of(history: DataFrame, *, as_of: date) -> DataFrame:
    """One version per user from an SCD2 ``silver.users``: the one valid on ``as_of``.

    A user whose recorded history starts after ``as_of`` (the table began after
    that day, e.g. a training date before the first run) gets its earliest
    version: the best knowledge there is. A frame without ``valid_from`` is
    taken as it is (one row per user).
    """
    from pyspark.sql import functions as F

    if "valid_from" not in history.columns:
        return history
    known = F.col("valid_from") <= F.lit(as_of)
    rank = F.struct(
        known.alias("known"),
        F.when(known, F.col("valid_from")).alias("latest_known"),
        F.date_diff(F.lit(date(1970, 1, 1)), F.col("valid_from")).alias("earliest"),
    )
    columns = [c for c in history.columns if c != "user_id"]
    picked = F.max_by(F.struct(*columns), rank).alias("_version")
    return history.groupBy("user_id").agg(picked).select("user_id", "_version.*")


def read_users(spark: SparkSession, settings: Settings, *, as_of: date) -> DataFrame:
    """Users as of ``as_of`` from ``silver.users``; ``bronze.users`` while silver does not exist."""
    from delta.tables import DeltaTable

    silver = settings.table_uri("silver.users")
    if DeltaTable.isDeltaTable(spark, silver):
        return users_as_of(spark.read.format("delta").load(silver), as_of=as_of)
    return spark.read.format("delta").load(settings.table_uri("bronze.users"))


def overwrite_partition(frame: DataFrame, *, uri: str, as_of: date) -> None:
    """Replace exactly the ``as_of`` partition of a Delta table (create it if absent)."""
    (
        frame.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"as_of = DATE'{as_of.isoformat()}'")
        .partitionBy("as_of")
        .save(uri)
    )


def run(spark: SparkSession, settings: Settings, *, as_of: date) -> int:
    """Write the ``as_of`` snapshot of ``gold.user_features``; returns the rows written.

    Rerunning the same date replaces that partition only (idempotent).
    """
    events = spark.read.format("delta").load(settings.table_uri("silver.events"))
    snapshot = compute_features(events, read_users(spark, settings, as_of=as_of), as_of=as_of)
    uri = settings.table_uri(FEATURES_TABLE)
    overwrite_partition(snapshot, uri=uri, as_of=as_of)
    written = spark.read.format("delta").load(uri).filter(f"as_of = DATE'{as_of.isoformat()}'")
    return written.count()
