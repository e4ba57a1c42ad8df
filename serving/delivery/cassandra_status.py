"""The status table in Cassandra: one row per notification id.

``<keyspace>.notification_status``: PRIMARY KEY (notification_id), so each read and
write is one single-row partition spread evenly over the ring by the id's token.
Rows expire after ``row_ttl`` (90 days by default), well past any Kafka retention,
so a redelivery always finds its row. Writes are ``INSERT`` (upserts, idempotent)
at consistency ``LOCAL_QUORUM``: a write the worker saw acknowledged survives a node loss.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from cassandra import ConsistencyLevel

from serving.delivery.status import StatusRecord, StatusStore

__all__ = ["CassandraStatusStore"]

_COLUMNS = (
    "notification_id",
    "user_id",
    "channel",
    "status",
    "attempts",
    "provider",
    "updated_at",
    "source_topic",
    "source_partition",
    "source_offset",
    "provider_ref",
    "reason",
    "error",
)


class CassandraStatusStore(StatusStore):
    """Reads and writes through a driver ``Session`` owned by the caller."""

    def __init__(
        self,
        session: Any,
        *,
        keyspace: str,
        table: str = "notification_status",
        row_ttl: timedelta = timedelta(days=90),
    ) -> None:
        self._session = session
        self._table = f"{keyspace}.{table}"
        self._ttl = int(row_ttl.total_seconds())
        self._insert: Any = None
        self._select: Any = None

    def setup(self) -> None:
        self._session.execute(
            f"CREATE TABLE IF NOT EXISTS {self._table} ("
            "notification_id text PRIMARY KEY, user_id text, channel text, status text, "
            "attempts int, provider text, updated_at timestamp, source_topic text, "
            "source_partition int, source_offset bigint, provider_ref text, reason text, "
            f"error text) WITH default_time_to_live = {self._ttl}"
        )
        marks = ", ".join("?" for _ in _COLUMNS)
        self._insert = self._session.prepare(
            f"INSERT INTO {self._table} ({', '.join(_COLUMNS)}) VALUES ({marks})"
        )
        self._insert.consistency_level = ConsistencyLevel.LOCAL_QUORUM
        self._select = self._session.prepare(
            f"SELECT {', '.join(_COLUMNS)} FROM {self._table} WHERE notification_id = ?"
        )
        self._select.consistency_level = ConsistencyLevel.LOCAL_QUORUM

    def get(self, notification_id: str) -> StatusRecord | None:
        row = self._session.execute(self._prepared("select"), (notification_id,)).one()
        if row is None:
            return None
        values = dict(zip(_COLUMNS, row, strict=True))
        values["updated_at"] = values["updated_at"].replace(tzinfo=UTC)
        return StatusRecord(**values)

    def put(self, record: StatusRecord) -> None:
        values = [getattr(record, name) for name in _COLUMNS]
        self._session.execute(self._prepared("insert"), values)

    def _prepared(self, which: str) -> Any:
        stmt = self._insert if which == "insert" else self._select
        if stmt is None:
            raise RuntimeError("CassandraStatusStore.setup() must be called first")
        return stmt
