"""Clarion's user features: the one list every layer reads.

Windows follow the issue's RFM grid (1/7/30/90 days). Adding a feature here is
all it takes for the daily batch job to compute it and for serving to publish it.
"""

from __future__ import annotations

from datetime import timedelta

from clarion.events import CHANNELS
from feature_store.computations import (
    CategoryShare,
    Computation,
    DaysSinceLast,
    DistinctActiveDays,
    EventCount,
    LastSeen,
    PreferredLocalHour,
    PropertyMean,
    PropertySum,
    Ratio,
    Reachable,
    SlidingCount,
)
from feature_store.feature import DType, Feature, FeatureRegistry

__all__ = ["USER_FEATURES"]

DAY = timedelta(days=1)
BATCH_WINDOWS = (1, 7, 30, 90)
GROWTH = "growth-data"
RISK = "risk"
MESSAGING = "messaging"


def _batch(
    name: str, dtype: DType, description: str, computation: Computation, owner: str = GROWTH
) -> Feature:
    return Feature(
        name=name,
        dtype=dtype,
        description=description,
        owner=owner,
        freshness=2 * DAY,
        source="batch",
        computation=computation,
    )


def _rfm() -> list[Feature]:
    out: list[Feature] = []
    for days in BATCH_WINDOWS:
        window = days * DAY
        out += [
            _batch(
                f"purchase_count_{days}d",
                "int64",
                f"Purchases in the last {days} days.",
                EventCount(("purchase",), window),
            ),
            _batch(
                f"purchase_amount_{days}d",
                "double",
                f"Money spent on purchases in the last {days} days.",
                PropertySum(("purchase",), "amount", window),
            ),
            _batch(
                f"product_view_count_{days}d",
                "int64",
                f"Product views in the last {days} days.",
                EventCount(("product_view",), window),
            ),
            _batch(
                f"add_to_cart_count_{days}d",
                "int64",
                f"Items added to a cart in the last {days} days.",
                EventCount(("add_to_cart",), window),
            ),
            _batch(
                f"session_count_{days}d",
                "int64",
                f"App opens (sessions) in the last {days} days.",
                EventCount(("app_open",), window),
            ),
        ]
    return out


def _engagement() -> list[Feature]:
    window = 30 * DAY
    counts = [
        _batch(
            f"notification_{kind}_30d",
            "int64",
            f"Notifications {kind} in the last 30 days.",
            EventCount((f"notification_{kind}",), window),
            owner=MESSAGING,
        )
        for kind in ("delivered", "opened", "clicked")
    ]
    rates = [
        _batch(
            "notification_open_rate_30d",
            "double",
            "Opened / delivered notifications over 30 days, at most 1 (null if none delivered).",
            Ratio("notification_opened_30d", "notification_delivered_30d", at_most=1.0),
            owner=MESSAGING,
        ),
        _batch(
            "notification_click_rate_30d",
            "double",
            "Clicked / delivered notifications over 30 days, at most 1 (null if none delivered).",
            Ratio("notification_clicked_30d", "notification_delivered_30d", at_most=1.0),
            owner=MESSAGING,
        ),
    ]
    return counts + rates


def _behaviour() -> list[Feature]:
    return [
        _batch(
            "days_since_last_purchase",
            "int64",
            "Whole days since the last purchase (null if never).",
            DaysSinceLast(("purchase",)),
        ),
        _batch(
            "days_since_last_seen",
            "int64",
            "Whole days since any activity (null if never).",
            DaysSinceLast(("app_open", "page_view", "product_view", "search")),
        ),
        _batch(
            "active_days_30d",
            "int64",
            "Distinct days with any app activity in the last 30 days.",
            DistinctActiveDays(("app_open", "page_view", "product_view", "search"), 30 * DAY),
        ),
        _batch(
            "search_count_7d",
            "int64",
            "Searches in the last 7 days.",
            EventCount(("search",), 7 * DAY),
        ),
        _batch(
            "wishlist_count_30d",
            "int64",
            "Wishlist additions in the last 30 days.",
            EventCount(("wishlist",), 30 * DAY),
        ),
        _batch(
            "cart_to_purchase_ratio_30d",
            "double",
            "Purchases per item added to a cart over 30 days (null if no cart adds).",
            Ratio("purchase_count_30d", "add_to_cart_count_30d"),
        ),
        _batch(
            "category_affinity_90d",
            "map<string,double>",
            "Share of product views, cart adds and purchases per category over 90 days.",
            CategoryShare(("product_view", "add_to_cart", "purchase"), 90 * DAY),
        ),
        _batch(
            "preferred_local_hour_30d",
            "int64",
            "Hour of day (0-23, the user's own timezone) with most app activity over 30 days.",
            PreferredLocalHour(("app_open", "page_view", "product_view"), 30 * DAY),
        ),
        _batch(
            "transaction_amount_mean_30d",
            "double",
            "Mean transaction amount over 30 days: the baseline for risk alerts.",
            PropertyMean(("transaction",), "amount", 30 * DAY),
            owner=RISK,
        ),
        _batch(
            "transaction_count_30d",
            "int64",
            "Transactions in the last 30 days.",
            EventCount(("transaction",), 30 * DAY),
            owner=RISK,
        ),
        _batch(
            "login_failure_count_7d",
            "int64",
            "Failed logins in the last 7 days.",
            EventCount(("login_failure",), 7 * DAY),
            owner=RISK,
        ),
    ]


def _reachability() -> list[Feature]:
    return [
        _batch(
            f"reachable_{channel}",
            "boolean",
            f"Consented to {channel} and has a {channel} contact point.",
            Reachable(channel),
            owner=MESSAGING,
        )
        for channel in CHANNELS
    ]


def _streaming() -> list[Feature]:
    windows = {"5m": timedelta(minutes=5), "1h": timedelta(hours=1), "24h": timedelta(hours=24)}
    counted = (
        "app_open",
        "product_view",
        "add_to_cart",
        "purchase",
        "transaction",
        "login_failure",
    )
    out = [
        Feature(
            name=f"rt_{kind}_count_{label}",
            dtype="int64",
            description=f"{kind} events in the sliding last {label}.",
            owner=GROWTH if kind not in ("transaction", "login_failure") else RISK,
            freshness=timedelta(seconds=30),
            source="streaming",
            computation=SlidingCount((kind,), window),
        )
        for kind in counted
        for label, window in windows.items()
    ]
    out.append(
        Feature(
            name="rt_last_seen",
            dtype="timestamp",
            description="Time of the user's latest app activity.",
            owner=GROWTH,
            freshness=timedelta(seconds=30),
            source="streaming",
            computation=LastSeen(("app_open", "page_view", "product_view", "search")),
        )
    )
    return out


USER_FEATURES = FeatureRegistry(
    [*_rfm(), *_engagement(), *_behaviour(), *_reachability(), *_streaming()]
)
