"""bronze -> silver: typed, valid, deduplicated; everything else quarantined with reasons."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from spark_jobs.clean_events import clean_events

pytestmark = pytest.mark.spark

INGESTED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _msg(**overrides: object) -> str:
    event: dict[str, object] = {
        "schema_version": 1,
        "event_id": "e1",
        "user_id": "u000000001",
        "type": "purchase",
        "ts": "2026-11-27T11:59:00.000Z",
        "properties": {"order_id": "o1", "amount": 42.5, "category": "books"},
    }
    event.update(overrides)
    return json.dumps(event)


def _bronze(spark, values: list[str | None]):  # type: ignore[no-untyped-def]
    rows = [("u000000001", v, "events", 0, i, INGESTED) for i, v in enumerate(values)]
    return spark.createDataFrame(
        rows,
        "key string, value string, topic string, partition int, offset long, ingested_at timestamp",
    )


def test_a_valid_event_becomes_one_typed_silver_row(spark) -> None:  # type: ignore[no-untyped-def]
    silver, quarantine = clean_events(_bronze(spark, [_msg()]))
    rows = silver.collect()
    assert quarantine.count() == 0 and len(rows) == 1
    row = rows[0]
    assert row.amount == 42.5 and row.category == "books" and row.order_id == "o1"
    assert row.ts == datetime(2026, 11, 27, 11, 59)  # session time zone is UTC
    assert str(row.event_date) == "2026-11-27"
    assert json.loads(row.properties)["amount"] == 42.5


def test_duplicates_keep_the_first_arrival(spark) -> None:  # type: ignore[no-untyped-def]
    first, again = _msg(), _msg(properties={"order_id": "o1", "amount": 1.0, "category": "x"})
    silver, quarantine = clean_events(_bronze(spark, [first, again, first]))
    rows = silver.collect()
    assert len(rows) == 1 and rows[0].source_offset == 0 and rows[0].amount == 42.5
    assert quarantine.count() == 0


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("not json", "invalid_json"),
        (None, "invalid_json"),
        (_msg(schema_version=2), "unsupported_schema_version"),
        (_msg(schema_version="one"), "missing_or_mistyped:schema_version"),
        (_msg(event_id=""), "missing:event_id"),
        (_msg(user_id=None), "missing:user_id"),
        (_msg(type="teleport"), "unknown_event_type"),
        (_msg(ts="yesterday"), "unparseable:ts"),
        (_msg(ts="2026-11-28T12:00:00.000Z"), "ts_in_future"),
        (
            _msg(properties={"order_id": "o1", "category": "x"}),
            "missing_or_mistyped:properties.amount",
        ),
        (
            _msg(properties={"order_id": "o1", "amount": "lots", "category": "x"}),
            "missing_or_mistyped:properties.amount",
        ),
        (
            _msg(type="transaction", properties={"amount": 3}),
            "missing_or_mistyped:properties.merchant",
        ),
    ],
)
def test_invalid_rows_are_quarantined_with_the_reason(spark, value, reason) -> None:  # type: ignore[no-untyped-def]
    silver, quarantine = clean_events(_bronze(spark, [value, _msg(event_id="ok")]))
    assert [r.event_id for r in silver.collect()] == ["ok"]
    rows = quarantine.collect()
    assert len(rows) == 1
    assert reason in rows[0].reasons
    assert rows[0].value == value  # the original message is kept


def test_every_row_lands_in_exactly_one_place(spark) -> None:  # type: ignore[no-untyped-def]
    values = [_msg(event_id=f"e{i % 7}") for i in range(20)] + ["{", _msg(type="x")]
    silver, quarantine = clean_events(_bronze(spark, values))
    assert silver.count() == 7
    assert quarantine.count() == 2
