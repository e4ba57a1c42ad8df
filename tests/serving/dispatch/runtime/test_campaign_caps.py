"""A campaign's own cap across two dispatcher processes on the real Kafka, Redis and Cassandra."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import redis
from kafka import KafkaAdminClient

from clarion.kafka_options import client_options

from .harness import (
    Rig,
    campaign_intent,
    produce,
    read_outbound,
    scan_decisions,
    seed_users,
    stopped_totals,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.cassandra]

ONE_A_DAY = [{"window": "24h", "limit": 1}]


def _capped(user: str, *, campaign: str, run: str) -> dict[str, Any]:
    doc = campaign_intent(user, campaign=campaign, run=run)
    doc["payload"]["caps"] = ONE_A_DAY
    return {**doc, "_key": f"{user}-{campaign}-{run}"}  # spread one user over partitions


def _members(rig: Rig) -> int:
    """How many members the dispatchers' group has once it is stable (0 before)."""
    group_id = f"{rig.prefix}.dispatcher"
    admin = KafkaAdminClient(**client_options(rig.settings.kafka))
    try:
        group = admin.describe_groups([group_id]).get(group_id, {})
    finally:
        admin.close()
    return len(group.get("members", [])) if group.get("group_state") == "Stable" else 0


def test_two_dispatchers_send_a_one_a_day_campaign_once_and_another_campaign_still_goes_out(
    rig: Rig, redis_client: redis.Redis, cassandra_session: Any
) -> None:
    users = [f"u{i:03d}" for i in range(150)]
    seed_users(redis_client, prefix=rig.prefix, users=users, kinds=["all"])
    # Three runs of "flash" (distinct idempotency keys) race for its 1-a-day budget;
    # "winback" has a budget of its own; the global policy allows 3 a day.
    docs = [
        _capped(u, campaign=c, run=r)
        for r, c in (("r1", "flash"), ("r1", "winback"), ("r2", "flash"), ("r3", "flash"))
        for u in users
    ]
    procs = [rig.spawn(instance=f"d{n}", idle_exit=6.0, batch_size=50) for n in range(2)]
    assert wait_for(lambda: _members(rig) == 2, timeout=60)  # both share the partitions
    produce(rig.settings, rig.intents_topic, docs)
    for proc in procs:
        assert proc.wait(timeout=240) == 0

    totals = [stopped_totals(rig, f"d{n}") for n in range(2)]
    assert all(t and t[-1]["records"] > 0 for t in totals), totals  # both decided
    sent = Counter((m.user_id, m.source_id) for m in read_outbound(rig))
    assert sent == Counter({(u, c): 1 for u in users for c in ("flash", "winback")})
    reasons = Counter(
        (d.reason, d.user_id)
        for d in scan_decisions(cassandra_session, rig.keyspace)
        if d.source == "campaign"
    )
    assert {r for r, _ in reasons} == {"sent", "campaign_capped"}
    assert all(reasons[("campaign_capped", u)] == 2 for u in users)
