"""Vectorised text building agrees with Python's own formatting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.events import format_ts
from clarion.world._text import (
    Digits,
    Hex,
    cents_text,
    fixed_ascii,
    mix64,
    timestamp_parts,
    uuid_parts,
)

MS_2000 = 946_684_800_000
MS_2100 = 4_102_444_800_000


@settings(deadline=None)  # timing varies on a shared machine; the property does not
@given(st.lists(st.integers(MS_2000, MS_2100), min_size=1, max_size=50))
def test_timestamps_match_the_contract_formatter(values: list[int]) -> None:
    ts = np.array(values, dtype=np.int64)
    got = fixed_ascii(len(ts), timestamp_parts(ts)).to_pylist()
    assert got == [format_ts(datetime.fromtimestamp(v / 1000, UTC)) for v in values]


@settings(deadline=None)  # timing varies on a shared machine; the property does not
@given(st.lists(st.integers(0, 999_999_999), min_size=1, max_size=50))
def test_digits_are_zero_padded_decimal(values: list[int]) -> None:
    got = fixed_ascii(len(values), ["u", Digits(np.array(values), 9)]).to_pylist()
    assert got == [f"u{v:09d}" for v in values]


@settings(deadline=None)  # timing varies on a shared machine; the property does not
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=50))
def test_hex_and_uuid_shape(values: list[int]) -> None:
    arr = np.array(values, dtype=np.uint64)
    assert fixed_ascii(len(arr), [Hex(arr, 16)]).to_pylist() == [f"{v:016x}" for v in values]
    assert fixed_ascii(len(arr), [Hex(arr, 5)]).to_pylist() == [
        f"{v & 0xFFFFF:05x}" for v in values
    ]
    for text in fixed_ascii(len(arr), uuid_parts(arr, mix64(arr))).to_pylist():
        assert uuid.UUID(text).version == 4


@settings(deadline=None)  # timing varies on a shared machine; the property does not
@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=50))
def test_cents_have_two_decimals(values: list[int]) -> None:
    got = cents_text(np.array(values, dtype=np.int64)).to_pylist()
    assert got == [f"{v // 100}.{v % 100:02d}" for v in values]


def test_mix64_is_a_bijection_on_a_sample() -> None:
    x = np.arange(100_000, dtype=np.uint64)
    assert len(np.unique(mix64(x))) == len(x)
