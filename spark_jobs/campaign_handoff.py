"""Hand a built audience on: its partitions to Cassandra, its intents to ``notify.intents``.

Cassandra ``campaign_audiences``: PRIMARY KEY ((campaign_id, run_id, bucket), user_id).
``bucket = assignment_bucket % shards`` with ``shards = ceil(users / 100,000)``, so
no partition holds more than ~100k small rows (a few MB) whatever the audience
size; ``campaign_audience_runs`` records each run's shard count, so a reader (or
a rerun) knows every partition of a run. A rerun first deletes the partitions
the previous attempt recorded, then writes: the run's rows are exactly the
audience's.

Kafka: one intent per treated user (holdout users are recorded in Delta and
Cassandra, never sent), key = user id. A rerun produces the same intents (same
idempotency keys and ids); the dispatcher sends each at most once.

Rows stream from Spark with ``toLocalIterator`` (one partition in driver memory
at a time). At a billion users the same contract is met by the Spark Cassandra
connector and Spark's Kafka sink, writing from the executors (see docs/adr/0011).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

from marketing.campaigns.intents import campaign_intent
from marketing.campaigns.schema import Campaign

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from clarion.settings import Settings

__all__ = [
    "ROWS_PER_SHARD",
    "CassandraAudienceStore",
    "HandoffResult",
    "produce_intents",
    "shard_count",
]

ROWS_PER_SHARD = 100_000
_COLUMNS = (
    "user_id",
    "assignment_bucket",
    "variant",
    "is_holdout",
    "locale",
    "channels",
    "sent_at",
)


def shard_count(users: int, *, rows_per_shard: int = ROWS_PER_SHARD) -> int:
    """Cassandra partitions of a run: ``max(1, ceil(users / rows_per_shard))``."""
    return max(1, math.ceil(users / rows_per_shard))


@dataclass(frozen=True, slots=True)
class HandoffResult:
    """What one hand-off step wrote."""

    users: int
    holdout: int
    shards: int = 0


def _rows(audience: DataFrame) -> Iterator[Any]:
    return audience.select(*_COLUMNS).toLocalIterator()


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class CassandraAudienceStore:
    """The audience partitions of campaign runs, through a driver ``Session`` the caller owns."""

    def __init__(self, session: Any, *, keyspace: str, concurrency: int = 64) -> None:
        self._session = session
        self._audiences = f"{keyspace}.campaign_audiences"
        self._runs = f"{keyspace}.campaign_audience_runs"
        self._concurrency = concurrency
        self._stmts: dict[str, Any] = {}

    def setup(self) -> None:
        """Create the tables if absent and prepare the statements."""
        self._session.execute(
            f"CREATE TABLE IF NOT EXISTS {self._audiences} (campaign_id text, run_id text, "
            "bucket int, user_id text, variant text, is_holdout boolean, locale text, "
            "channels list<text>, sent_at timestamp, "
            "PRIMARY KEY ((campaign_id, run_id, bucket), user_id))"
        )
        self._session.execute(
            f"CREATE TABLE IF NOT EXISTS {self._runs} (campaign_id text, run_id text, "
            "shards int, users bigint, holdout bigint, written_at timestamp, "
            "PRIMARY KEY ((campaign_id), run_id))"
        )
        prepare = self._session.prepare
        self._stmts = {
            "insert": prepare(
                f"INSERT INTO {self._audiences} (campaign_id, run_id, bucket, user_id, variant, "
                "is_holdout, locale, channels, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            "delete": prepare(
                f"DELETE FROM {self._audiences} WHERE campaign_id = ? AND run_id = ? AND bucket = ?"
            ),
            "run": prepare(
                f"INSERT INTO {self._runs} (campaign_id, run_id, shards, users, holdout, "
                "written_at) VALUES (?, ?, ?, ?, ?, ?)"
            ),
            "read_run": prepare(
                f"SELECT shards FROM {self._runs} WHERE campaign_id = ? AND run_id = ?"
            ),
        }

    def recorded_shards(self, *, campaign_id: str, run_id: str) -> int | None:
        row = self._session.execute(self._stmts["read_run"], (campaign_id, run_id)).one()
        return None if row is None else int(row.shards)

    def write_run(self, audience: DataFrame, *, campaign_id: str, run_id: str) -> HandoffResult:
        """Replace every partition of the run with the rows of ``audience``."""
        from cassandra.concurrent import execute_concurrent_with_args

        def run_all(statement: Any, params: list[Any]) -> None:
            if params:
                execute_concurrent_with_args(
                    self._session,
                    statement,
                    params,
                    concurrency=self._concurrency,
                    raise_on_first_error=True,
                )

        users = audience.count()
        shards = shard_count(users)
        previous = self.recorded_shards(campaign_id=campaign_id, run_id=run_id) or 0
        stale = [(campaign_id, run_id, b) for b in range(max(previous, shards))]
        run_all(self._stmts["delete"], stale)
        holdout = 0
        for chunk in _chunks(_rows(audience), 5_000):
            params = []
            for r in chunk:
                holdout += bool(r["is_holdout"])
                params.append(
                    (
                        campaign_id,
                        run_id,
                        int(r["assignment_bucket"]) % shards,
                        r["user_id"],
                        r["variant"],
                        bool(r["is_holdout"]),
                        r["locale"],
                        list(r["channels"]),
                        r["sent_at"],
                    )
                )
            run_all(self._stmts["insert"], params)
        self._session.execute(
            self._stmts["run"], (campaign_id, run_id, shards, users, holdout, datetime.now(UTC))
        )
        return HandoffResult(users=users, holdout=holdout, shards=shards)


def produce_intents(
    audience: DataFrame,
    *,
    campaign: Campaign,
    run_id: str,
    settings: Settings,
    topic: str | None = None,
) -> HandoffResult:
    """Produce one intent per treated user to ``notify.intents`` (acks=all, idempotent producer)."""
    from kafka import KafkaProducer

    from clarion.kafka_options import client_options
    from speed_layer.kafka.admin import ensure_topics

    target = topic or settings.kafka.intents_topic
    ensure_topics(settings.kafka, {target: settings.kafka.partitions})
    producer = KafkaProducer(
        **client_options(settings.kafka),
        client_id=f"clarion-campaign-{campaign.id}",
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
    )
    created_at = datetime.now(UTC)
    users = holdout = 0
    try:
        for r in _rows(audience):
            users += 1
            if r["is_holdout"]:
                holdout += 1
                continue
            intent = campaign_intent(
                campaign=campaign,
                run_id=run_id,
                user_id=r["user_id"],
                variant=r["variant"],
                locale=r["locale"],
                channels=list(r["channels"]),
                sent_at=r["sent_at"],
                created_at=created_at,
            )
            producer.send(target, key=intent.key(), value=intent.to_json())
        producer.flush()
    finally:
        producer.close()
    return HandoffResult(users=users, holdout=holdout)
