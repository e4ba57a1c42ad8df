"""Every generated row honours the contracts: event JSON, raw bronze columns, users table."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from clarion.events import CATEGORIES, CHANNELS, EVENT_TYPES, REQUIRED_PROPERTIES, SCHEMA_VERSION
from clarion.world.encoding import BRONZE_EVENTS_SCHEMA
from tests.clarion.world._world import SmallWorld


def test_every_event_parses_and_carries_its_required_properties(small_world: SmallWorld) -> None:
    frame = small_world.frame
    assert list(frame.columns[:6]) == [
        "schema_version",
        "event_id",
        "user_id",
        "type",
        "ts",
        "properties",
    ]
    assert (frame["schema_version"] == SCHEMA_VERSION).all()
    assert set(frame["type"]) == set(EVENT_TYPES)
    for kind, props in zip(frame["type"], frame["properties"], strict=True):
        for name, types in REQUIRED_PROPERTIES[kind].items():
            assert isinstance(props[name], types), (kind, name, props)
    products = frame[frame["type"].isin(["product_view", "add_to_cart", "purchase", "wishlist"])]
    assert products["properties"].map(lambda p: p["category"] in CATEGORIES).all()
    notes = frame[frame["type"].str.startswith("notification_")]
    assert notes["properties"].map(lambda p: p["channel"] in CHANNELS).all()


def test_ids_are_unique_uuids_and_keys_are_user_ids(small_world: SmallWorld) -> None:
    frame = small_world.frame
    assert frame["event_id"].is_unique
    assert all(uuid.UUID(e).version == 4 for e in frame["event_id"].head(1000))
    assert (frame["key"] == frame["user_id"]).all()
    assert frame["user_id"].str.fullmatch(r"u\d{9}").all()
    purchases = frame[frame["type"] == "purchase"]["properties"].map(lambda p: p["order_id"])
    assert purchases.is_unique


def test_timestamps_lie_in_the_window_and_partitions_follow_them(small_world: SmallWorld) -> None:
    spec, frame, events = small_world.spec, small_world.frame, small_world.events
    start = datetime(spec.start_date.year, spec.start_date.month, spec.start_date.day, tzinfo=UTC)
    end = start + (spec.end_date - spec.start_date)
    assert frame["ts"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z").all()
    assert frame["ts_parsed"].min() >= start
    assert frame["ts_parsed"].max() < end
    assert (frame["ts_parsed"].dt.date == events.column("event_date").to_pandas()).all()
    ingested = events.column("ingested_at").to_pandas()
    lag = (ingested - frame["ts_parsed"]).dt.total_seconds()
    assert lag.between(0, 5).all()


def test_raw_bronze_columns(small_world: SmallWorld) -> None:
    events = small_world.events
    assert events.schema == BRONZE_EVENTS_SCHEMA
    assert set(events.column("topic").to_pylist()) == {"generator"}
    assert events.column("partition").null_count == events.num_rows
    assert events.column("offset").null_count == events.num_rows


def test_users_table(small_world: SmallWorld) -> None:
    users = small_world.users.to_pandas()
    spec = small_world.spec
    assert users["user_id"].tolist() == [f"u{i:09d}" for i in range(spec.users)]
    assert (users["signup_date"] < spec.start_date).all()
    assert (users["updated_at"] < datetime.combine(spec.start_date, datetime.min.time(), UTC)).all()
    for tz in users["timezone"].unique():
        ZoneInfo(tz)
    assert users["locale"].str.fullmatch(r"[a-z]{2}-[A-Z]{2}").all()
    assert users["email"].dropna().str.fullmatch(r"user\d{9}@[a-z.]+").all()
    assert users["phone"].dropna().str.fullmatch(r"\+\d{8,15}").all()
    assert users["push_token"].dropna().str.fullmatch(r"[0-9a-f]{32}").all()
    # Consent needs a contact point; in-app needs only the account.
    assert not (users["consent_email"] & users["email"].isna()).any()
    assert not (users["consent_sms"] & users["phone"].isna()).any()
    assert not (users["consent_push"] & users["push_token"].isna()).any()
    for channel in ("email", "push", "sms", "in_app"):
        share = users[f"consent_{channel}"].mean()
        assert 0.1 < share < 0.95, channel


def test_traits_are_hidden_truth_in_range(small_world: SmallWorld) -> None:
    traits = small_world.traits.to_pandas()
    assert traits["purchase_propensity"].between(0, 1).all()
    assert traits["price_sensitivity"].between(0, 1).all()
    assert traits["engagement_propensity"].between(0, 1).all()
    affinity = np.stack(traits["category_affinity"].to_numpy())
    assert affinity.shape == (len(traits), len(CATEGORIES))
    np.testing.assert_allclose(affinity.sum(axis=1), 1.0, atol=1e-4)
    assert (traits["activity_level"][traits["dormant"]] == 0).all()
    assert 0.03 < traits["dormant"].mean() < 0.2
    assert 0.03 < traits["churn_date"].notna().mean() < 0.15


def test_json_is_compact_and_keys_are_in_contract_order(small_world: SmallWorld) -> None:
    value = small_world.events.column("value")[0].as_py()
    assert re.match(r'^\{"schema_version":1,"event_id":"[0-9a-f-]{36}","user_id":"u\d{9}",', value)
    assert ": " not in value and ", " not in value.split('"properties"')[0]
    assert isinstance(small_world.events.column("value"), pa.ChunkedArray)
