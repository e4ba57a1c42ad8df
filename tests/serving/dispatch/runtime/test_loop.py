"""The dispatcher loop in this process on the real Kafka, Redis and Cassandra."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from serving.dispatch import policy_from_yaml
from serving.dispatch.runtime import Dispatcher
from serving.inbox import DecisionLog, InboxConfig, InboxStore

from .harness import (
    Rig,
    campaign_intent,
    produce,
    read_outbound,
    read_topic,
    scan_inbox,
    seed_users,
    stopped_totals,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.cassandra]


def _run(rig: Rig, redis_client: redis.Redis, session: Any, **overrides: Any) -> Dispatcher:
    d = Dispatcher(
        rig.options(**overrides),
        policy=policy_from_yaml(rig.policy_yaml),
        redis_client=redis_client,
        cassandra_session=session,
    )
    d.start()
    try:
        d.run(threading.Event(), idle_exit_after=3.0)
    finally:
        d.close()
    return d


def test_sends_suppressions_and_dead_letters(
    rig: Rig, redis_client: redis.Redis, cassandra_session: Any
) -> None:
    users = [f"u{i}" for i in range(40)]
    kinds = seed_users(
        redis_client,
        prefix=rig.prefix,
        users=users,
        kinds=["all", "email_only", "opted_out", "no_consent", "unreachable"],
    )
    produce(rig.settings, rig.intents_topic, [campaign_intent(u) for u in users])
    produce(rig.settings, rig.intents_topic, [b"not json", b'{"user_id": "u1"}'])
    _run(rig, redis_client, cassandra_session)

    sent = read_outbound(rig)
    assert sorted(m.user_id for m in sent) == sorted(
        u for u in users if kinds[u] in ("all", "email_only")
    )
    assert {m.channel for m in sent if kinds[m.user_id] == "email_only"} == {"email"}
    assert {m.channel for m in sent if kinds[m.user_id] == "all"} == {"push"}
    spanish = next(m for m in sent if m.user_id == "u0")
    assert spanish.locale == "en" and spanish.body == "Hi u0, 10% off."  # push has no es text
    email = next(m for m in sent if m.user_id == "u1")
    assert email.subject == "Spring sale" and email.data["campaign_id"] == "spring"

    dead = read_topic(rig.settings, rig.dlq_topic)
    assert sorted(r.value for r in dead) == [b"not json", b'{"user_id": "u1"}']
    reasons = {dict(r.headers)["clarion.reason"] for r in dead}
    assert reasons == {b"not_json", b"invalid"}

    config = InboxConfig(keyspace=rig.keyspace)
    log = DecisionLog(cassandra_session, config=config)
    expected = {
        "all": "sent",
        "email_only": "sent",
        "opted_out": "opted_out",
        "no_consent": "no_consent",
        "unreachable": "unreachable",
    }
    for user in users:
        [record] = log.list(user, limit=10)
        assert record.decision.reason == expected[kinds[user]], user
        assert record.source == "campaign"
    inbox = InboxStore(cassandra_session, config=config)
    assert [i.body for i in inbox.list("u0", limit=5)] == ["Hi u0, 10% off."]
    assert inbox.list("u2", limit=5) == []
    assert Counter(r.decision.reason for u in users for r in log.list(u, limit=5))["sent"] == 16


def test_a_scheduled_intent_is_deferred_and_comes_back_to_be_sent(
    rig: Rig, redis_client: redis.Redis, cassandra_session: Any
) -> None:
    seed_users(redis_client, prefix=rig.prefix, users=["u1", "u2"], kinds=["all"])
    later = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    produce(
        rig.settings,
        rig.intents_topic,
        [{**campaign_intent("u1"), "send_after": later}, campaign_intent("u2")],
    )
    _run(rig, redis_client, cassandra_session)

    sent = {m.user_id: m for m in read_outbound(rig)}
    assert sorted(sent) == ["u1", "u2"]
    assert sent["u1"].decided_at >= datetime.fromisoformat(later)
    log = DecisionLog(cassandra_session, config=InboxConfig(keyspace=rig.keyspace))
    assert [r.decision.reason for r in log.list("u1", limit=5)] == ["sent", "scheduled"]
    assert [r.decision.reason for r in log.list("u2", limit=5)] == ["sent"]


def test_sigterm_finishes_the_batch_and_exits_cleanly(
    rig: Rig, redis_client: redis.Redis, cassandra_session: Any
) -> None:
    users = [f"u{i}" for i in range(3_000)]
    seed_users(redis_client, prefix=rig.prefix, users=users, kinds=["all"])
    produce(rig.settings, rig.intents_topic, [campaign_intent(u) for u in users])
    proc = rig.spawn(instance="d0", idle_exit=60.0)
    assert wait_for(lambda: len(scan_inbox(cassandra_session, rig.keyspace)) > 200, timeout=120)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    [stopped] = stopped_totals(rig, "d0")
    # Everything it reported as sent is durable and committed: no replay needed.
    assert len(read_outbound(rig)) == stopped["sends"] > 0
    assert len(scan_inbox(cassandra_session, rig.keyspace)) == stopped["sends"]


class _Crash(BaseException):
    """A process dying at one exact point (BaseException: nothing may catch it)."""


def test_a_crash_between_deciding_and_committing_is_redone_exactly_once(
    rig: Rig, redis_client: redis.Redis, cassandra_session: Any
) -> None:
    users = [f"u{i}" for i in range(300)]
    seed_users(redis_client, prefix=rig.prefix, users=users, kinds=["all", "email_only"])
    produce(rig.settings, rig.intents_topic, [campaign_intent(u) for u in users])
    policy = policy_from_yaml(rig.policy_yaml)
    first = Dispatcher(
        rig.options(), policy=policy, redis_client=redis_client, cassandra_session=cassandra_session
    )

    def die(*_: Any, **__: Any) -> None:
        raise _Crash

    # Dies before Kafka; the Cassandra writes it started are awaited on the way out.
    first.effects._publish = die  # type: ignore[method-assign]
    first.start()
    with pytest.raises(_Crash):
        while True:
            first.run_once()
    assert first.consumer is not None
    first.consumer.close()  # leave the group at once (a dead member would time out)
    assert read_outbound(rig) == []  # nothing of the batch is visible

    _run(rig, redis_client, cassandra_session)  # same instance id: fences, replays, redoes

    sent = read_outbound(rig)
    assert sorted(m.user_id for m in sent) == sorted(users)
    assert len({m.notification_id for m in sent}) == len(users)
    log = DecisionLog(cassandra_session, config=InboxConfig(keyspace=rig.keyspace))
    inbox = InboxStore(cassandra_session, config=InboxConfig(keyspace=rig.keyspace))
    redone = 0
    for user in users:
        [item] = inbox.list(user, limit=5)
        sends = [r for r in log.list(user, limit=10) if r.decision.reason == "sent"]
        assert len(sends) == 1 and sends[0].decision.decided_at == item.sent_at
        redone += "redone" in str(sends[0].decision.inputs.get("effects"))
    assert redone > 0  # the crashed batch's sends came back as redone, same rows and ids
