"""Users: ``bronze.users`` (today's snapshot) -> ``silver.users`` with history (SCD type 2).

Every version of a user is a row with ``valid_from`` (inclusive), ``valid_to``
(exclusive; null while current) and ``is_current``. Applying the snapshot of
day ``as_of``:

* a user whose tracked attributes (:data:`TRACKED`: consents, timezone, locale,
  country, contact points) changed: the open row is closed at ``as_of`` and a
  new row opens at ``as_of``;
* an unchanged user adds nothing (``updated_at`` alone is not a change);
* a new user opens a row; a user missing from the snapshot is closed.

Idempotent per ``as_of``: the history is first rewound to what it was before
``as_of`` (rows opened on or after it dropped, rows closed on or after it
reopened), then the snapshot applied, so running a date again gives the same
rows. Backfill dates in order: re-running an earlier date rewinds later ones
until they run again.

``apply_snapshot`` is the pure transform; ``run`` reads and rewrites the table
(a full rewrite: the table holds one row per user version; at a billion users
this becomes a Delta MERGE of the changed rows).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = ["SILVER_USERS", "TRACKED", "apply_snapshot", "row_hash", "run"]

SILVER_USERS = "silver.users"
TRACKED = (
    "locale",
    "timezone",
    "country",
    "email",
    "phone",
    "push_token",
    "consent_email",
    "consent_sms",
    "consent_push",
    "consent_in_app",
)
_HISTORY = ("row_hash", "valid_from", "valid_to", "is_current")


def row_hash(columns: list[str]) -> Column:
    """A hash of the tracked attributes present in ``columns`` (nulls distinguished)."""
    from pyspark.sql import functions as F

    present = [c for c in TRACKED if c in columns]
    return F.sha2(
        F.to_json(F.struct(*[F.col(c) for c in present]), {"ignoreNullFields": "false"}), 256
    )


def apply_snapshot(history: DataFrame | None, snapshot: DataFrame, *, as_of: date) -> DataFrame:
    """The SCD2 history after applying the users snapshot of day ``as_of``.

    Args:
        history: the current ``silver.users`` (``None`` on the first run).
        snapshot: one row per user, the columns of ``bronze.users``.
        as_of: the snapshot's day.
    """
    from pyspark.sql import functions as F

    day = F.lit(as_of)
    snap = snapshot.withColumn("row_hash", row_hash(snapshot.columns))
    attrs = snap.columns
    if history is None:
        return snap.select(
            *attrs,
            day.alias("valid_from"),
            F.lit(None).cast("date").alias("valid_to"),
            F.lit(True).alias("is_current"),
        )
    before = (
        history.where(F.col("valid_from") < day)
        .withColumn(
            "valid_to",
            F.when(F.col("valid_to") >= day, F.lit(None).cast("date")).otherwise(F.col("valid_to")),
        )
        .withColumn("is_current", F.col("valid_to").isNull())
    )
    closed = before.where(~F.col("is_current"))
    current = before.where(F.col("is_current"))
    new_hash = snap.select("user_id", F.col("row_hash").alias("_new"))
    old_hash = current.select("user_id", F.col("row_hash").alias("_old"))
    ends = F.col("_new").isNull() | (F.col("_new") != F.col("row_hash"))
    reviewed = (
        current.join(new_hash, "user_id", "left")
        .withColumn("valid_to", F.when(ends, day).otherwise(F.col("valid_to")))
        .withColumn("is_current", ~ends)
        .drop("_new")
    )
    opened = (
        snap.join(old_hash, "user_id", "left")
        .where(F.col("_old").isNull() | (F.col("_old") != F.col("row_hash")))
        .select(
            *attrs,
            day.alias("valid_from"),
            F.lit(None).cast("date").alias("valid_to"),
            F.lit(True).alias("is_current"),
        )
    )
    columns = [*attrs, *_HISTORY[1:]]
    return (
        closed.select(*columns)
        .unionByName(reviewed.select(*columns))
        .unionByName(opened.select(*columns))
    )


def run(spark: SparkSession, settings: Settings, *, as_of: date) -> int:
    """Apply today's ``bronze.users`` as of ``as_of`` to ``silver.users``; returns current users."""
    from delta.tables import DeltaTable

    uri = settings.table_uri(SILVER_USERS)
    snapshot = spark.read.format("delta").load(settings.table_uri("bronze.users"))
    history = spark.read.format("delta").load(uri) if DeltaTable.isDeltaTable(spark, uri) else None
    result = apply_snapshot(history, snapshot, as_of=as_of)
    if history is not None:
        result = result.localCheckpoint()  # the table is read and rewritten in one job
    result.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(uri)
    return spark.read.format("delta").load(uri).where("is_current").count()
