"""Validation classifies every input and never raises; each invalid kind has its reason."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from speed_layer.models import Invalid, SourceMessage, ValidEvent, validate
from tests.speed_layer._stream import event_json

NOW = 1_800_000_000_000
T = NOW - 3_600_000


def msg(value: bytes | None, key: bytes | None = b"u1") -> SourceMessage:
    return SourceMessage("events", 0, 0, key, value)


def doc(**changes: object) -> bytes:
    base = json.loads(
        event_json("e1", "u1", "purchase", T, order_id="o1", amount=12.5, category="toys")
    )
    base.update(changes)
    return json.dumps({k: v for k, v in base.items() if v is not ...}).encode()


def test_a_valid_event_keeps_its_fields() -> None:
    event = validate(msg(doc()), now_ms=NOW)
    assert isinstance(event, ValidEvent)
    assert (event.event_id, event.user_id, event.type, event.ts_ms) == ("e1", "u1", "purchase", T)
    assert event.properties == {"order_id": "o1", "amount": 12.5, "category": "toys"}


@pytest.mark.parametrize(
    ("value", "key", "reason"),
    [
        (b"x" * 70_000, b"u1", "oversized"),
        (b"\xff\xfe", b"u1", "bad_encoding"),
        (b"{nope", b"u1", "bad_json"),
        (b"[1, 2]", b"u1", "not_an_object"),
        (None, b"u1", "not_an_object"),
        (doc(ts=...), b"u1", "missing_field"),
        (doc(schema_version="1"), b"u1", "wrong_type"),
        (doc(schema_version=True), b"u1", "wrong_type"),
        (doc(schema_version=2), b"u1", "unknown_schema_version"),
        (doc(type="teleport"), b"u1", "unknown_event_type"),
        (doc(properties={"order_id": "o1", "category": "toys"}), b"u1", "missing_field"),
        (doc(properties={"order_id": "o1", "amount": "12", "category": "t"}), b"u1", "wrong_type"),
        (doc(properties={"order_id": "o1", "amount": True, "category": "t"}), b"u1", "wrong_type"),
        (
            b'{"schema_version":1,"event_id":"e","user_id":"u1","type":"transaction",'
            b'"ts":"2026-01-01T00:00:00Z","properties":{"amount":1e999,"merchant":"m"}}',
            b"u1",
            "wrong_type",
        ),
        (
            b'{"schema_version":1,"event_id":"e","user_id":"u1","type":"transaction",'
            b'"ts":"2026-01-01T00:00:00Z","properties":{"amount":NaN,"merchant":"m"}}',
            b"u1",
            "bad_json",
        ),
        (doc(ts="yesterday"), b"u1", "bad_timestamp"),
        (doc(ts="2026-13-45T00:00:00Z"), b"u1", "bad_timestamp"),
        (doc(ts="2026-01-01T00:00:00"), b"u1", "bad_timestamp"),  # no timezone
        (doc(ts="2999-01-01T00:00:00.000Z"), b"u1", "future_timestamp"),
        (doc(user_id="u{1}"), b"u{1}", "bad_user_id"),
        (doc(user_id="u 1"), b"u 1", "bad_user_id"),
        (doc(), b"u2", "key_mismatch"),
        (doc(), None, "key_mismatch"),
        (b"[" * 100_00 + b"]" * 100_00, b"u1", "bad_json"),
    ],
)
def test_each_kind_of_invalid_message_has_its_reason(
    value: bytes | None, key: bytes | None, reason: str
) -> None:
    result = validate(msg(value, key), now_ms=NOW, max_bytes=65536)
    assert isinstance(result, Invalid)
    assert result.reason == reason, result.detail
    assert result.detail


def test_the_future_skew_is_a_tolerance() -> None:
    assert isinstance(
        validate(
            msg(doc(ts="2027-01-15T08:00:04.000Z")),
            now_ms=1_800_000_000_000,
            future_skew_ms=300_000,
        ),
        ValidEvent,
    )


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300), st.one_of(st.none(), st.binary(max_size=20)))
def test_random_bytes_never_raise_and_always_classify(value: bytes, key: bytes | None) -> None:
    result = validate(msg(value, key), now_ms=NOW)
    assert isinstance(result, Invalid | ValidEvent)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["schema_version", "event_id", "user_id", "type", "ts", "properties"]),
        json_values,
        max_size=6,
    )
)
def test_random_documents_never_raise_and_always_classify(document: dict[str, object]) -> None:
    raw = json.dumps(document).encode()
    result = validate(msg(raw), now_ms=NOW)
    assert isinstance(result, Invalid | ValidEvent)
