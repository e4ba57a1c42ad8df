"""The durable copy of the batch view in Cassandra, and the ``publish_runs`` log.

``user_batch_view``: PRIMARY KEY ((user_id), as_of, version), newest first. One
partition per user holds one row per published day (about 1-2 KB), and rows
expire after ``row_ttl`` (35 days by default), so a partition stays under ~70 KB
whatever the audience size; 1 B users give 1 B small partitions spread evenly by
the Murmur3 token of the user id. Partitioning by version/as_of instead would put
a whole day (1 B rows) in one partition. A user's latest view is one single-partition
read. TimeWindowCompactionStrategy (1-day windows) drops whole expired SSTables.

Values are the same text as in Redis (``features map<text,text>``); every write is
an ``UPDATE`` that adds to a collection or sets a column (no collection tombstones,
idempotent on replay). Writes use prepared statements in UNLOGGED batches of up to
``batch_rows`` rows (``serving.stores.cassandra_batching``: rows grouped by replica,
each batch one request) with ``concurrency`` batches in flight; a chunk is done only
when every batch succeeded, otherwise it raises and is not checkpointed. Since every
user is its own partition, batches are multi-partition: see ADR 0006 for why the
schema was not bucketed to get single-partition batches. ``batch_rows=1`` sends one
request per row (``execute_concurrent_with_args``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cassandra.concurrent import execute_concurrent_with_args
from pydantic import BaseModel, ConfigDict, Field, field_validator

from serving.stores.base import (
    AS_OF,
    MODEL_VERSION,
    SCORE,
    SEGMENTS,
    BatchRecord,
    BatchViewStore,
    RunRecord,
    ViewChunk,
)
from serving.stores.cassandra_batching import execute_batches, plan_batches
from serving.stores.codec import encode_json_list
from serving.stores.version import BatchVersion

__all__ = ["CassandraBatchViewConfig", "CassandraBatchViewStore"]

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,47}")
# Where user_id (the partition key) sits in each kind's parameters (``chunk_params``).
_KEY_INDEX = {"features": 1, "scores": 2, "segments": 1}


class CassandraBatchViewConfig(BaseModel):
    """Typed config of the Cassandra durable copy (the keyspace must exist)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["cassandra"] = "cassandra"
    keyspace: str = "clarion"
    view_table: str = "user_batch_view"
    runs_table: str = "publish_runs"
    # Requests in flight: batches, or rows when ``batch_rows`` is 1 (then ~64 is better).
    concurrency: int = Field(default=16, ge=1, le=2048)
    # Rows per UNLOGGED batch (1: one request per row) and a size cap kept under the
    # server's batch_size_fail_threshold (50 KiB by default); a features row is ~1-2 KB.
    batch_rows: int = Field(default=50, ge=1, le=500)
    batch_bytes: int = Field(default=40_000, ge=1_000, le=45_000)
    row_ttl: timedelta = Field(default=timedelta(days=35), gt=timedelta(0))

    @field_validator("keyspace", "view_table", "runs_table")
    @classmethod
    def _identifier(cls, name: str) -> str:
        if not _IDENT.fullmatch(name):
            raise ValueError("must be a letter then up to 47 letters, digits or underscores")
        return name


