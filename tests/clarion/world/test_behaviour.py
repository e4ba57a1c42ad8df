"""The world behaves like people: local rhythms, heavy tails, affinities, anomalies, churn."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pandas as pd

from clarion.events import CATEGORIES
from tests.clarion.world._world import SmallWorld

SESSION_TYPES = ("app_open", "page_view", "product_view", "search", "add_to_cart", "purchase")


def _with_users(world: SmallWorld) -> pd.DataFrame:
    users = world.users.to_pandas()[
        ["user_id", "timezone", *[f"consent_{c}" for c in ("email", "push", "sms", "in_app")]]
    ]
    traits = world.traits.to_pandas()
    return world.frame.merge(users, on="user_id").merge(traits, on="user_id")


def _local_hours(frame: pd.DataFrame) -> pd.Series:
    hours = pd.Series(index=frame.index, dtype="int64")
    for tz, rows in frame.groupby("timezone"):
        hours[rows.index] = rows["ts_parsed"].dt.tz_convert(tz).dt.hour
    return hours


def test_activity_follows_each_users_local_daily_cycle(small_world: SmallWorld) -> None:
    frame = _with_users(small_world)
    sessions = frame[frame["type"] == "app_open"]
    hist = _local_hours(sessions).value_counts(normalize=True).sort_index()
    assert 11 <= hist.idxmax() <= 22  # peaks at lunch or in the evening
    assert hist.loc[[1, 2, 3, 4]].sum() < 0.06  # quiet nights
    assert hist.loc[18:22].sum() > 0.3
    # In UTC the peak hour differs between far-apart zones: the rhythm is local.
    peaks = {
        tz: rows["ts_parsed"].dt.hour.value_counts().idxmax()
        for tz, rows in sessions.groupby("timezone")
        if tz in ("Asia/Tokyo", "America/Los_Angeles")
    }
    assert abs(peaks["Asia/Tokyo"] - peaks["America/Los_Angeles"]) >= 4


def test_activity_is_heavy_tailed(small_world: SmallWorld) -> None:
    counts = small_world.frame[small_world.frame["type"].isin(SESSION_TYPES)]["user_id"]
    per_user = counts.value_counts().reindex(
        small_world.users.column("user_id").to_pylist(), fill_value=0
    )
    top = per_user.sort_values(ascending=False).head(len(per_user) // 10)
    assert top.sum() / per_user.sum() > 0.4
    assert (per_user == 0).mean() > 0.08  # dormant users exist


def test_views_follow_each_users_category_affinity(small_world: SmallWorld) -> None:
    frame = _with_users(small_world)
    views = frame[frame["type"] == "product_view"].copy()
    views["category"] = views["properties"].map(lambda p: p["category"])
    enough = views.groupby("user_id").filter(lambda g: len(g) >= 15)
    favourite = enough.groupby("user_id")["category"].agg(lambda c: c.value_counts().idxmax())
    top = enough.groupby("user_id")["top_category"].first()
    assert (favourite == top).mean() > 0.6  # chance would be ~1/8


def test_purchases_follow_the_hidden_propensity(small_world: SmallWorld) -> None:
    traits = small_world.traits.to_pandas().set_index("user_id")
    frame = small_world.frame
    buys = frame[frame["type"] == "purchase"]["user_id"].value_counts()
    carts = frame[frame["type"] == "add_to_cart"]["user_id"].value_counts()
    assert carts.sum() > 1.5 * buys.sum()  # carts get abandoned
    rate = buys.reindex(traits.index, fill_value=0) / (traits["activity_level"] + 1e-9)
    active = traits["activity_level"] > 0.2
    corr = rate[active].rank().corr(traits.loc[active, "purchase_propensity"].rank())
    assert corr > 0.3


def test_purchase_amounts_are_lognormal_per_category(small_world: SmallWorld) -> None:
    frame = small_world.frame
    buys = frame[frame["type"] == "purchase"]["properties"].apply(pd.Series)
    medians = buys.groupby("category")["amount"].median()
    assert set(medians.index) <= set(CATEGORIES)
    assert medians["electronics"] > 3 * medians["grocery"]
    logs = np.log(buys["amount"])
    assert abs(logs.skew()) < abs(buys["amount"].skew())  # right-skewed, ~normal in logs


def test_rare_transaction_anomalies_far_above_a_users_usual_amount(
    small_world: SmallWorld,
) -> None:
    frame = _with_users(small_world)
    tx = frame[frame["type"] == "transaction"]
    amount = tx["properties"].map(lambda p: p["amount"])
    ratio = amount / tx["typical_transaction_amount"]
    share = (ratio > 5).mean()
    assert 0.0001 < share < 0.005
    assert len(tx) > 2_000


def test_some_users_fail_to_log_in_three_times_within_ten_minutes(
    small_world: SmallWorld,
) -> None:
    fails = small_world.frame[small_world.frame["type"] == "login_failure"]
    bursts = 0
    for _, rows in fails.groupby("user_id"):
        ts = rows["ts_parsed"].sort_values().to_numpy()
        if len(ts) >= 3 and (ts[2:] - ts[:-2]).min() <= np.timedelta64(10, "m"):
            bursts += 1
    assert 1 <= bursts <= small_world.spec.users * 0.01


def test_notifications_respect_consent_and_engagement(small_world: SmallWorld) -> None:
    frame = _with_users(small_world)
    notes = frame[frame["type"].str.startswith("notification_")].copy()
    notes["channel"] = notes["properties"].map(lambda p: p["channel"])
    consented = notes.apply(lambda r: r[f"consent_{r['channel']}"], axis=1)
    assert consented.all()
    delivered = notes[notes["type"] == "notification_delivered"]
    opened = notes[notes["type"] == "notification_opened"]
    ids = set(delivered["properties"].map(lambda p: p["notification_id"]))
    orphan = ~opened["properties"].map(lambda p: p["notification_id"]).isin(ids)
    # Only opens of notifications delivered just before the window have no delivery in it.
    first_day = pd.Timestamp(small_world.spec.start_date, tz=UTC) + pd.Timedelta(days=1)
    assert (opened.loc[orphan, "ts_parsed"] < first_day).all()
    assert orphan.mean() < 0.02
    open_rate = opened["user_id"].value_counts() / delivered["user_id"].value_counts()
    engaged = frame.groupby("user_id")["engagement_propensity"].first()
    both = pd.concat([open_rate.fillna(0), engaged], axis=1, join="inner").dropna()
    assert both.corr(method="spearman").iloc[0, 1] > 0.2


def test_churned_users_stop_and_dormant_users_never_start(small_world: SmallWorld) -> None:
    frame = _with_users(small_world)
    sessions = frame[frame["type"] == "app_open"]
    assert not sessions["dormant"].any()
    churned = sessions[sessions["churn_date"].notna()]
    assert len(churned) > 100
    churn_start = pd.to_datetime(churned["churn_date"]).dt.tz_localize(UTC)
    # Local days reach 14 h past UTC midnight; after that only a rare notification click
    # brings a churned user back.
    after = churned["ts_parsed"] > churn_start + pd.Timedelta(hours=16)
    assert after.mean() < 0.05
