"""The real-time view is compiled from the feature declarations, not from a second list."""

from __future__ import annotations

from datetime import timedelta

from clarion.events import EVENT_TYPES
from feature_store import USER_FEATURES, Feature, FeatureRegistry
from feature_store.computations import LastSeen, SlidingCount
from speed_layer.durations import to_ms
from speed_layer.rules import ViewPlan, parse_rules
from speed_layer.state import CountQuery, KeyLayout, LastSeenQuery
from tests.speed_layer._local import NOW, LocalRun

HOUR = 3_600_000


def test_every_streaming_feature_is_planned_from_its_declaration(plan: ViewPlan) -> None:
    streaming = USER_FEATURES.by_source("streaming")
    assert set(plan.rt_queries) == {f.name for f in streaming}
    for feature in streaming:
        spec, query = feature.computation, plan.rt_queries[feature.name]
        assert query.event_types == spec.event_types
        if isinstance(spec, SlidingCount):
            assert isinstance(query, CountQuery) and query.window_ms == to_ms(spec.window)
            for t in spec.event_types:
                assert plan.layout.retention_ms[t] >= to_ms(spec.window) + HOUR
        else:
            assert isinstance(spec, LastSeen) and isinstance(query, LastSeenQuery)
            for t in spec.event_types:
                assert feature.name in plan.layout.last_seen_fields[t]


def test_rules_read_only_what_they_name(plan: ViewPlan) -> None:
    tx = plan.request("transaction")
    assert {q.name for q in tx.counts} == {"rt_transaction_count_5m", "rt_transaction_count_1h"}
    assert plan.request("login_failure").counts[0].name == "window:repeated_login_failures"
    assert plan.request("purchase").cancels == (("cart_abandoned", 30 * 60_000),)
    assert plan.request("page_view").counts == ()
    assert plan.batch_names["transaction"] == {"transaction_amount_mean_30d"}


def test_a_new_declaration_needs_no_speed_layer_change() -> None:
    extra = Feature(
        name="rt_search_count_2h",
        dtype="int64",
        description="Searches, 2 h.",
        owner="growth-data",
        freshness=timedelta(seconds=30),
        source="streaming",
        computation=SlidingCount(("search",), timedelta(hours=2)),
    )
    features = FeatureRegistry([*USER_FEATURES, extra])
    rules = parse_rules(
        """
version: 1
rules:
  - id: searching_a_lot
    kind: event
    on: [search]
    when: rt.rt_search_count_2h == 3
    priority: triggered
    channels: [in_app]
    payload: {searches: rt.rt_search_count_2h}
""",
        features=features,
    )
    run = LocalRun(rules, features=features)
    assert run.processor.engine.plan.layout.retention_ms["search"] == 3 * HOUR
    searches = [
        run.message("u1", "search", NOW - 3 * HOUR + i * 40 * 60_000, query="q") for i in range(4)
    ]
    intents = run.intents(searches)
    assert [(i.idempotency_key, i.payload) for i in intents] == [
        ("searching_a_lot:e3", {"searches": 3})
    ]


def test_a_users_keys_share_one_cluster_slot() -> None:
    from redis.crc import key_slot

    keys = KeyLayout("clarion", "events")
    names = keys.user_keys("u42") + [keys.events("u42", t) for t in EVENT_TYPES]
    assert {key_slot(k.encode()) for k in names} == {key_slot(b"{u42}")}
    partition = [keys.partition(3, s) for s in ("timers", "inflight", "watermark")]
    assert len({key_slot(k.encode()) for k in partition}) == 1
    assert all(k.startswith("clarion:rt:") for k in names + partition)
