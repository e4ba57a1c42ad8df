"""gold.user_features: compiled from the declarations, point in time, one row per user."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from pyspark.testing import assertDataFrameEqual

from clarion.settings import load_settings
from feature_store import USER_FEATURES, Feature, FeatureRegistry
from feature_store.computations import EventCount, PropertySum
from spark_jobs import features as features_job
from spark_jobs.features import compute_features

pytestmark = pytest.mark.spark

AS_OF = date(2026, 11, 20)
END = datetime(2026, 11, 21)  # end of AS_OF, UTC (naive: the session time zone is UTC)
EVENTS_SCHEMA = (
    "event_id string, user_id string, type string, ts timestamp, event_date date, "
    "properties string, amount double, price double, category string, channel string"
)
USERS_SCHEMA = (
    "user_id string, timezone string, email string, phone string, push_token string, "
    "consent_email boolean, consent_push boolean, consent_sms boolean, consent_in_app boolean"
)


def _event(i: int, user: str, kind: str, ts: datetime, **props: object) -> tuple[object, ...]:
    return (
        f"e{i}",
        user,
        kind,
        ts,
        ts.date(),
        "{}",
        props.get("amount"),
        props.get("price"),
        props.get("category"),
        props.get("channel"),
    )


@pytest.fixture
def users(spark):  # type: ignore[no-untyped-def]
    rows = [
        ("u1", "Asia/Tokyo", "a@x", None, "tok", True, True, True, True),
        ("u2", "America/New_York", None, "+1555", None, True, False, True, False),
        ("u3", None, "c@x", None, None, False, False, False, True),  # no events at all
    ]
    return spark.createDataFrame(rows, USERS_SCHEMA)


@pytest.fixture
def events(spark):  # type: ignore[no-untyped-def]
    h = timedelta(hours=1)
    rows = [
        _event(1, "u1", "purchase", END - 2 * h, amount=10.0, category="books"),
        _event(2, "u1", "purchase", END - 3 * timedelta(days=1), amount=30.0, category="books"),
        _event(3, "u1", "purchase", END - 40 * timedelta(days=1), amount=5.0, category="toys"),
        _event(4, "u1", "purchase", END - 100 * timedelta(days=1), amount=99.0, category="toys"),
        _event(5, "u1", "purchase", END + timedelta(seconds=0), amount=1000.0, category="toys"),
        _event(6, "u1", "add_to_cart", END - 5 * h, price=3.0, category="books"),
        _event(7, "u1", "add_to_cart", END - 6 * h, price=3.0, category="home"),
        # u1 is active 12:00 Tokyo time (03:00 UTC) twice, and once at another hour
        _event(8, "u1", "app_open", datetime(2026, 11, 19, 3, 10)),
        _event(9, "u1", "app_open", datetime(2026, 11, 18, 3, 40)),
        _event(10, "u1", "app_open", datetime(2026, 11, 18, 9, 0)),
        _event(11, "u2", "notification_delivered", END - 2 * h, channel="email"),
        _event(12, "u2", "notification_delivered", END - 3 * h, channel="email"),
        _event(13, "u2", "notification_opened", END - 1 * h, channel="email"),
        _event(14, "u2", "app_open", datetime(2026, 11, 20, 23, 30)),  # 18:30 in New York
        _event(15, "ghost", "purchase", END - h, amount=1.0, category="books"),  # not a user
    ]
    return spark.createDataFrame(rows, EVENTS_SCHEMA)


def test_every_user_gets_one_row_with_declared_columns(events, users) -> None:  # type: ignore[no-untyped-def]
    out = compute_features(events, users, as_of=AS_OF)
    assert out.columns == ["user_id", "as_of", *USER_FEATURES.names("batch")]
    assert sorted(r.user_id for r in out.collect()) == ["u1", "u2", "u3"]
    types = dict(out.dtypes)
    assert types["purchase_count_7d"] == "bigint" and types["reachable_email"] == "boolean"
    assert types["category_affinity_90d"] == "map<string,double>"


def test_windows_recency_and_point_in_time(events, users) -> None:  # type: ignore[no-untyped-def]
    row = {r.user_id: r for r in compute_features(events, users, as_of=AS_OF).collect()}["u1"]
    # the purchase at exactly END (= as_of + 1 day) is in the future: never seen
    assert (row.purchase_count_1d, row.purchase_count_7d) == (1, 2)
    assert (row.purchase_count_30d, row.purchase_count_90d) == (2, 3)  # 100 days ago: out
    assert row.purchase_amount_7d == 40.0 and row.purchase_amount_90d == 45.0
    assert row.days_since_last_purchase == 0
    assert row.cart_to_purchase_ratio_30d == 1.0
    assert row.category_affinity_90d == pytest.approx(
        {"books": 3 / 5, "toys": 1 / 5, "home": 1 / 5}
    )
    assert row.preferred_local_hour_30d == 12  # Tokyo, UTC+9
    assert row.session_count_7d == 3 and row.active_days_30d == 2


def test_users_without_events_get_zeros_and_nulls(events, users) -> None:  # type: ignore[no-untyped-def]
    rows = {r.user_id: r for r in compute_features(events, users, as_of=AS_OF).collect()}
    u2, u3 = rows["u2"], rows["u3"]
    assert u2.notification_open_rate_30d == 0.5 and u2.notification_delivered_30d == 2
    assert u2.preferred_local_hour_30d == 18  # New York, UTC-5 in November
    assert u3.purchase_count_90d == 0 and u3.purchase_amount_90d == 0.0
    assert u3.active_days_30d == 0 and u3.category_affinity_90d == {}
    assert u3.days_since_last_purchase is None and u3.notification_open_rate_30d is None
    assert u3.preferred_local_hour_30d is None and u3.transaction_amount_mean_30d is None


def test_reachability_needs_consent_and_a_contact_point(events, users) -> None:  # type: ignore[no-untyped-def]
    out = compute_features(events, users, as_of=AS_OF).select(
        "user_id", *[f"reachable_{c}" for c in ("email", "push", "sms", "in_app", "webhook")]
    )
    expected = [
        ("u1", True, True, False, True, False),
        ("u2", False, False, True, False, False),
        ("u3", False, False, False, True, False),
    ]
    assertDataFrameEqual(out, out.sparkSession.createDataFrame(expected, out.schema))


def test_a_new_declaration_is_a_new_column(events, users) -> None:  # type: ignore[no-untyped-def]
    base = USER_FEATURES.get("purchase_count_7d")
    extra = [
        replace(
            base, name="purchase_count_2d", computation=EventCount(("purchase",), timedelta(days=2))
        ),
        Feature(
            name="cart_value_30d",
            dtype="double",
            description="Money put in carts over 30 days.",
            owner="tests",
            freshness=timedelta(days=2),
            source="batch",
            computation=PropertySum(("add_to_cart",), "price", timedelta(days=30)),
        ),
    ]
    registry = FeatureRegistry([*USER_FEATURES, *extra])
    out = compute_features(events, users, as_of=AS_OF, registry=registry)
    assert out.columns[-2:] == ["purchase_count_2d", "cart_value_30d"]
    row = out.filter("user_id = 'u1'").first()
    assert row.purchase_count_2d == 1 and row.cart_value_30d == 6.0


def test_run_rewrites_only_its_partition(spark, events, users, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(state_dir=tmp_path)
    events.write.format("delta").save(settings.table_uri("silver.events"))
    users.write.format("delta").save(settings.table_uri("bronze.users"))
    assert features_job.run(spark, settings, as_of=AS_OF) == 3
    assert features_job.run(spark, settings, as_of=AS_OF - timedelta(days=1)) == 3
    assert features_job.run(spark, settings, as_of=AS_OF) == 3  # rerun: same rows, not more
    table = spark.read.format("delta").load(settings.table_uri("gold.user_features"))
    assert table.groupBy("as_of").count().orderBy("as_of").collect()[1]["count"] == 3
    assert table.count() == 6


def test_users_as_of_picks_the_version_valid_that_day(spark) -> None:  # type: ignore[no-untyped-def]
    history = spark.createDataFrame(
        [
            ("u1", "Europe/Paris", date(2026, 11, 1), date(2026, 11, 15), False),
            ("u1", "Asia/Tokyo", date(2026, 11, 15), None, True),
            ("u2", "UTC", date(2026, 11, 25), None, True),  # history starts later: earliest
        ],
        "user_id string, timezone string, valid_from date, valid_to date, is_current boolean",
    )
    picked = features_job.users_as_of(history, as_of=date(2026, 11, 10))
    assert sorted((r.user_id, r.timezone) for r in picked.collect()) == [
        ("u1", "Europe/Paris"),
        ("u2", "UTC"),
    ]
    today = features_job.users_as_of(history, as_of=AS_OF).filter("user_id = 'u1'").first()
    assert today.timezone == "Asia/Tokyo" and picked.columns == history.columns
