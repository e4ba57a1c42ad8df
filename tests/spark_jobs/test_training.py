"""Training: point-in-time labels and features, metrics, and the promotion rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from spark_jobs._evaluation import auc, calibration_by_decile, log_loss, spearman
from spark_jobs.training import AUC_TOLERANCE, decide_promotion, training_set

pytestmark = pytest.mark.spark

T = date(2026, 11, 13)
CUTOFF = datetime(2026, 11, 14)  # end of day T, UTC: the first instant features do not see
WEEK = timedelta(days=7)
EVENTS_SCHEMA = (
    "event_id string, user_id string, type string, ts timestamp, event_date date, "
    "properties string, amount double, category string"
)


def _purchase(i: int, user: str, ts: datetime) -> tuple[object, ...]:
    return (f"e{i}", user, "purchase", ts, ts.date(), "{}", 10.0, "books")


@pytest.fixture
def dataset(spark):  # type: ignore[no-untyped-def]
    second = timedelta(seconds=1)
    events = spark.createDataFrame(
        [
            _purchase(1, "u1", CUTOFF - timedelta(hours=3)),  # a feature of T
            _purchase(2, "u1", CUTOFF + timedelta(hours=1)),  # after T: the label, never a feature
            _purchase(3, "u2", CUTOFF + WEEK),  # exactly T + 7 days: in
            _purchase(4, "u3", CUTOFF + WEEK + second),  # one second later: out
            ("e5", "u3", "app_open", CUTOFF, CUTOFF.date(), "{}", None, None),  # at the cutoff
            _purchase(6, "u4", CUTOFF),  # at T itself: neither feature nor label
        ],
        EVENTS_SCHEMA,
    )
    users = spark.createDataFrame(
        [(u, "UTC", True) for u in ("u1", "u2", "u3", "u4")],
        "user_id string, timezone string, consent_in_app boolean",
    )
    rows = training_set(events, users, trained_as_of=T).collect()
    return {r.user_id: r for r in rows}


def test_labels_are_purchases_in_the_week_after_t(dataset) -> None:  # type: ignore[no-untyped-def]
    assert {u: r.label for u, r in dataset.items()} == {"u1": 1, "u2": 1, "u3": 0, "u4": 0}


def test_features_do_not_see_the_future(dataset) -> None:  # type: ignore[no-untyped-def]
    u1 = dataset["u1"]
    assert (u1.purchase_count_1d, u1.purchase_count_90d, u1.purchase_amount_7d) == (1, 1, 10.0)
    assert u1.days_since_last_purchase == 0
    for user in ("u2", "u3", "u4"):
        assert dataset[user].purchase_count_90d == 0
        assert dataset[user].days_since_last_purchase is None
    assert dataset["u3"].session_count_1d == 0 and dataset["u3"].days_since_last_seen is None


def test_split_is_stable_per_user(dataset) -> None:  # type: ignore[no-untyped-def]
    assert {r.split for r in dataset.values()} <= {"train", "valid", "holdout"}


def test_promotion_rule() -> None:
    assert decide_promotion(0.70, None)[0]
    assert decide_promotion(0.80 - AUC_TOLERANCE, 0.80)[0]
    assert decide_promotion(0.81, 0.80)[0]
    promoted, reason = decide_promotion(0.79, 0.80)
    assert not promoted and "0.7900 < current 0.8000" in reason


def test_metrics() -> None:
    labels = np.array([0, 0, 1, 1, 0, 1])
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    assert auc(labels, scores) == pytest.approx(8 / 9)
    assert auc(np.array([1, 1]), np.array([0.2, 0.3])) != auc(
        np.array([1, 1]), np.array([0.2, 0.3])
    )
    assert log_loss(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(np.log(2))
    deciles = calibration_by_decile(np.arange(100) % 2, np.linspace(0, 1, 100))
    assert len(deciles) == 10 and sum(d["rows"] for d in deciles) == 100
    assert deciles[0]["predicted"] < deciles[-1]["predicted"]
    assert spearman(np.array([1, 2, 3, 4]), np.array([10, 20, 30, 45])) == pytest.approx(1.0)
