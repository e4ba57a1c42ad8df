"""A model can learn the hidden purchase propensity from the observable events.

This mirrors what the batch layer will do, in miniature: features per user from
the first 21 days (counts, recency, spend), label = any purchase in days 22-28,
a small XGBoost model trained on half of the users and scored on the other half.
The targets (AUC >= 0.75, Spearman with the hidden propensity >= 0.5) are the
batch layer's; the world is calibrated to clear them with margin.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pytest

from clarion.world import WorldSpec
from tests.clarion.world._world import build_world

COUNTED = (
    "app_open",
    "page_view",
    "product_view",
    "search",
    "wishlist",
    "add_to_cart",
    "purchase",
    "notification_opened",
    "notification_clicked",
)
_PARSED = pa.schema(
    [
        ("user_id", pa.string()),
        ("type", pa.string()),
        ("ts", pa.timestamp("ms")),
        ("properties", pa.struct([("amount", pa.float64())])),
    ]
)


def parse_events(values: pa.ChunkedArray) -> pd.DataFrame:
    """The fields the features need, parsed from the raw JSON by Arrow's JSON reader."""
    lines = pc.binary_join_element_wise(values.combine_chunks(), "\n", "")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    data = lines.buffers()[2][offsets[lines.offset] : offsets[lines.offset + len(lines)]]
    table = pj.read_json(
        pa.BufferReader(data),
        read_options=pj.ReadOptions(block_size=1 << 24),
        parse_options=pj.ParseOptions(explicit_schema=_PARSED, unexpected_field_behavior="ignore"),
    )
    return pd.DataFrame(
        {
            "user_id": table.column("user_id").to_numpy(),
            "type": table.column("type").to_numpy(),
            "ts": table.column("ts").to_numpy(),
            "amount": pc.struct_field(table.column("properties"), "amount").to_numpy(),
        }
    )


def user_features(events: pd.DataFrame, users: pd.Index, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Counts per event type, spend and recency per user, from events before ``as_of``."""
    past = events[events["ts"] < as_of]
    counts = past.groupby(["user_id", "type"]).size().unstack(fill_value=0)
    features = counts.reindex(index=users, columns=list(COUNTED), fill_value=0).add_prefix("n_")
    buys = past[past["type"] == "purchase"]
    features["spend"] = buys.groupby("user_id")["amount"].sum().reindex(users, fill_value=0.0)
    for name, rows in (("any", past), ("session", past[past["type"] == "app_open"]), ("buy", buys)):
        last = rows.groupby("user_id")["ts"].max().reindex(users)
        features[f"days_since_{name}"] = ((as_of - last).dt.total_seconds() / 86_400).fillna(99)
    return features


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney), ties counted half."""
    ranks = pd.Series(scores).rank().to_numpy()
    pos = labels.sum()
    neg = len(labels) - pos
    return float((ranks[labels == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


@pytest.fixture(scope="module")
def learned() -> dict[str, float]:
    import xgboost as xgb

    spec = WorldSpec(users=20_000, days=28, start_date=date(2026, 2, 2), seed=2026)
    _, traits_table, events_table = build_world(spec)
    events = parse_events(events_table.column("value"))
    traits = traits_table.to_pandas().set_index("user_id")
    as_of = pd.Timestamp(spec.start_date) + pd.Timedelta(days=21)

    features = user_features(events, traits.index, as_of=as_of)
    future = events[(events["ts"] >= as_of) & (events["type"] == "purchase")]
    labels = traits.index.isin(future["user_id"]).astype(int)

    train = np.random.default_rng(0).random(len(traits)) < 0.5
    params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.05, "subsample": 0.8}
    model = xgb.train(
        {**params, "nthread": 2, "seed": 0},
        xgb.DMatrix(features[train], label=labels[train]),
        num_boost_round=200,
    )
    scores = model.predict(xgb.DMatrix(features[~train]))
    hidden = traits.loc[~train, "purchase_propensity"].to_numpy()
    return {
        "auc": auc(labels[~train], scores),
        "spearman": float(pd.Series(scores).corr(pd.Series(hidden), method="spearman")),
        "positive_rate": float(labels.mean()),
    }


def test_purchases_next_week_are_predictable(learned: dict[str, float]) -> None:
    assert 0.03 < learned["positive_rate"] < 0.3
    assert learned["auc"] >= 0.75 + 0.05, learned


def test_scores_rank_users_by_their_hidden_propensity(learned: dict[str, float]) -> None:
    assert learned["spearman"] >= 0.5 + 0.05, learned
