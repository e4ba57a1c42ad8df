"""Campaign measurement through Spark, checked on the real Hillstrom experiment.

The 64,000 customers become one campaign run of ``campaigns/hillstrom.yaml``
(its audience: Mens/Womens e-mail as the variants, No E-Mail as the holdout),
their visits and purchases become ``page_view`` / ``purchase`` events after the
send, and the run is measured by the same job the campaign DAGs run. What lands
in ``gold.campaign_results`` (read back with delta-rs) must match the published
table of data/hillstrom/README.md to two decimals.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from deltalake import DeltaTable as RsDeltaTable
from deltalake import write_deltalake

from clarion.settings import Settings
from marketing.campaigns import HOLDOUT, load_campaign, write_report
from marketing.campaigns.loader import default_campaigns_dir
from marketing.hillstrom import hillstrom_campaign_run, load_hillstrom
from spark_jobs import campaign_results
from spark_jobs.campaign_audience import AUDIENCES_TABLE

pytestmark = pytest.mark.spark

SENT_AT = datetime(2008, 3, 1, 9, 0)
RUN_ID = "2008_03_01"
# data/hillstrom/README.md: customers, visit %, conversion %, spend per customer ($).
PUBLISHED = {
    "mens": (21_307, 18.28, 1.25, 1.42),
    "womens": (21_387, 15.14, 0.88, 1.08),
    HOLDOUT: (21_306, 10.62, 0.57, 0.65),
}


def _audience_and_events() -> tuple[pd.DataFrame, pd.DataFrame]:
    audience, events = hillstrom_campaign_run(load_hillstrom(), run_id=RUN_ID, sent_at=SENT_AT)
    # Outside the 14-day window (before the send, at its end): never attributed.
    outside = pd.DataFrame(
        {
            "user_id": audience["user_id"][:300].to_numpy(),
            "type": "purchase",
            "ts": [SENT_AT - timedelta(days=1), SENT_AT + timedelta(days=14)] * 150,
            "amount": 99.0,
        }
    )
    outside["event_date"] = outside["ts"].dt.date
    outside["ts"] = outside["ts"].dt.tz_localize(UTC).astype("datetime64[us, UTC]")
    return audience, pd.concat([events, outside], ignore_index=True)


def test_hillstrom_through_the_campaign_path_matches_the_published_table(
    spark, spark_settings: Settings, tmp_path: Path
) -> None:
    delta = spark_settings.delta.model_copy(update={"root": str(tmp_path / "lake")})
    settings = spark_settings.model_copy(update={"delta": delta})
    campaign = load_campaign(default_campaigns_dir() / "hillstrom.yaml")
    audience, events = _audience_and_events()
    # Written by delta-rs (fast for 64k rows), read by the Spark job: a cross-engine check too.
    write_deltalake(
        settings.table_uri(AUDIENCES_TABLE), audience, partition_by=["campaign_id", "run_id"]
    )
    write_deltalake(settings.table_uri("silver.events"), events)

    results = campaign_results.run(spark, settings, campaign=campaign, run_id=RUN_ID)

    rows = RsDeltaTable(settings.table_uri(campaign_results.RESULTS_TABLE)).to_pandas()
    assert set(rows["run_id"]) == {RUN_ID} and len(rows) == len(results) == 9
    table = rows.pivot(index="arm", columns="metric", values="value")
    recipients = rows.groupby("arm")["recipients"].first()
    for arm, (customers, visit, conversion, spend) in PUBLISHED.items():
        measured = (
            int(recipients[arm]),
            round(100 * table.loc[arm, "visit_rate"], 2),
            round(100 * table.loc[arm, "conversion_rate"], 2),
            round(table.loc[arm, "revenue_per_recipient"], 2),
        )
        assert measured == (customers, visit, conversion, spend), arm
    lift = rows[(rows["arm"] == "mens") & (rows["metric"] == "visit_rate")].iloc[0]
    assert lift["absolute_low"] < 0.0766 < lift["absolute_high"]  # 18.28 - 10.62 points
    assert lift["absolute_low"] > 0 and lift["p_value"] < 1e-10
    assert rows.loc[rows["arm"] == HOLDOUT, "absolute_lift"].isna().all()

    report = write_report(campaign, run_id=RUN_ID, results=results, state_dir=tmp_path)
    assert report.is_file() and "womens" in report.read_text()
