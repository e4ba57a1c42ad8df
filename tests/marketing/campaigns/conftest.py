"""A valid campaign as a dict, a helper writing any dict as a campaign file, a tiny gold lake."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

VALID: dict[str, Any] = {
    "id": "spring_sale",
    "name": "Spring sale",
    "owner": "growth-marketing",
    "description": "Spring sale announcement.",
    "audience": {"segments": {"include": ["likely_buyers"]}, "min_score": 0.2},
    "channels": ["push", "email"],
    "templates": {
        "push": {"en-US": {"body": "Hello {{ user.user_id }}, the sale is on."}},
        "email": {
            "en-US": {"subject": "{{ campaign.name }}", "body": "Variant {{ variant }}."},
            "fr-FR": {"subject": "Les soldes", "body": "C'est parti."},
        },
    },
    "variants": [
        {"name": "a", "weight": 50},
        {"name": "b", "weight": 50, "templates": {"push": {"en-US": {"body": "B!"}}}},
    ],
    "holdout_percent": 10,
    "schedule": {"cron": "0 9 * * 1", "timezone": "Europe/Paris"},
    "start": "2026-11-01T00:00:00Z",
    "end": "2026-12-31T00:00:00Z",
    "attribution": {"window": "7d", "conversion_event": "purchase"},
}


@pytest.fixture
def valid() -> dict[str, Any]:
    """A fresh deep copy of a valid campaign document."""
    return copy.deepcopy(VALID)


@pytest.fixture
def write_campaign(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a document as ``<tmp>/<id>.yaml`` (or ``campaign.yaml`` without an id)."""

    def _write(doc: dict[str, Any]) -> Path:
        path = tmp_path / f"{doc.get('id', 'campaign')}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    return _write


AS_OF = date(2026, 11, 20)
SENT_AT = datetime(2026, 11, 21, 18, tzinfo=UTC)


def write_tiny_lake(root: Path, users: int = 300) -> None:
    """The gold snapshot of ``AS_OF`` and the events after the send, written by delta-rs."""
    import pandas as pd
    from deltalake import write_deltalake

    ids = [f"u{i:09d}" for i in range(users)]
    features = pd.DataFrame(
        {
            "user_id": ids,
            "as_of": AS_OF,
            "reachable_push": [i % 4 != 0 for i in range(users)],
            "reachable_in_app": True,
            "reachable_email": True,
        }
    )
    scores = pd.DataFrame(
        {
            "user_id": ids,
            "as_of": AS_OF,
            "score": [(i % 10) / 10 + 0.05 for i in range(users)],
            "model_version": "m1",
        }
    )
    segments = pd.DataFrame(
        {"user_id": ids[: users * 2 // 3], "as_of": AS_OF, "segment": "cart_abandoners"}
    )
    buyers = ids[::3]
    events = pd.DataFrame(
        {
            "user_id": buyers,
            "type": "purchase",
            "amount": 30.0,
            "ts": pd.Timestamp(SENT_AT) + pd.Timedelta(hours=5),
        }
    )
    events["ts"] = events["ts"].astype("datetime64[us, UTC]")
    events["event_date"] = events["ts"].dt.date
    for table, frame in (
        ("gold/user_features", features),
        ("gold/user_scores", scores),
        ("gold/user_segments", segments),
    ):
        write_deltalake(str(root / table), frame, partition_by=["as_of"])
    write_deltalake(str(root / "silver/events"), events, partition_by=["event_date"])
