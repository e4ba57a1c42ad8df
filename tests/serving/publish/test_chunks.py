"""Pure parts: text encoding per dtype, record batch -> chunk, checkpoint round trip."""

from __future__ import annotations

import json
import math
from datetime import date

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feature_store import USER_FEATURES
from serving.publish import Position, PublishProgress, chunk_from_batch
from serving.stores import BatchVersion, StoreError, decode_value, encode_value

from .builders import BATCH_FEATURES, feature_table, segment_table, users

DAY = date(2026, 11, 27)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_int64_round_trips(value: int) -> None:
    assert decode_value("int64", encode_value("int64", value) or "") == value


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_double_round_trips_and_non_finite_is_omitted(value: float) -> None:
    text = encode_value("double", value)
    if math.isfinite(value):
        assert text is not None and decode_value("double", text) == value
    else:
        assert text is None


@given(st.dictionaries(st.text(max_size=8), st.floats(allow_nan=False, allow_infinity=False)))
def test_maps_are_compact_sorted_json(value: dict[str, float]) -> None:
    text = encode_value("map<string,double>", value)
    assert text == json.dumps(dict(sorted(value.items())), separators=(",", ":"))
    assert decode_value("map<string,double>", text) == value


def test_booleans_are_one_and_zero_and_nulls_are_omitted() -> None:
    assert [encode_value("boolean", v) for v in (True, False, None)] == ["1", "0", None]
    with pytest.raises(StoreError, match="not a valid int64"):
        decode_value("int64", "x")


def test_a_features_batch_becomes_text_fields_without_nulls() -> None:
    table = feature_table(users(20), as_of=DAY)
    chunk = chunk_from_batch("features", table.to_batches()[0], features=BATCH_FEATURES)
    assert chunk.kind == "features" and chunk.rows == 20 and len(chunk.fields) == 20
    for row in table.to_pylist():
        fields = chunk.fields[row["user_id"]]
        assert fields["as_of"] == "2026-11-27"
        for feature in BATCH_FEATURES:
            if row[feature.name] is None:
                assert feature.name not in fields
            else:
                got = decode_value(feature.dtype, fields[feature.name])
                want = row[feature.name]
                assert got == (dict(want) if feature.dtype.startswith("map") else want)
    assert not set().union(*chunk.fields.values()) & set(USER_FEATURES.names("streaming"))


def test_segment_rows_are_grouped_per_user() -> None:
    table = segment_table(users(30), as_of=DAY)
    chunk = chunk_from_batch("segments", table.to_batches()[0], features=())
    assert chunk.rows == table.num_rows
    assert sum(len(s) for s in chunk.segments.values()) == table.num_rows
    assert all(list(s) == sorted(s) for s in chunk.segments.values())


def test_an_empty_score_is_omitted() -> None:
    batch = pa.record_batch(
        {"user_id": ["a", "b"], "score": [0.5, None], "model_version": ["m1", None]}
    )
    chunk = chunk_from_batch("scores", batch, features=())
    assert chunk.fields == {"a": {"score": "0.5", "model_version": "m1"}, "b": {}}


def test_checkpoints_round_trip_through_text() -> None:
    progress = PublishProgress.start(delta_versions={"features": 4, "scores": 2}, started_at="t")
    progress = progress.after_chunk("features", position=Position(2, 5), rows=300)
    again = PublishProgress.from_fields(progress.to_fields())
    assert again == progress and again.position == Position(2, 6)
    assert progress.after_pass("segments").pass_name == "done"


def test_version_ids_are_deterministic_and_validated() -> None:
    assert BatchVersion(as_of=DAY, run_id="r2").id == "2026-11-27.r2"
    assert BatchVersion.parse("2026-11-27.r2") == BatchVersion(as_of=DAY, run_id="r2")
    with pytest.raises(StoreError, match="run id"):
        BatchVersion(as_of=DAY, run_id="r 1:{x}")
    with pytest.raises(StoreError, match="not a batch-view version"):
        BatchVersion.parse("current")
