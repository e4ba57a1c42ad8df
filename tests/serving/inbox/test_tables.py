"""The inbox and decision log on the real Cassandra: newest first, and a rewrite is an upsert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clarion.settings import Settings
from clarion.stack.cassandra import keyspace_cql
from serving.dispatch import Decision
from serving.inbox import (
    DecisionLog,
    DecisionRecord,
    InboxConfig,
    InboxError,
    InboxItem,
    InboxStore,
    create_tables,
)
from tests.fixtures.stack import unique_name

pytestmark = pytest.mark.cassandra
T0 = datetime(2026, 6, 10, 15, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def config(cassandra_session: Any, stack_settings: Settings) -> Iterator[InboxConfig]:
    name = unique_name("inbox")
    cassandra_session.execute(keyspace_cql(name, stack_settings.cassandra.replication))
    built = InboxConfig(keyspace=name, batch_rows=4)
    create_tables(cassandra_session, built)
    create_tables(cassandra_session, built)  # idempotent
    yield built
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}")


def _item(n: int, user: str = "u1") -> InboxItem:
    return InboxItem(
        user_id=user,
        notification_id=f"n{n}",
        sent_at=T0 + timedelta(minutes=n),
        channel="push",
        subject=None if n % 2 else f"s{n}",
        body=f"body {n}",
        source="campaign",
        source_id="spring",
        priority="marketing",
        data={"n": n},
    )


def _decision(n: int, reason: str = "sent") -> DecisionRecord:
    outcome = {"sent": "send", "quiet_hours": "defer", "opted_out": "suppress"}[reason]
    decided = T0 + timedelta(minutes=n)
    return DecisionRecord(
        decision=Decision(
            intent_id=f"i{n}",
            user_id="u1",
            idempotency_key=f"k{n}",
            priority="marketing",
            outcome=outcome,  # type: ignore[arg-type]
            reason=reason,  # type: ignore[arg-type]
            channel="push" if reason != "opted_out" else None,
            decided_at=decided,
            deliver_at=decided + timedelta(hours=8) if outcome == "defer" else None,
            policy_version="v1",
            inputs={"consent": {"opted_out": reason == "opted_out"}},
        ),
        source="campaign",
        source_id="spring",
    )


def test_inbox_newest_first_and_rewrites_are_upserts(
    cassandra_session: Any, config: InboxConfig
) -> None:
    store = InboxStore(cassandra_session, config=config)
    items = [_item(n) for n in range(10)] + [_item(0, user="u2")]
    store.write_many(items)
    store.write_many(items[:5])  # a replay after a crash
    got = store.list("u1", limit=20)
    assert [i.notification_id for i in got] == [f"n{n}" for n in reversed(range(10))]
    assert got[-1].sent_at == T0.replace(microsecond=123000)  # milliseconds kept
    assert got[0].subject is None and got[1].subject == "s8" and got[0].data == {"n": 9}
    assert [i.notification_id for i in store.list("u1", limit=3)] == ["n9", "n8", "n7"]
    with pytest.raises(InboxError, match="limit"):
        store.list("u1", limit=0)


def test_decision_log_round_trips_every_field(cassandra_session: Any, config: InboxConfig) -> None:
    log = DecisionLog(cassandra_session, config=config)
    records = [_decision(0, "opted_out"), _decision(1, "quiet_hours"), _decision(2, "sent")]
    log.write_many(records)
    log.write_many(records)
    got = log.list("u1", limit=10)
    assert [r.decision.reason for r in got] == ["sent", "quiet_hours", "opted_out"]
    assert got[1].decision.deliver_at == records[1].decision.deliver_at.replace(microsecond=123000)
    assert got[2].decision.channel is None and got[2].decision.inputs == records[0].decision.inputs
    assert got[0].source == "campaign"
