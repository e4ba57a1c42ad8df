"""Vectorised text building: fixed-width ASCII fields straight into Arrow string arrays.

Identifiers, timestamps and JSON prefixes have a fixed width, so millions of
them are built as one ``(n, width)`` byte matrix with numpy and handed to Arrow
without a Python loop. Variable parts are joined with Arrow's compute kernels.

>>> fixed_ascii(2, ["u", Digits(np.array([42, 7]), 4)]).to_pylist()
['u0042', 'u0007']
>>> fixed_ascii(1, [Hex(np.array([255], dtype=np.uint64), 4)]).to_pylist()
['00ff']
>>> cents_text(np.array([4250, 7, 123456])).to_pylist()
['42.50', '0.07', '1234.56']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "Digits",
    "Hex",
    "Lookup",
    "cents_text",
    "fixed_ascii",
    "mix64",
    "timestamp_parts",
    "uuid_parts",
]

_HEX2: Final = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), np.uint8).reshape(256, 2)
_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)
_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class Digits:
    """A non-negative integer column written as zero-padded decimal of a fixed width."""

    values: np.ndarray
    width: int


@dataclass(frozen=True, slots=True)
class Hex:
    """The low ``width`` nibbles of a uint64 column written as lower-case hex."""

    values: np.ndarray
    width: int


@dataclass(frozen=True, slots=True)
class Lookup:
    """Row ``index[i]`` of a ``(m, width)`` byte table: for fields with few distinct values."""

    index: np.ndarray
    table: np.ndarray

    @property
    def width(self) -> int:
        return int(self.table.shape[1])


Part = str | Digits | Hex | Lookup


def _width(part: Part) -> int:
    return len(part.encode()) if isinstance(part, str) else part.width


def _table(texts: Sequence[str]) -> np.ndarray:
    """Equal-length ASCII strings as a ``(len, width)`` byte table."""
    return np.frombuffer("".join(texts).encode(), np.uint8).reshape(len(texts), -1)


_SLICE_ROWS: Final = 1 << 16
_DEC: Final = {k: _table([f"{i:0{k}d}" for i in range(10**k)]) for k in (1, 2, 3)}
_CLOCK_HM: Final = _table([f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)])
_CLOCK_SMS: Final = _table([f"{s:02d}.{ms:03d}" for s in range(60) for ms in range(1000)])


def _write(part: Digits | Hex | Lookup, rows: slice, dest: np.ndarray) -> None:
    """Write one field of a slice of rows into ``dest`` (a ``(rows, width)`` view)."""
    if isinstance(part, Lookup):
        dest[:] = np.take(part.table, part.index[rows], axis=0)
    elif isinstance(part, Digits):
        v = part.values[rows]
        v = v.astype(np.int32) if part.width <= 9 else v.astype(np.int64)
        end = part.width
        while end > 0:
            k = min(3, end)
            dest[:, end - k : end] = np.take(_DEC[k], v % 10**k, axis=0)
            v = v // 10**k
            end -= k
    else:
        raw = part.values[rows].astype(">u8").view(np.uint8).reshape(-1, 8)
        pairs = np.take(_HEX2, raw[:, 8 - (part.width + 1) // 2 :], axis=0)
        dest[:] = pairs.reshape(len(raw), -1)[:, part.width % 2 :]


def fixed_ascii(n: int, parts: Sequence[Part]) -> pa.StringArray:
    """Concatenate literal strings and fixed-width fields into an Arrow string array.

    ``Digits`` values must fit their width (higher digits are dropped) and be below 10**9
    for widths up to 9.
    """
    widths = [_width(p) for p in parts]
    width = sum(widths)
    template = np.zeros(width, dtype=np.uint8)
    fields: list[tuple[Digits | Hex | Lookup, int, int]] = []
    pos = 0
    for part, w in zip(parts, widths, strict=True):
        if isinstance(part, str):
            template[pos : pos + w] = np.frombuffer(part.encode(), dtype=np.uint8)
        else:
            fields.append((part, pos, w))
        pos += w
    out = np.empty((n, width), dtype=np.uint8)
    for start in range(0, n, _SLICE_ROWS):
        rows = slice(start, min(n, start + _SLICE_ROWS))
        out[rows] = template
        for part, pos, w in fields:
            _write(part, rows, out[rows, pos : pos + w])
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(
            n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(out)
        )
    large = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out))
    return large.cast(pa.string())


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijective, well-mixed hash of a uint64 column."""
    z = x.astype(np.uint64, copy=True)
    z += _GOLDEN
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def uuid_parts(hi: np.ndarray, lo: np.ndarray) -> list[Part]:
    """A version-4-shaped UUID (``8-4-4-4-12`` hex) from two uint64 columns."""
    hi = (hi & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)
    lo = (lo & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    return [
        Hex(hi >> np.uint64(32), 8),
        "-",
        Hex(hi >> np.uint64(16), 4),
        "-",
        Hex(hi, 4),
        "-",
        Hex(lo >> np.uint64(48), 4),
        "-",
        Hex(lo, 12),
    ]


def timestamp_parts(ts_ms: np.ndarray) -> list[Part]:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC) from milliseconds since the epoch (years 1000-9999)."""
    if len(ts_ms) == 0:
        return [Lookup(np.zeros(0, np.int64), _table(["0000-00-00T00:00:00.000Z"]))]
    day = ts_ms // 86_400_000
    first, last = int(day.min()), int(day.max())
    dates = np.arange(first, last + 1).astype("datetime64[D]").astype(str)
    rem = ts_ms - day * 86_400_000
    return [
        Lookup(day - first, _table(list(dates))),
        "T",
        Lookup(rem // 60_000, _CLOCK_HM),
        ":",
        Lookup(rem % 60_000, _CLOCK_SMS),
        "Z",
    ]


def cents_text(cents: np.ndarray) -> pa.Array:
    """Non-negative amounts in cents as JSON numbers with two decimals (``42.50``)."""
    whole = pc.cast(pa.array(cents // 100), pa.string())
    frac = fixed_ascii(len(cents), [".", Digits(cents % 100, 2)])
    return pc.binary_join_element_wise(whole, frac, "")
