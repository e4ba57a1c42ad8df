"""The inbox and the decision log in Cassandra: one partition per user, newest first.

``inbox``: PRIMARY KEY ((user_id), sent_at, notification_id), CLUSTERING ORDER BY
sent_at DESC. ``decision_log``: PRIMARY KEY ((user_id), decided_at, intent_id,
reason), decided_at DESC. Rows expire (``default_time_to_live``) so a partition stays
bounded whatever a user's history; TimeWindowCompactionStrategy drops whole expired
SSTables. Every key is derived from the decision (its time, to the millisecond, the
intent and the reason; the notification id from the idempotency key), so a write
repeated after a crash is an upsert of the same row, never a second one.

Writes are prepared statements, sent in UNLOGGED batches of ``batch_rows`` through
``execute_concurrent``: a batch is one request, and on a loaded node the per-request
cost, not the mutations, bounds throughput (about 10x more rows per second than one
request per row, measured on the local node). ``batch_rows=1`` sends single rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args
from cassandra.query import UNSET_VALUE, BatchStatement, BatchType
from pydantic import BaseModel, ConfigDict, Field, field_validator

from serving.dispatch.decision import Decision
from serving.inbox.exceptions import InboxError
from serving.inbox.model import DecisionRecord, InboxItem

__all__ = ["DecisionLog", "InboxConfig", "InboxStore", "create_tables"]

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,47}")


class InboxConfig(BaseModel):
    """Where the two tables live (the keyspace must exist) and how long rows are kept."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    keyspace: str = "clarion"
    inbox_table: str = "inbox"
    decisions_table: str = "decision_log"
    inbox_ttl: timedelta = Field(default=timedelta(days=90), gt=timedelta(0))
    decisions_ttl: timedelta = Field(default=timedelta(days=180), gt=timedelta(0))
    concurrency: int = Field(default=64, ge=1, le=2048)
    # Rows per UNLOGGED batch (1: one request per row). A batch is one request: on a
    # loaded node this writes ~10x the rows per second of single-row requests. Kept
    # under ``batch_bytes`` so it stays below Cassandra's batch_size_fail_threshold.
    batch_rows: int = Field(default=30, ge=1, le=500)
    batch_bytes: int = Field(default=40_000, ge=1_000)

    @field_validator("keyspace", "inbox_table", "decisions_table")
    @classmethod
    def _identifier(cls, name: str) -> str:
        if not _IDENT.fullmatch(name):
            raise ValueError("must be a letter then up to 47 letters, digits or underscores")
        return name


def _table_options(ttl: timedelta, order: str) -> str:
    return (
        f"WITH CLUSTERING ORDER BY ({order} DESC) "
        f"AND default_time_to_live = {int(ttl.total_seconds())} "
        "AND compaction = {'class': 'TimeWindowCompactionStrategy', "
        "'compaction_window_unit': 'DAYS', 'compaction_window_size': 1}"
    )


def create_tables(session: Any, config: InboxConfig) -> None:
    """``CREATE TABLE IF NOT EXISTS`` for both tables (idempotent)."""
    ks = config.keyspace
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {ks}.{config.inbox_table} (user_id text, sent_at timestamp, "
        "notification_id text, channel text, subject text, body text, source text, "
        "source_id text, priority text, variant text, data text, "
        "PRIMARY KEY ((user_id), sent_at, notification_id)) "
        + _table_options(config.inbox_ttl, "sent_at")
    )
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {ks}.{config.decisions_table} (user_id text, "
        "decided_at timestamp, intent_id text, reason text, outcome text, priority text, "
        "channel text, idempotency_key text, deliver_at timestamp, policy_version text, "
        "source text, source_id text, inputs text, "
        "PRIMARY KEY ((user_id), decided_at, intent_id, reason)) "
        + _table_options(config.decisions_ttl, "decided_at")
    )


def _ms(moment: datetime) -> datetime:
    """Cassandra keeps milliseconds; trim so a re-written key is the same key."""
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