class CassandraBatchViewStore(BatchViewStore):
    """Writes through a driver ``Session`` owned by the caller."""

    name = "cassandra"

    def __init__(self, session: Any, *, config: CassandraBatchViewConfig) -> None:
        self._session = session
        self._config = config
        self._view = f"{config.keyspace}.{config.view_table}"
        self._runs = f"{config.keyspace}.{config.runs_table}"
        self._stmts: dict[str, Any] = {}

    @property
    def config(self) -> CassandraBatchViewConfig:
        return self._config

    def update(self) -> None:
        ttl = int(self._config.row_ttl.total_seconds())
        self._session.execute(
            f"CREATE TABLE IF NOT EXISTS {self._view} (user_id text, as_of date, version text, "
            "features map<text, text>, score double, model_version text, segments set<text>, "
            "PRIMARY KEY ((user_id), as_of, version)) "
            "WITH CLUSTERING ORDER BY (as_of DESC, version DESC) "
            f"AND default_time_to_live = {ttl} AND compaction = {{'class': "
            "'TimeWindowCompactionStrategy', 'compaction_window_unit': 'DAYS', "
            "'compaction_window_size': 1}"
        )
        self._session.execute(
            f"CREATE TABLE IF NOT EXISTS {self._runs} (version text PRIMARY KEY, as_of date, "
            "status text, rows map<text, bigint>, delta_versions map<text, bigint>, "
            "started_at timestamp, finished_at timestamp)"
        )
        where = "WHERE user_id = ? AND as_of = ? AND version = ?"
        prepare = self._session.prepare
        self._stmts = {
            "features": prepare(f"UPDATE {self._view} SET features = features + ? {where}"),
            "scores": prepare(f"UPDATE {self._view} SET score = ?, model_version = ? {where}"),
            "segments": prepare(f"UPDATE {self._view} SET segments = segments + ? {where}"),
            "read": prepare(f"SELECT * FROM {self._view} {where}"),
        }

    def statement(self, kind: str) -> Any:
        """The prepared statement of a chunk kind (the benchmark's baseline reuses it)."""
        return self._stmts[kind]

    def chunk_params(self, *, version: str, chunk: ViewChunk) -> list[Sequence[Any]]:
        as_of = BatchVersion.parse(version).as_of
        if chunk.kind == "features":
            return [
                ({k: v for k, v in fields.items() if k != AS_OF}, user, as_of, version)
                for user, fields in chunk.fields.items()
            ]
        if chunk.kind == "scores":
            return [
                (
                    float(fields[SCORE]) if SCORE in fields else None,
                    fields.get(MODEL_VERSION),
                    user,
                    as_of,
                    version,
                )
                for user, fields in chunk.fields.items()
            ]
        return [(set(segs), user, as_of, version) for user, segs in chunk.segments.items()]

    def online_write_batch(self, *, version: str, chunk: ViewChunk) -> None:
        params = self.chunk_params(version=version, chunk=chunk)
        if not params:
            return
        if self._config.batch_rows == 1:
            execute_concurrent_with_args(
                self._session,
                self._stmts[chunk.kind],
                params,
                concurrency=self._config.concurrency,
                raise_on_first_error=True,
            )
            return
        execute_batches(
            self._session,
            self.chunk_batches(kind=chunk.kind, params=params),
            concurrency=self._config.concurrency,
            table=self._view,
        )

    def chunk_batches(self, *, kind: str, params: Sequence[Sequence[Any]]) -> list[Any]:
        """The UNLOGGED batches a chunk's rows are sent in (the benchmark's batch baseline)."""
        return plan_batches(
            self._session,
            keyspace=self._config.keyspace,
            statement=self._stmts[kind],
            params=params,
            key_index=_KEY_INDEX[kind],
            max_rows=self._config.batch_rows,
            max_bytes=self._config.batch_bytes,
        )

    def count_users(self, *, version: str) -> int | None:
        return None  # a full-table scan: verification relies on Redis and on write results

    def current_version(self) -> str | None:
        """The newest published version in the run log (one row per run: a small table)."""
        rows = self._session.execute(f"SELECT version, status FROM {self._runs}")
        published = [BatchVersion.parse(r.version) for r in rows if r.status == "published"]
        return max(published).id if published else None

    def activate(self, *, version: str, previous: str | None) -> None:
        return None  # the run log's "published" status is the switch; old rows expire by TTL

    def record_run(self, run: RunRecord) -> None:
        now = datetime.now(UTC)
        held = self._session.execute(
            f"SELECT started_at FROM {self._runs} WHERE version = %s", (run.version,)
        ).one()
        started = held.started_at if held and held.started_at else now
        self._session.execute(
            f"INSERT INTO {self._runs} (version, as_of, status, rows, delta_versions, "
            "started_at, finished_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                run.version,
                run.as_of,
                run.status,
                dict(run.rows),
                dict(run.delta_versions),
                started,
                None if run.status == "running" else now,
            ),
        )

    def online_read(self, user_id: str) -> BatchRecord | None:
        version = self.current_version()
        if version is None:
            return None
        as_of = BatchVersion.parse(version).as_of
        row = self._session.execute(self._stmts["read"], (user_id, as_of, version)).one()
        fields: dict[str, str] = {}
        if row is not None:
            fields.update(row.features or {})
            fields[AS_OF] = as_of.isoformat()
            fields[SEGMENTS] = encode_json_list(row.segments or ())
            if row.score is not None:
                fields[SCORE] = repr(float(row.score))
            if row.model_version is not None:
                fields[MODEL_VERSION] = row.model_version
        return BatchRecord(version=version, fields=fields)

    def teardown(self) -> None:
        self._session.execute(f"DROP TABLE IF EXISTS {self._view}")
        self._session.execute(f"DROP TABLE IF EXISTS {self._runs}")
