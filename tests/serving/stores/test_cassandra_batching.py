"""Cutting a chunk's rows into UNLOGGED batches: row and size caps, order, nothing lost."""

from __future__ import annotations

from typing import Any

from cassandra.query import BatchType

from serving.stores.cassandra_batching import plan_batches, row_bytes

STATEMENT = "UPDATE ks.t SET features = features + %s WHERE user_id = %s"


def rows(n: int, *, entries: int = 3) -> list[tuple[Any, ...]]:
    return [({f"f{k}": "1.5" for k in range(entries)}, f"u{i}") for i in range(n)]


def plan(params: list[tuple[Any, ...]], *, max_rows: int, max_bytes: int) -> list[Any]:
    return plan_batches(
        None,  # no cluster metadata: rows keep their order
        keyspace="ks",
        statement=STATEMENT,
        params=params,
        key_index=1,
        max_rows=max_rows,
        max_bytes=max_bytes,
    )


def sent(batches: list[Any]) -> list[str]:
    """The user of every statement, in send order (a plain-text statement is bound inline)."""
    return [
        query.rsplit("'", 2)[1] for b in batches for _, query, _ in b._statements_and_parameters
    ]


def test_batches_hold_at_most_max_rows_and_keep_every_row_in_order() -> None:
    params = rows(45)
    batches = plan(params, max_rows=20, max_bytes=1_000_000)
    assert [len(b) for b in batches] == [20, 20, 5]
    assert all(b.batch_type == BatchType.UNLOGGED for b in batches)
    assert sent(batches) == [f"u{i}" for i in range(45)]


def test_batches_are_cut_by_estimated_size_but_never_empty() -> None:
    params = rows(10, entries=20)
    size = row_bytes(params[0])
    batches = plan(params, max_rows=500, max_bytes=3 * size)
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    # A row bigger than the cap still goes out, alone.
    assert [len(b) for b in plan(params[:2], max_rows=500, max_bytes=10)] == [1, 1]


def test_size_estimate_counts_every_map_entry_and_set_element() -> None:
    small, large = rows(1, entries=1)[0], rows(1, entries=30)[0]
    assert row_bytes(large) - row_bytes(small) >= 29 * len("f0" + "1.5")
    assert row_bytes(({"a", "b"}, "u1")) > row_bytes(({"a"}, "u1"))
    assert plan([], max_rows=20, max_bytes=1_000) == []
