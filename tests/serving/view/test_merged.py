"""merge_views: typing back per dtype, freshness and stale flags (pure, no services)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from feature_store import USER_FEATURES
from serving.stores import BatchRecord, InMemoryBatchViewStore, ViewChunk
from serving.view import InMemoryRealtimeView, MergedViewReader, RealtimeSnapshot, merge_views

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
BATCH = BatchRecord(
    version="2026-11-27.r1",
    fields={
        "as_of": "2026-11-27",
        "purchase_count_7d": "3",
        "purchase_amount_7d": "12.5",
        "reachable_push": "0",
        "category_affinity_90d": '{"books":0.75}',
        "score": "0.9",
        "model_version": "xgb-7",
        "segments": '["vip"]',
        "not_a_feature": "x",
    },
)


def test_batch_values_are_typed_back_and_aged_from_the_end_of_as_of() -> None:
    view = merge_views(user_id="u1", batch=BATCH, realtime=RealtimeSnapshot(), now=NOW)
    assert view.batch == {
        "purchase_count_7d": 3,
        "purchase_amount_7d": 12.5,
        "reachable_push": False,
        "category_affinity_90d": {"books": 0.75},
    }
    assert (view.batch_version, view.batch_as_of) == ("2026-11-27.r1", date(2026, 11, 27))
    assert view.batch_age == timedelta(hours=3)
    assert (view.score, view.model_version, view.segments) == (0.9, "xgb-7", ("vip",))
    assert not any(view.stale[f] for f in USER_FEATURES.names("batch"))


def test_batch_features_go_stale_after_their_declared_freshness() -> None:
    later = NOW + timedelta(days=2)  # batch freshness is 2 days; age is now 2 days 3 hours
    view = merge_views(user_id="u1", batch=BATCH, realtime=RealtimeSnapshot(), now=later)
    assert all(view.stale[f] for f in USER_FEATURES.names("batch"))
    none = merge_views(user_id="u1", batch=None, realtime=RealtimeSnapshot(), now=NOW)
    assert none.batch == {} and none.batch_age is None and none.stale["purchase_count_7d"]


def test_realtime_freshness_per_feature_and_missing_means_stale() -> None:
    realtime = InMemoryRealtimeView()
    realtime.put("u1", "rt_purchase_count_5m", 2, at=NOW - timedelta(seconds=10))
    realtime.put("u1", "rt_app_open_count_1h", 7, at=NOW - timedelta(seconds=45))
    store = InMemoryBatchViewStore()
    store.online_write_batch(
        version=BATCH.version, chunk=ViewChunk(kind="features", rows=1, fields={"u1": BATCH.fields})
    )
    store.activate(version=BATCH.version, previous=None)
    view = MergedViewReader(batch=store, realtime=realtime, clock=lambda: NOW).read("u1")
    assert view.realtime == {"rt_purchase_count_5m": 2, "rt_app_open_count_1h": 7}
    assert view.realtime_age["rt_purchase_count_5m"] == timedelta(seconds=10)
    assert view.realtime_freshness == timedelta(seconds=45)
    assert not view.stale["rt_purchase_count_5m"]
    assert view.stale["rt_app_open_count_1h"]  # 45 s > the declared 30 s
    assert view.stale["rt_last_seen"]  # never updated
    assert set(view.stale_features) >= {"rt_app_open_count_1h", "rt_last_seen"}
    assert view.batch["purchase_count_7d"] == 3
