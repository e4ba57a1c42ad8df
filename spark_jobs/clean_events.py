"""Clean: ``bronze.events`` (raw messages) -> ``silver.events`` (typed, valid, deduplicated).

Every raw row either becomes exactly one typed event in silver or lands in
``silver.quarantine`` with the reasons it was refused; a duplicate ``event_id``
keeps its first arrival. Validation follows the event contract in
``clarion.events`` — the same declarations the speed layer checks against.

``clean_events`` is a pure transform; ``run`` is the thin entry that reads and
writes Delta.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from clarion.events import EVENT_TYPES, REQUIRED_PROPERTIES, SCHEMA_VERSION

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = [
    "FUTURE_TOLERANCE_MINUTES",
    "SILVER_COLUMNS",
    "TYPED_PROPERTIES",
    "CleanCounts",
    "clean_events",
    "parse_events",
    "run",
    "to_quarantine",
    "to_silver",
]

# An event stamped more than this after it reached the platform is refused.
FUTURE_TOLERANCE_MINUTES = 15

# Properties lifted into typed columns of silver.events (the full JSON stays in `properties`).
TYPED_PROPERTIES: dict[str, str] = {
    "amount": "double",
    "price": "double",
    "category": "string",
    "product_id": "string",
    "order_id": "string",
    "merchant": "string",
    "channel": "string",
    "notification_id": "string",
}

_ENVELOPE = (
    "schema_version int, event_id string, user_id string, type string, ts string, "
    "properties string, _corrupt_record string"
)

SILVER_COLUMNS = (
    "event_id",
    "user_id",
    "type",
    "ts",
    "event_date",
    "schema_version",
    "properties",
    *TYPED_PROPERTIES,
    "source_topic",
    "source_partition",
    "source_offset",
    "ingested_at",
)


def _reasons(parsed: DataFrame) -> Column:
    """An array of every reason the row is invalid (empty when it is valid)."""
    from pyspark.sql import functions as F

    checks: list[tuple[Column, str]] = [
        (F.col("_corrupt_record").isNotNull() | F.col("value").isNull(), "invalid_json"),
        (F.col("schema_version").isNull(), "missing_or_mistyped:schema_version"),
        (
            F.col("schema_version").isNotNull() & (F.col("schema_version") != SCHEMA_VERSION),
            "unsupported_schema_version",
        ),
        (F.col("event_id").isNull() | (F.trim("event_id") == ""), "missing:event_id"),
        (F.col("user_id").isNull() | (F.trim("user_id") == ""), "missing:user_id"),
        (F.col("type").isNull(), "missing:type"),
        (
            F.col("type").isNotNull() & ~F.col("type").isin(*EVENT_TYPES),
            "unknown_event_type",
        ),
        (F.col("ts").isNull(), "missing:ts"),
        (F.col("ts").isNotNull() & F.col("ts_parsed").isNull(), "unparseable:ts"),
        (
            F.col("ts_parsed")
            > F.col("ingested_at") + F.expr(f"INTERVAL {FUTURE_TOLERANCE_MINUTES} MINUTES"),
            "ts_in_future",
        ),
    ]
    checks.append((F.col("_props").isNull(), "mistyped:properties"))
    for event_type, required in REQUIRED_PROPERTIES.items():
        for prop, types in required.items():
            raw = F.col("_props").getItem(prop)
            bad = raw.isNull()
            if types != (str,):  # numeric: the value must read as a number
                bad = bad | raw.try_cast("double").isNull()
            checks.append(
                ((F.col("type") == event_type) & bad, f"missing_or_mistyped:properties.{prop}")
            )
    reasons = [F.when(cond, F.lit(label)) for cond, label in checks]
    return F.filter(F.array(*reasons), lambda r: r.isNotNull())


def parse_events(bronze: DataFrame) -> DataFrame:
    """Parse raw rows into the envelope's fields plus ``reasons`` (an array, empty if valid).

    Args:
        bronze: rows of ``bronze.events``: ``key``, ``value`` (the JSON message),
            ``topic``, ``partition``, ``offset``, ``ingested_at``.
    """
    from pyspark.sql import functions as F

    parsed = (
        bronze.withColumn(
            "_envelope",
            F.from_json(
                "value",
                _ENVELOPE,
                {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt_record"},
            ),
        )
        .select("*", "_envelope.*")
        .drop("_envelope")
    )
    parsed = (
        parsed.withColumn("properties", F.coalesce(F.col("properties"), F.lit("{}")))
        .withColumn("ts_parsed", F.try_to_timestamp(F.col("ts")))
        # One parse of the properties; every check and typed column reads this map.
        .withColumn("_props", F.from_json("properties", "map<string,string>"))
    )
    return parsed.withColumn("reasons", _reasons(parsed))


def clean_events(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Split raw events into ``(silver, quarantine)``.

    ``silver`` holds one typed row per distinct valid ``event_id`` (the first to
    arrive, by ingestion time, then topic partition and offset); ``quarantine``
    holds every invalid raw row with its ``reasons``. Duplicates are neither: a
    repeat of a valid event is dropped, which is what exactly-once means here.
    """
    parsed = parse_events(bronze)
    return to_silver(parsed), to_quarantine(parsed)


