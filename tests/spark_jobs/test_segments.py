"""Segments: YAML checked on load, compiled to Spark with the Python evaluator's semantics."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from clarion.expressions import compile_expression, evaluate
from spark_jobs.exceptions import SegmentDefinitionError
from spark_jobs.segments import assign_segments, load_segments, segment_names

AS_OF = date(2026, 11, 27)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_the_repository_segments_load() -> None:
    segments = load_segments()
    assert segments and all(s.rule.type == "boolean" for s in segments)
    assert "score" in segment_names() and "category_affinity_90d" not in segment_names()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("purchase_count_7d >", "position 19"),
        ("purchase_cnt_7d > 1", "unknown name 'purchase_cnt_7d'"),
        ("reachable_email > 1", "compares a boolean with a number"),
    ],
)
def test_bad_expressions_fail_on_load_with_file_segment_and_position(
    tmp_path: Path, expression: str, message: str
) -> None:
    path = _write(
        tmp_path,
        "bad.yaml",
        f"segments:\n  - name: broken\n    description: d\n    owner: o\n"
        f"    expression: '{expression}'\n",
    )
    with pytest.raises(SegmentDefinitionError) as caught:
        load_segments(tmp_path)
    text = str(caught.value)
    assert str(path) in text and "'broken'" in text and message in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("segments:\n  - name: x\n    owner: o\n    expression: score > 1\n", "description"),
        ("segments:\n  - name: X y\n    description: d\n    owner: o\n    expression: score > 1\n",
         "segments.0.name"),
        ("segments:\n  - name: x\n    description: d\n    owner: o\n    expression: score > 1\n"
         "    sql: select 1\n", "sql"),
        ("segments: [", "not valid YAML"),
    ],
)  # fmt: skip
def test_bad_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    _write(tmp_path, "bad.yaml", text)
    with pytest.raises(SegmentDefinitionError, match=message):
        load_segments(tmp_path)


def test_duplicate_names_across_files_fail(tmp_path: Path) -> None:
    body = "segments:\n  - name: x\n    description: d\n    owner: o\n    expression: score > 1\n"
    _write(tmp_path, "a.yaml", body)
    _write(tmp_path, "b.yaml", body)
    with pytest.raises(SegmentDefinitionError, match="already declared"):
        load_segments(tmp_path)


RULES = [
    "spend > 10",
    "spend / visits > 2",
    "visits in [1, 2] or reachable is null",
    "not (spend * 2 >= 30) and reachable",
    "-visits < 0 and spend is not null",
    "visits not in [0]",
    "reachable == false or score > 0.5",
]
ROWS = [
    ("u1", 12.0, 3, True, 0.9),
    ("u2", None, 0, False, None),
    ("u3", 40.0, 0, None, 0.1),
    ("u4", 5.0, 2, True, None),
    ("u5", 30.0, None, False, 0.7),
]
NAMES = {"spend": "number", "visits": "number", "reachable": "boolean", "score": "number"}


@pytest.mark.spark
def test_spark_membership_matches_the_python_evaluator(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from spark_jobs.segments import Segment

    users = spark.createDataFrame(
        ROWS, "user_id string, spend double, visits long, reachable boolean, score double"
    )
    segments = [
        Segment(f"s{i}", "d", "o", compile_expression(rule, names=NAMES), tmp_path)
        for i, rule in enumerate(RULES)
    ]
    got = {
        (r.user_id, r.segment)
        for r in assign_segments(users, segments=segments, as_of=AS_OF).collect()
    }
    keys = ("user_id", "spend", "visits", "reachable", "score")
    expected = {
        (row[0], s.name)
        for row in ROWS
        for s in segments
        if evaluate(s.rule.node, dict(zip(keys, row, strict=True))) is True
    }
    assert got == expected and expected


@pytest.mark.spark
def test_run_is_idempotent_per_as_of(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from clarion.settings import Settings
    from spark_jobs import segments

    settings = Settings(state_dir=tmp_path, delta={"root": str(tmp_path / "lake")})
    features = spark.createDataFrame(
        [("u1", AS_OF, 3, 250.0), ("u2", AS_OF, 0, 0.0)],
        "user_id string, as_of date, purchase_count_7d long, purchase_amount_30d double",
    )
    scores = spark.createDataFrame(
        [("u1", AS_OF, 0.9, "m1"), ("u2", AS_OF, 0.2, "m1")],
        "user_id string, as_of date, score double, model_version string",
    )
    features.write.format("delta").partitionBy("as_of").save(
        settings.table_uri("gold.user_features")
    )
    scores.write.format("delta").partitionBy("as_of").save(settings.table_uri("gold.user_scores"))
    folder = _write(
        tmp_path / "segments",
        "s.yaml",
        "segments:\n"
        "  - {name: buyers, description: d, owner: o, expression: purchase_count_7d > 0}\n"
        "  - {name: confident, description: d, owner: o, expression: score >= 0.5}\n"
        "  - {name: big, description: d, owner: o, expression: 'purchase_amount_30d > 200'}\n",
    ).parent
    names = {"purchase_count_7d": "number", "purchase_amount_30d": "number", "score": "number"}
    assert load_segments(folder, names=names)
    assert segments.run(spark, settings, as_of=AS_OF, folder=folder) == 3
    uri = settings.table_uri("gold.user_segments")
    first = sorted(spark.read.format("delta").load(uri).collect())
    assert segments.run(spark, settings, as_of=AS_OF, folder=folder) == 3
    assert sorted(spark.read.format("delta").load(uri).collect()) == first
    assert {(r.user_id, r.segment) for r in first} == {
        ("u1", "buyers"),
        ("u1", "confident"),
        ("u1", "big"),
    }
