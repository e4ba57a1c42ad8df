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
    for event_type, required in REQUIRED_PROPERTIES.items():
        for prop, types in required.items():
            raw = F.get_json_object(F.col("properties"), f"$.{prop}")
            bad = raw.isNull()
            if types != (str,):  # numeric: the value must read as a number
                bad = (
                    bad
                    | F.expr(
                        f"try_cast(get_json_object(properties, '$.{prop}') AS DOUBLE)"
                    ).isNull()
                )
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
    parsed = parsed.withColumn(
        "properties", F.coalesce(F.col("properties"), F.lit("{}"))
    ).withColumn("ts_parsed", F.try_to_timestamp(F.col("ts")))
    return parsed.withColumn("reasons", _reasons(parsed))


def clean_events(bronze: DataFrame) -> tuple[DataFrame, DataFrame]:
    """Split raw events into ``(silver, quarantine)``.

    ``silver`` holds one typed row per distinct valid ``event_id`` (the first to
    arrive, by ingestion time, then topic partition and offset); ``quarantine``
    holds every invalid raw row with its ``reasons``. Duplicates are neither: a
    repeat of a valid event is dropped, which is what exactly-once means here.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    parsed = parse_events(bronze)
    valid = parsed.filter(F.size("reasons") == 0)
    first = Window.partitionBy("event_id").orderBy(
        F.col("ingested_at").asc_nulls_last(),
        F.col("partition").asc_nulls_last(),
        F.col("offset").asc_nulls_last(),
        F.col("value"),
    )
    silver = (
        valid.withColumn("_rank", F.row_number().over(first))
        .filter(F.col("_rank") == 1)
        .select(
            "event_id",
            "user_id",
            "type",
            F.col("ts_parsed").alias("ts"),
            F.to_date("ts_parsed").alias("event_date"),
            "schema_version",
            "properties",
            *[
                F.get_json_object("properties", f"$.{name}").cast(dtype).alias(name)
                for name, dtype in TYPED_PROPERTIES.items()
            ],
            F.col("topic").alias("source_topic"),
            F.col("partition").alias("source_partition"),
            F.col("offset").alias("source_offset"),
            "ingested_at",
        )
    )
    quarantine = parsed.filter(F.size("reasons") > 0).select(
        "key",
        "value",
        "topic",
        "partition",
        "offset",
        "ingested_at",
        "reasons",
        F.coalesce(F.to_date("ts_parsed"), F.to_date("ingested_at")).alias("event_date"),
    )
    return silver, quarantine


@dataclass(frozen=True, slots=True)
class CleanCounts:
    """Rows read from bronze and written to silver and quarantine by one run."""

    bronze: int
    silver: int
    quarantine: int


def run(spark: SparkSession, settings: Settings) -> CleanCounts:
    """Rebuild ``silver.events`` and ``silver.quarantine`` from all of ``bronze.events``."""
    bronze = spark.read.format("delta").load(settings.table_uri("bronze.events"))
    silver, quarantine = clean_events(bronze)
    for frame, name in ((silver, "silver.events"), (quarantine, "silver.quarantine")):
        (
            frame.write.format("delta")
            .mode("overwrite")
            .option("overwriteSchema", "true")
            .partitionBy("event_date")
            .save(settings.table_uri(name))
        )
    read = spark.read.format("delta")
    return CleanCounts(
        bronze=bronze.count(),
        silver=read.load(settings.table_uri("silver.events")).count(),
        quarantine=read.load(settings.table_uri("silver.quarantine")).count(),
    )
