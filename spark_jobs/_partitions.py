"""Replace exactly one date partition of a Delta table: how every daily job stays idempotent."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["overwrite_date_partition", "read_date_partition"]


def overwrite_date_partition(frame: DataFrame, *, uri: str, column: str, day: date) -> None:
    """Write ``frame`` as the whole ``column = day`` partition (creating the table if absent).

    Rows of other dates are untouched; an empty frame empties that partition.
    Every row of ``frame`` must have ``column = day`` (Delta refuses the commit otherwise).
    """
    (
        frame.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"{column} = DATE'{day.isoformat()}'")
        .partitionBy(column)
        .save(uri)
    )


def read_date_partition(spark: SparkSession, *, uri: str, column: str, day: date) -> DataFrame:
    """The rows of one date partition."""
    return spark.read.format("delta").load(uri).where(f"{column} = DATE'{day.isoformat()}'")
