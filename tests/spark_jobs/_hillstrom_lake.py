"""A lake holding a finished randomized run of ``campaigns/hillstrom.yaml``, written by delta-rs.

Kevin Hillstrom's 2008 e-mail test (:mod:`marketing.hillstrom`) as the Clarion
tables the uplift path reads: the run's members in ``gold.campaign_audiences``
(sent ``SENT_AT``, built from gold day ``BEFORE_SEND``), its visits and purchases
in ``silver.events``, and every customer's features in ``gold.user_features`` for
``BEFORE_SEND`` and ``SCORE_DAY`` (after the 14-day attribution window closed).
Shared by ``tests/spark_jobs/test_uplift_targeting.py`` (all 64,000 customers) and
the uplift campaign DAG test in ``tests/dags/test_campaign_dags.py`` (a subset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from deltalake import write_deltalake

from marketing.hillstrom import hillstrom_campaign_run, hillstrom_features, load_hillstrom

__all__ = [
    "BEFORE_SEND",
    "RUN_ID",
    "SCORE_DAY",
    "SENT_AT",
    "HillstromRun",
    "audience_rows",
    "hillstrom_run",
    "write_hillstrom_lake",
]

SENT_AT = datetime(2008, 3, 1, 9, 0)
RUN_ID = "2008_03_01"
BEFORE_SEND = date(2008, 2, 29)  # the gold day the Hillstrom audience was built from
SCORE_DAY = date(2008, 3, 20)  # after its 14-day attribution window closed


@dataclass(frozen=True)
class HillstromRun:
    """The experiment as one campaign run; every frame is in the customers' order."""

    audience: pd.DataFrame  # hillstrom_campaign_run: user_id, variant, is_holdout, sent_at...
    events: pd.DataFrame  # silver.events rows: page_view per visit, purchase per conversion
    features: pd.DataFrame  # hillstrom_features: the model matrix
    treated: npt.NDArray[np.int64]  # 1: e-mailed (mens or womens), 0: the no-e-mail holdout
    visited: npt.NDArray[np.int64]


def hillstrom_run(customers: int | None = None) -> HillstromRun:
    """The first ``customers`` rows of the file (all 64,000 by default; rows are in random
    order, so a prefix is a random subset of the three arms)."""
    frame = load_hillstrom()
    if customers is not None:
        frame = frame.iloc[:customers].reset_index(drop=True)
    audience, events = hillstrom_campaign_run(frame, run_id=RUN_ID, sent_at=pd.Timestamp(SENT_AT))
    return HillstromRun(
        audience=audience,
        events=events,
        features=hillstrom_features(frame),
        treated=(~audience["is_holdout"]).to_numpy(dtype=np.int64),
        visited=frame["visit"].to_numpy(dtype=np.int64),
    )


def audience_rows(audience: pd.DataFrame, campaign_id: str) -> pd.DataFrame:
    """Hillstrom's arms as rows of ``gold.campaign_audiences`` as the job wrote them before
    it recorded ``uplift`` (a lake from before keeps working: the job merges the schema)."""
    return pd.DataFrame(
        {
            "campaign_id": campaign_id,
            "run_id": RUN_ID,
            "as_of": BEFORE_SEND,
            "user_id": audience["user_id"].to_numpy(),
            "assignment_bucket": np.zeros(len(audience), dtype=np.int32),
            "variant": audience["variant"].to_numpy(),
            "is_holdout": audience["is_holdout"].to_numpy(),
            "locale": "en-US",
            "channels": [["email"]] * len(audience),
            "score": np.nan,
            "sent_at": audience["sent_at"].to_numpy(),
        }
    ).astype({"sent_at": "datetime64[us, UTC]"})


def write_hillstrom_lake(
    lake: Path,
    run: HillstromRun,
    *,
    history: pd.DataFrame,
    scores: pd.DataFrame,
    segments: pd.DataFrame,
) -> None:
    """Write the run's lake under ``lake``.

    Args:
        history: ``gold.campaign_audiences`` rows (:func:`audience_rows` of the run,
            possibly split among campaign ids).
        scores, segments: ``gold.user_scores`` and ``gold.user_segments`` rows
            (``as_of`` included), which a campaign's audience is built from.
    """
    users = pd.DataFrame({"user_id": run.audience["user_id"], **run.features})
    users["reachable_email"] = True
    snapshots = pd.concat(
        [users.assign(as_of=day) for day in (BEFORE_SEND, SCORE_DAY)], ignore_index=True
    )
    by_run = ["campaign_id", "run_id"]
    write_deltalake(str(lake / "gold/campaign_audiences"), history, partition_by=by_run)
    write_deltalake(str(lake / "silver/events"), run.events, partition_by=["event_date"])
    for table, rows in (("features", snapshots), ("scores", scores), ("segments", segments)):
        write_deltalake(str(lake / f"gold/user_{table}"), rows, partition_by=["as_of"])
