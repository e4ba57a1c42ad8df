"""silver.users keeps the history of consent and timezone changes (SCD type 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyspark.testing import assertDataFrameEqual

from clarion.settings import Settings
from spark_jobs import users
from spark_jobs.users import apply_snapshot

pytestmark = pytest.mark.spark

D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)
SCHEMA = (
    "user_id string, timezone string, consent_email boolean, consent_push boolean, "
    "updated_at timestamp"
)


def _snapshot(spark, *rows):  # type: ignore[no-untyped-def]
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    return spark.createDataFrame([(*r, stamp) for r in rows], SCHEMA)


def _versions(frame) -> set[tuple]:  # type: ignore[no-untyped-def]
    cols = ("user_id", "timezone", "consent_email", "valid_from", "valid_to", "is_current")
    return {tuple(r) for r in frame.select(*cols).collect()}


def test_changes_close_and_open_rows_unchanged_users_add_nothing(spark) -> None:  # type: ignore[no-untyped-def]
    day1 = [("a", "UTC", True, True), ("b", "UTC", True, False), ("c", "UTC", False, False)]
    day2 = [("a", "UTC", False, True), ("b", "Europe/Paris", True, False), ("d", "UTC", True, True)]
    first = apply_snapshot(None, _snapshot(spark, *day1), as_of=D1)
    second = apply_snapshot(first, _snapshot(spark, *day2), as_of=D2).cache()
    assert _versions(second) == {
        ("a", "UTC", True, D1, D2, False),
        ("a", "UTC", False, D2, None, True),  # consent changed
        ("b", "UTC", True, D1, D2, False),
        ("b", "Europe/Paris", True, D2, None, True),  # timezone changed
        ("c", "UTC", False, D1, D2, False),  # gone from the snapshot: closed
        ("d", "UTC", True, D2, None, True),  # new
    }
    unchanged = apply_snapshot(second, _snapshot(spark, *day2), as_of=D3)
    assert _versions(unchanged) == _versions(second)


def test_the_same_as_of_twice_gives_the_same_rows(spark) -> None:  # type: ignore[no-untyped-def]
    first = apply_snapshot(None, _snapshot(spark, ("a", "UTC", True, True)), as_of=D1)
    snap = _snapshot(spark, ("a", "Asia/Tokyo", True, True))
    once = apply_snapshot(first, snap, as_of=D2).cache()
    twice = apply_snapshot(once, snap, as_of=D2)
    assertDataFrameEqual(twice, once)


def test_run_is_idempotent_per_as_of(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(state_dir=tmp_path, delta={"root": str(tmp_path / "lake")})
    bronze = settings.table_uri("bronze.users")
    _snapshot(spark, ("a", "UTC", True, True), ("b", "UTC", False, False)).write.format(
        "delta"
    ).save(bronze)
    assert users.run(spark, settings, as_of=D1) == 2
    _snapshot(spark, ("a", "UTC", False, True), ("b", "UTC", False, False)).write.format(
        "delta"
    ).mode("overwrite").save(bronze)
    assert users.run(spark, settings, as_of=D2) == 2
    silver = settings.table_uri("silver.users")
    once = spark.read.format("delta").load(silver).collect()
    assert users.run(spark, settings, as_of=D2) == 2
    assertDataFrameEqual(spark.read.format("delta").load(silver), once)
    assert len(once) == 3
