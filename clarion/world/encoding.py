"""Generated events in their raw ``bronze.events`` form: the contract JSON plus ingest metadata.

The JSON is built without ``json.dumps``: the fixed-width head of every event
(schema version, event id, user id) and its timestamp are written as byte
matrices, properties per event type with Arrow's string kernels, and the
pieces joined column-wise. Keys come in the contract's order::

    {"schema_version":1,"event_id":"…","user_id":"u000000042","type":"purchase",
     "ts":"2026-11-27T20:42:14.123Z","properties":{"order_id":"o…","amount":42.50,…}}

Event ids are UUID-shaped hashes of (seed, window start, user, the event's
position in the user's window), so the same world always has the same ids.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from clarion.events import CATEGORIES, CHANNELS, EVENT_TYPES, SCHEMA_VERSION
from clarion.world._text import (
    Digits,
    Hex,
    cents_text,
    fixed_ascii,
    mix64,
    timestamp_parts,
    uuid_parts,
)
from clarion.world.catalog import MERCHANTS, PAGES, QUERIES
from clarion.world.columns import EventColumns

__all__ = ["BRONZE_EVENTS_SCHEMA", "DIRECT_TOPIC", "bronze_events"]

DIRECT_TOPIC: Final = "generator"
BRONZE_EVENTS_SCHEMA: Final = pa.schema(
    [
        pa.field("key", pa.string()),
        pa.field("value", pa.string()),
        pa.field("topic", pa.string()),
        pa.field("partition", pa.int32()),
        pa.field("offset", pa.int64()),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC")),
        pa.field("event_date", pa.date32()),
    ]
)
_NAMES: Final = {
    "type": pa.array(EVENT_TYPES),
    "category": pa.array(CATEGORIES),
    "channel": pa.array(CHANNELS),
    "page": pa.array(PAGES),
    "query": pa.array(QUERIES),
    "merchant": pa.array(MERCHANTS),
}


def _name(table: str, index: np.ndarray) -> pa.Array:
    return _NAMES[table].take(pa.array(index.astype(np.int64)))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _product(cols: EventColumns) -> pa.Array:
    return fixed_ascii(len(cols), ['{"product_id":"p', Digits(cols.item, 6), '","category":"'])


def _properties(kind: str, cols: EventColumns) -> pa.Array:
    """The ``properties`` object of events that all have type ``kind``."""
    n = len(cols)
    if kind in ("app_open", "login_success", "login_failure"):
        return fixed_ascii(n, ["{}"])
    if kind == "page_view":
        return _join('{"page":"', _name("page", cols.item), '"}')
    if kind == "search":
        return _join('{"query":"', _name("query", cols.item), '"}')
    if kind in ("product_view", "add_to_cart"):
        return _join(
            _product(cols),
            _name("category", cols.category),
            '","price":',
            cents_text(cols.cents),
            "}",
        )
    if kind == "wishlist":
        return _join(_product(cols), _name("category", cols.category), '"}')
    if kind == "purchase":
        head = fixed_ascii(n, ['{"order_id":"o', Hex(cols.ref, 16), '","amount":'])
        return _join(
            head,
            cents_text(cols.cents),
            ',"category":"',
            _name("category", cols.category),
            fixed_ascii(n, ['","product_id":"p', Digits(cols.item, 6), '"}']),
        )
    if kind == "transaction":
        return _join(
            '{"amount":',
            cents_text(cols.cents),
            ',"merchant":"',
            _name("merchant", cols.item),
            '"}',
        )
    if kind.startswith("notification_"):
        head = fixed_ascii(
            n, ['{"notification_id":"', *uuid_parts(cols.ref, mix64(cols.ref)), '","channel":"']
        )
        return _join(head, _name("channel", cols.item), '"}')
    raise ValueError(f"no property encoder for event type {kind!r}")  # pragma: no cover


def _all_properties(cols: EventColumns) -> pa.Array:
    """Properties of every row: built per type, then put back in row order."""
    by_kind = np.argsort(cols.kind, kind="stable")
    counts = np.bincount(cols.kind, minlength=len(EVENT_TYPES))
    pieces, pos = [], 0
    for k, count in enumerate(counts):
        if count:
            pieces.append(_properties(EVENT_TYPES[k], cols.take(by_kind[pos : pos + count])))
            pos += count
    grouped = pa.concat_arrays(pieces) if pieces else pa.array([], pa.string())
    back = np.empty(len(cols), dtype=np.int64)
    back[by_kind] = np.arange(len(cols))
    return grouped.take(pa.array(back))


def _sequence(user: np.ndarray) -> np.ndarray:
    """Position of each event among its user's events (rows sorted by user)."""
    idx = np.arange(len(user))
    first = np.ones(len(user), dtype=bool)
    first[1:] = user[1:] != user[:-1]
    return np.asarray(idx - np.maximum.accumulate(np.where(first, idx, 0)))


def bronze_events(
    cols: EventColumns, *, seed: int, start_day: int, batch_rows: int = 1 << 18
) -> pa.Table:
    """Raw ``bronze.events`` rows as the direct (non-Kafka) path writes them.

    Args:
        cols: events sorted by user, then time.
        seed: the world's seed (part of every event id).
        start_day: the window's first day (part of every event id).
        batch_rows: rows encoded at once; bounds the temporary memory.
    """
    salt = mix64(np.array([seed, start_day], dtype=np.uint64))
    key = (cols.user.astype(np.uint64) << np.uint64(24)) | _sequence(cols.user).astype(np.uint64)
    hi = mix64(key ^ salt[0])
    lo = mix64(hi ^ salt[1])
    del key
    batches = [
        _encode(cols.take(rows), hi=hi[rows], lo=lo[rows])
        for rows in (slice(i, i + batch_rows) for i in range(0, len(cols), batch_rows))
    ]
    return pa.Table.from_batches(batches, schema=BRONZE_EVENTS_SCHEMA)


def _encode(cols: EventColumns, *, hi: np.ndarray, lo: np.ndarray) -> pa.RecordBatch:
    n = len(cols)
    head = fixed_ascii(
        n,
        [
            f'{{"schema_version":{SCHEMA_VERSION},"event_id":"',
            *uuid_parts(hi, lo),
            '","user_id":"u',
            Digits(cols.user, 9),
            '","type":"',
        ],
    )
    middle = fixed_ascii(n, ['","ts":"', *timestamp_parts(cols.ts_ms), '","properties":'])
    value = _join(head, _name("type", cols.kind), middle, _all_properties(cols), "}")
    del head, middle
    lag_ms = 150 + (lo % np.uint64(1_850)).astype(np.int64)
    return pa.RecordBatch.from_arrays(
        [
            fixed_ascii(n, ["u", Digits(cols.user, 9)]),
            value,
            fixed_ascii(n, [DIRECT_TOPIC]),
            pa.nulls(n, pa.int32()),
            pa.nulls(n, pa.int64()),
            pa.array((cols.ts_ms + lag_ms) * 1000, pa.timestamp("us", tz="UTC")),
            pa.array((cols.ts_ms // 86_400_000).astype(np.int32), pa.int32()).cast(pa.date32()),
        ],
        schema=BRONZE_EVENTS_SCHEMA,
    )