def _aware(moment: datetime) -> datetime:
    """The driver returns naive UTC datetimes."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class _Table:
    def __init__(
        self, session: Any, *, config: InboxConfig, table: str, columns: Sequence[str]
    ) -> None:
        self._session = session
        self._columns = tuple(columns)
        self._config = config
        self._name = f"{config.keyspace}.{table}"
        self._insert: Any = None
        self._select: Any = None

    def _prepare(self) -> None:
        """Prepare on first use, so a reader can be built before the tables exist."""
        if self._insert is not None:
            return
        columns = self._columns
        marks = ", ".join("?" for _ in columns)
        self._insert = self._session.prepare(
            f"INSERT INTO {self._name} ({', '.join(columns)}) VALUES ({marks})"
        )
        self._select = self._session.prepare(
            f"SELECT * FROM {self._name} WHERE user_id = ? LIMIT ?"
        )

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        self._prepare()
        # An INSERT of null writes a tombstone; unset leaves the cell alone (no tombstone).
        params = [tuple(UNSET_VALUE if v is None else v for v in row) for row in rows]
        if self._config.batch_rows > 1:
            batches = [(b, None) for b in self._batches(params)]
            results = execute_concurrent(
                self._session, batches, concurrency=16, raise_on_first_error=False
            )
        else:
            results = execute_concurrent_with_args(
                self._session,
                self._insert,
                params,
                concurrency=self._config.concurrency,
                raise_on_first_error=False,
            )
        failed = [r.result_or_exc for r in results if not r.success]
        if failed:
            raise InboxError(
                f"{len(failed)} of {len(params)} writes to {self._name} failed: {failed[0]!r}"
            )

    def _batches(self, params: list[tuple[Any, ...]]) -> list[BatchStatement]:
        out: list[BatchStatement] = []
        batch, size = BatchStatement(batch_type=BatchType.UNLOGGED), 0
        for row in params:
            row_size = sum(len(v) for v in row if isinstance(v, str)) + 64
            if len(batch) and (
                len(batch) >= self._config.batch_rows or size + row_size > self._config.batch_bytes
            ):
                out.append(batch)
                batch, size = BatchStatement(batch_type=BatchType.UNLOGGED), 0
            batch.add(self._insert, row)
            size += row_size
        if len(batch):
            out.append(batch)
        return out

    def _rows(self, user_id: str, limit: int) -> list[Any]:
        if limit < 1:
            raise InboxError(f"limit must be at least 1, got {limit}")
        self._prepare()
        return list(self._session.execute(self._select, (user_id, limit)))


_INBOX_COLUMNS = (
    "user_id",
    "sent_at",
    "notification_id",
    "channel",
    "subject",
    "body",
    "source",
    "source_id",
    "priority",
    "variant",
    "data",
)
_DECISION_COLUMNS = (
    "user_id",
    "decided_at",
    "intent_id",
    "reason",
    "outcome",
    "priority",
    "channel",
    "idempotency_key",
    "deliver_at",
    "policy_version",
    "source",
    "source_id",
    "inputs",
)


class InboxStore(_Table):
    """A user's inbox: ``write_many`` (the dispatcher), ``list`` (the API), newest first."""

    def __init__(self, session: Any, *, config: InboxConfig) -> None:
        super().__init__(session, config=config, table=config.inbox_table, columns=_INBOX_COLUMNS)

    def write_many(self, items: Sequence[InboxItem]) -> None:
        self._write(
            [
                (
                    i.user_id,
                    _ms(i.sent_at),
                    i.notification_id,
                    i.channel,
                    i.subject,
                    i.body,
                    i.source,
                    i.source_id,
                    i.priority,
                    i.variant,
                    json.dumps(i.data),
                )
                for i in items
            ]
        )

    def list(self, user_id: str, *, limit: int = 50) -> list[InboxItem]:
        return [
            InboxItem(
                user_id=r.user_id,
                notification_id=r.notification_id,
                sent_at=_aware(r.sent_at),
                channel=r.channel,
                subject=r.subject,
                body=r.body,
                source=r.source,
                source_id=r.source_id,
                priority=r.priority,
                variant=r.variant,
                data=json.loads(r.data or "{}"),
            )
            for r in self._rows(user_id, limit)
        ]


class DecisionLog(_Table):
    """Every decision with its reason and inputs: ``write_many``, ``list`` (newest first)."""

    def __init__(self, session: Any, *, config: InboxConfig) -> None:
        super().__init__(
            session, config=config, table=config.decisions_table, columns=_DECISION_COLUMNS
        )

    def write_many(self, records: Sequence[DecisionRecord]) -> None:
        params = []
        for rec in records:
            d = rec.decision
            params.append(
                (
                    d.user_id,
                    _ms(d.decided_at),
                    d.intent_id,
                    d.reason,
                    d.outcome,
                    d.priority,
                    d.channel,
                    d.idempotency_key,
                    d.deliver_at and _ms(d.deliver_at),
                    d.policy_version,
                    rec.source,
                    rec.source_id,
                    rec.inputs_json(),
                )
            )
        self._write(params)

    def list(self, user_id: str, *, limit: int = 50) -> list[DecisionRecord]:
        return [
            DecisionRecord(
                decision=Decision(
                    intent_id=r.intent_id,
                    user_id=r.user_id,
                    idempotency_key=r.idempotency_key,
                    priority=r.priority,
                    outcome=r.outcome,
                    reason=r.reason,
                    channel=r.channel,
                    decided_at=_aware(r.decided_at),
                    deliver_at=r.deliver_at and _aware(r.deliver_at),
                    policy_version=r.policy_version,
                    inputs=json.loads(r.inputs or "{}"),
                ),
                source=r.source,
                source_id=r.source_id,
            )
            for r in self._rows(user_id, limit)
        ]