def to_silver(parsed: DataFrame) -> DataFrame:
    """The valid rows of :func:`parse_events`, typed, one per ``event_id`` (first arrival)."""
    from pyspark.sql import functions as F

    payload: list[Column | str] = [
        "user_id",
        "type",
        F.col("ts_parsed").alias("ts"),
        "schema_version",
        "properties",
        *[
            F.col("_props").getItem(name).cast(dtype).alias(name)
            for name, dtype in TYPED_PROPERTIES.items()
        ],
        F.col("topic").alias("source_topic"),
        F.col("partition").alias("source_partition"),
        F.col("offset").alias("source_offset"),
    ]
    # First arrival wins: a hash aggregate of the smallest (arrival order, payload) struct,
    # with nulls ordered last as the contract's ordering says. No sort-based window.
    arrival = F.struct(
        F.col("ingested_at").isNull().alias("_n1"),
        F.col("ingested_at").alias("ingested_at"),
        F.col("partition").isNull().alias("_n2"),
        F.col("partition").alias("_partition"),
        F.col("offset").isNull().alias("_n3"),
        F.col("offset").alias("_offset"),
        F.col("value").alias("_value"),
        F.struct(*payload).alias("row"),
    )
    first = (
        parsed.filter(F.size("reasons") == 0)
        .groupBy("event_id")
        .agg(F.min(arrival).alias("_first"))
    )
    return first.select(
        "event_id",
        "_first.row.user_id",
        "_first.row.type",
        "_first.row.ts",
        F.to_date("_first.row.ts").alias("event_date"),
        "_first.row.schema_version",
        "_first.row.properties",
        *[f"_first.row.{name}" for name in TYPED_PROPERTIES],
        "_first.row.source_topic",
        "_first.row.source_partition",
        "_first.row.source_offset",
        "_first.ingested_at",
    )


def to_quarantine(parsed: DataFrame) -> DataFrame:
    """The invalid rows of :func:`parse_events`, as they arrived, with their ``reasons``."""
    from pyspark.sql import functions as F

    return parsed.filter(F.size("reasons") > 0).select(
        "key",
        "value",
        "topic",
        "partition",
        "offset",
        "ingested_at",
        "reasons",
        F.coalesce(F.to_date("ts_parsed"), F.to_date("ingested_at")).alias("event_date"),
    )


@dataclass(frozen=True, slots=True)
class CleanCounts:
    """Rows read from bronze and written to silver and quarantine by one run."""

    bronze: int
    silver: int
    quarantine: int


def run(spark: SparkSession, settings: Settings, *, as_of: date | None = None) -> CleanCounts:
    """Clean ``bronze.events`` into ``silver.events`` and ``silver.quarantine``.

    With ``as_of``, only that day is cleaned: the ``event_date = as_of`` partition of
    bronze replaces the same partition of both silver tables (a rerun rewrites exactly
    that date; a quarantined row is filed under the bronze day it came from). Without
    it, both tables are rebuilt from all of bronze.
    """
    from pyspark.sql import functions as F

    bronze = spark.read.format("delta").load(settings.table_uri("bronze.events"))
    if as_of is not None:
        bronze = bronze.where(F.col("event_date") == F.lit(as_of))
    # Parse once for both outputs (each write would otherwise parse every message again).
    parsed = parse_events(bronze).persist()
    silver, quarantine = to_silver(parsed), to_quarantine(parsed)
    if as_of is not None:
        quarantine = quarantine.withColumn("event_date", F.lit(as_of))
    for frame, name in ((silver, "silver.events"), (quarantine, "silver.quarantine")):
        writer = frame.write.format("delta").mode("overwrite").partitionBy("event_date")
        if as_of is None:
            writer = writer.option("overwriteSchema", "true")
        else:
            writer = writer.option("replaceWhere", f"event_date = DATE'{as_of.isoformat()}'")
        writer.save(settings.table_uri(name))
    read = spark.read.format("delta")

    def count(name: str) -> int:
        table = read.load(settings.table_uri(name))
        if as_of is not None:
            table = table.where(F.col("event_date") == F.lit(as_of))
        return table.count()

    counts = CleanCounts(
        bronze=parsed.count(), silver=count("silver.events"), quarantine=count("silver.quarantine")
    )
    parsed.unpersist()
    return counts
