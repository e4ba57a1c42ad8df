"""The Spark Column compiler gives what the Python evaluator gives, functions and
containment included, null rows too (one tiny frame on the shared local session)."""

from __future__ import annotations

from typing import Any

import pytest

from clarion.expressions import compile_expression
from clarion.expressions.spark import to_column

NAMES = {"spend": "number", "visits": "number", "city": "string"}
ROWS = [
    {"spend": 12.5, "visits": 3, "city": "Lisbon"},
    {"spend": None, "visits": 0, "city": "Porto"},
    {"spend": -4.0, "visits": None, "city": None},
]
EXPRESSIONS = [
    "coalesce(spend, 0) > 10",
    "abs(spend) >= 4",
    "max(spend, visits) > 2",
    "min(spend, visits) < 1",
    "'bon' in city",
    "'bon' not in city",
    "city in ['Porto', 'Faro'] or spend / visits > 4",
    "not (visits > 1) and city is not null",
]


@pytest.mark.spark
def test_spark_and_python_agree(spark: Any) -> None:
    frame = spark.createDataFrame(ROWS, "spend double, visits long, city string")
    checked = [compile_expression(text, names=NAMES) for text in EXPRESSIONS]
    columns = [to_column(c.node).alias(f"e{i}") for i, c in enumerate(checked)]
    got = [row.asDict() for row in frame.select(*columns).collect()]
    expected = [{f"e{i}": c.evaluate(row) for i, c in enumerate(checked)} for row in ROWS]
    assert got == expected
    assert any(v is None for row in expected for v in row.values())  # nulls are exercised
