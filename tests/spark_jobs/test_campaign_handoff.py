"""The hand-off on the real services: audience partitions to Cassandra, intents to Kafka."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest

from clarion.settings import Settings
from marketing.campaigns import Campaign
from spark_jobs.campaign_audience import build_audience
from spark_jobs.campaign_handoff import CassandraAudienceStore, produce_intents
from speed_layer.models.intent import Intent
from tests.fixtures.stack import unique_name
from tests.marketing.campaigns.conftest import VALID
from tests.speed_layer._harness import read_all

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

pytestmark = [pytest.mark.spark, pytest.mark.cassandra, pytest.mark.kafka]

SENT_AT = datetime(2026, 11, 27, 9, tzinfo=UTC)


def _audience(spark: SparkSession, campaign: Campaign, n: int) -> DataFrame:
    rows = [
        (f"u{i:04d}", ["likely_buyers"], 0.5, "fr-FR" if i % 2 else "en-US", True, i % 3 == 0)
        for i in range(n)
    ]
    users = spark.createDataFrame(
        rows,
        "user_id string, segments array<string>, score double, locale string, "
        "reachable_push boolean, reachable_email boolean",
    )
    return build_audience(
        users, campaign=campaign, run_id="r1", as_of=date(2026, 11, 26), sent_at=SENT_AT
    ).localCheckpoint()


def test_audience_partitions_and_intents_are_rewritten_exactly(
    spark: SparkSession, stack_settings: Settings, cassandra_session: Any, kafka_bootstrap: str
) -> None:
    campaign = Campaign.model_validate({**VALID, "id": unique_name("camp"), "holdout_percent": 25})
    store = CassandraAudienceStore(cassandra_session, keyspace=stack_settings.cassandra.keyspace)
    store.setup()
    big, small = _audience(spark, campaign, 120), _audience(spark, campaign, 40)

    first = store.write_run(big, campaign_id=campaign.id, run_id="r1")
    again = store.write_run(small, campaign_id=campaign.id, run_id="r1")  # a rerun, fewer users

    assert (first.users, first.shards, again.users) == (120, 1, 40)
    table = f"{stack_settings.cassandra.keyspace}.campaign_audiences"
    rows = list(
        cassandra_session.execute(
            f"SELECT user_id, variant, is_holdout, channels FROM {table} "
            "WHERE campaign_id = %s AND run_id = %s AND bucket = 0",
            (campaign.id, "r1"),
        )
    )
    expected = {r["user_id"]: r for r in small.collect()}
    assert {r.user_id for r in rows} == set(expected)
    assert all(r.variant == expected[r.user_id]["variant"] for r in rows)
    assert sum(r.is_holdout for r in rows) == again.holdout > 0
    assert store.recorded_shards(campaign_id=campaign.id, run_id="r1") == 1

    topic = unique_name("intents")
    settings = stack_settings.model_copy(
        update={"kafka": stack_settings.kafka.model_copy(update={"partitions": 2})}
    )
    produced = produce_intents(
        small, campaign=campaign, run_id="r1", settings=settings, topic=topic
    )
    rerun = produce_intents(small, campaign=campaign, run_id="r1", settings=settings, topic=topic)
    records = read_all(kafka_bootstrap, topic)
    intents = [Intent.from_json(r.value) for r in records]
    treated = {u for u, r in expected.items() if not r["is_holdout"]}
    assert produced == rerun and produced.users - produced.holdout == len(treated)
    assert len(intents) == 2 * len(treated)  # the dispatcher dedupes on the idempotency key
    assert {i.user_id for i in intents} == treated
    assert all(r.key == i.user_id.encode() for r, i in zip(records, intents, strict=True))
    by_key: dict[str, set[tuple[Any, ...]]] = {}
    for intent in intents:
        by_key.setdefault(intent.idempotency_key, set()).add(intent.identity())
    assert all(len(identities) == 1 for identities in by_key.values())  # replays are identical
    one = intents[0]
    assert (one.source, one.priority, one.source_id) == ("campaign", "marketing", campaign.id)
    assert one.idempotency_key == f"campaign:{campaign.id}:r1:{one.user_id}"
    assert one.payload["variant"] == expected[one.user_id]["variant"]
    assert list(one.payload["template"]) == list(one.channels)
