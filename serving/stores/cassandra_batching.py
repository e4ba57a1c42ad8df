"""UNLOGGED batches of prepared writes, grouped by replica, sent with bounded concurrency.

``user_batch_view`` is partitioned by user and a chunk holds each user once, so no two
rows of a chunk share a partition: a batch is necessarily multi-partition. A batch is
one request, and on a busy node the per-request cost, not the mutations, bounds
throughput. To keep the coordinator's fan-out local on a real cluster, rows are grouped
by the first replica of their partition (the driver's token map) before being cut into
batches of at most ``max_rows`` rows and about ``max_bytes`` bytes (below Cassandra's
``batch_size_fail_threshold``, 50 KiB by default). The token-aware policy then routes
each batch (routing key of its first row) to a node that owns every row in it. UNLOGGED:
no batch log; every write here is an idempotent upsert, so a failed batch is repeated
whole by the caller's resume.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cassandra.concurrent import execute_concurrent
from cassandra.query import BatchStatement, BatchType

from serving.stores.exceptions import StoreError

__all__ = ["execute_batches", "plan_batches", "row_bytes"]

# Cassandra sizes a batch by its cells: value, map key or set element, plus a timestamp
# and, under a default TTL, ttl and local deletion time (16 bytes), plus row overhead.
# Measured on the local node with generated features rows (~1.9 KB estimated each):
# the server rejects a batch from ~60,000 estimated bytes (50 KiB real), so the
# estimate runs ~15% high and a 45,000 cap leaves a ~25% margin.
_ROW_OVERHEAD = 96
_CELL_OVERHEAD = 24


def row_bytes(params: Sequence[Any]) -> int:
    """A conservative estimate of a row's size as the server counts it for batch limits."""
    size = _ROW_OVERHEAD
    for value in params:
        if isinstance(value, str):
            size += len(value) + _CELL_OVERHEAD
        elif isinstance(value, Mapping):
            size += sum(len(k) + len(v) + _CELL_OVERHEAD for k, v in value.items())
        elif isinstance(value, set | frozenset | list | tuple):
            size += sum(len(v) + _CELL_OVERHEAD for v in value)
        else:
            size += 8 + _CELL_OVERHEAD
    return size


def _by_replica(
    session: Any, *, keyspace: str, params: Sequence[Sequence[Any]], key_index: int
) -> list[Sequence[Any]]:
    """Rows reordered so rows owned by the same first replica are adjacent (stable)."""
    metadata = getattr(getattr(session, "cluster", None), "metadata", None)
    if metadata is None or getattr(metadata, "token_map", None) is None:
        return list(params)
    groups: dict[Any, list[Sequence[Any]]] = {}
    for row in params:
        replicas = metadata.get_replicas(keyspace, str(row[key_index]).encode())
        groups.setdefault(replicas[0] if replicas else None, []).append(row)
    if len(groups) == 1:
        return list(params)
    return [row for rows in groups.values() for row in rows]


def plan_batches(
    session: Any,
    *,
    keyspace: str,
    statement: Any,
    params: Sequence[Sequence[Any]],
    key_index: int,
    max_rows: int,
    max_bytes: int,
) -> list[BatchStatement]:
    """UNLOGGED batches of ``statement`` over ``params`` (``key_index``: the partition key)."""
    out: list[BatchStatement] = []
    batch, size = BatchStatement(batch_type=BatchType.UNLOGGED), 0
    for row in _by_replica(session, keyspace=keyspace, params=params, key_index=key_index):
        cost = row_bytes(row)
        if len(batch) and (len(batch) >= max_rows or size + cost > max_bytes):
            out.append(batch)
            batch, size = BatchStatement(batch_type=BatchType.UNLOGGED), 0
        batch.add(statement, row)
        size += cost
    if len(batch):
        out.append(batch)
    return out


def execute_batches(
    session: Any, batches: Sequence[BatchStatement], *, concurrency: int, table: str
) -> None:
    """Send every batch (``concurrency`` in flight); any failure raises once all settled."""
    if not batches:
        return
    results = execute_concurrent(
        session,
        [(b, None) for b in batches],
        concurrency=concurrency,
        raise_on_first_error=False,
    )
    failed = [r.result_or_exc for r in results if not r.success]
    if failed:
        raise StoreError(
            f"{len(failed)} of {len(batches)} batches to {table} failed "
            f"(the chunk is not checkpointed; a rerun repeats it): {failed[0]!r}"
        )
