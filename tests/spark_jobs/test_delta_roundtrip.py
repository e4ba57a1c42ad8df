"""What Spark writes to Delta, delta-rs reads back: values, types, MERGE and time travel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from deltalake import DeltaTable as RsDeltaTable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

SCHEMA = (
    "event_id string, user_id bigint, amount decimal(12,2), score double, "
    "ts timestamp, event_date date, channel string, opted_in boolean"
)
COLUMNS = [c.split()[0] for c in SCHEMA.split(", ")]
CHANNELS = ("email", "push", "webhook", "in_app")
T0 = datetime(2026, 11, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _rows(ids: range, *, bump: float = 0.0) -> list[tuple[object, ...]]:
    rows = []
    for i in ids:
        ts = T0 + timedelta(minutes=37 * i, microseconds=i)
        rows.append(
            (
                f"e{i:05d}",
                10_000_000_000 + i % 97,
                Decimal(i * 7 % 10_000) / 100,
                i / 3 + bump,
                ts,
                ts.date(),
                CHANNELS[i % len(CHANNELS)],
                i % 5 != 0,
            )
        )
    return rows


def _expected_pandas(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """The frame delta-rs should give, typed by hand (not derived from either engine)."""
    frame = pd.DataFrame(rows, columns=COLUMNS).sort_values("event_id", ignore_index=True)
    return frame.astype({"user_id": "int64", "score": "float64", "ts": "datetime64[us, UTC]"})


def _read_rs(path: str, version: int | None = None) -> pd.DataFrame:
    frame = RsDeltaTable(path, version=version).to_pandas()
    return frame[COLUMNS].sort_values("event_id", ignore_index=True)


def _assert_rs_equal(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert isinstance(actual.loc[0, "amount"], Decimal)
    assert isinstance(actual.loc[0, "event_date"], date)
    # delta-rs may hand the partition column back as a dictionary or string dtype
    actual = actual.astype({"channel": object})
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)


def test_spark_delta_table_reads_back_identically_with_delta_rs(
    spark: SparkSession, delta_path: Callable[[str], str]
) -> None:
    from pyspark.testing import assertDataFrameEqual

    path = delta_path("events")
    rows = _rows(range(300))
    written = spark.createDataFrame(rows, SCHEMA)
    written.write.format("delta").partitionBy("channel").save(path)

    assertDataFrameEqual(spark.read.format("delta").load(path), written)
    rs = RsDeltaTable(path)
    assert rs.metadata().partition_columns == ["channel"]
    _assert_rs_equal(_read_rs(path), _expected_pandas(rows))


def test_merge_makes_a_second_version_both_engines_time_travel(
    spark: SparkSession, delta_path: Callable[[str], str]
) -> None:
    from delta.tables import DeltaTable
    from pyspark.testing import assertDataFrameEqual

    path = delta_path("events")
    v0 = _rows(range(200))
    spark.createDataFrame(v0, SCHEMA).write.format("delta").partitionBy("channel").save(path)

    # Update rows 150..199 (new score), insert rows 200..249.
    changes = _rows(range(150, 250), bump=1000.0)
    (
        DeltaTable.forPath(spark, path)
        .alias("t")
        .merge(spark.createDataFrame(changes, SCHEMA).alias("s"), "t.event_id = s.event_id")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )
    v1 = v0[:150] + changes

    assertDataFrameEqual(spark.read.format("delta").load(path), spark.createDataFrame(v1, SCHEMA))
    assertDataFrameEqual(
        spark.read.format("delta").option("versionAsOf", 0).load(path),
        spark.createDataFrame(v0, SCHEMA),
    )
    history = DeltaTable.forPath(spark, path).history().orderBy("version").collect()
    assert [(h.version, h.operation) for h in history] == [(0, "WRITE"), (1, "MERGE")]

    rs = RsDeltaTable(path)
    assert rs.version() == 1
    assert [h["operation"] for h in rs.history()] == ["MERGE", "WRITE"]
    _assert_rs_equal(_read_rs(path), _expected_pandas(v1))
    _assert_rs_equal(_read_rs(path, version=0), _expected_pandas(v0))
