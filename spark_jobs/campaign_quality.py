"""Great Expectations checks of one campaign run's audience, before anything is sent.

Reuses the daily checks' machinery (:mod:`spark_jobs.quality`): a :class:`Suite`
of plain checks validated by Great Expectations on the run's partition. Results
go to ``quality.campaign_audience_checks`` (partition campaign_id/run_id,
replaced on rerun); any failure raises, so the DAG stops before the hand-off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketing.campaigns.assignment import arm_ranges
from marketing.campaigns.exceptions import CampaignRunError
from marketing.campaigns.schema import BUCKETS, Campaign
from spark_jobs.quality.suites import Check, Suite

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from clarion.settings import Settings

__all__ = ["CHECKS_TABLE", "audience_suite", "run"]

CHECKS_TABLE = "quality.campaign_audience_checks"
_SCHEMA = (
    "campaign_id string, run_id string, expectation string, `column` string, success boolean, "
    "observed_value string, details string"
)


def audience_suite(campaign: Campaign) -> Suite:
    """One user once; a known arm for everyone; buckets in range; holdout flag set; size cap."""
    arms = [a.arm for a in arm_ranges(campaign)]
    size = {"min_value": 0}
    if campaign.audience.max_size is not None:
        size["max_value"] = campaign.audience.max_size
    checks = (
        Check("ExpectColumnValuesToNotBeNull", {"column": "user_id"}),
        Check("ExpectColumnValuesToBeUnique", {"column": "user_id"}),
        Check("ExpectColumnValuesToNotBeNull", {"column": "variant"}),
        Check("ExpectColumnValuesToBeInSet", {"column": "variant", "value_set": arms}),
        Check("ExpectColumnValuesToNotBeNull", {"column": "is_holdout"}),
        Check("ExpectColumnValuesToNotBeNull", {"column": "locale"}),
        Check(
            "ExpectColumnValuesToBeBetween",
            {"column": "assignment_bucket", "min_value": 0, "max_value": BUCKETS - 1},
        ),
        Check("ExpectTableRowCountToBeBetween", size),
    )
    return Suite(f"campaign.{campaign.id}", "gold.campaign_audiences", checks)


def run(spark: SparkSession, settings: Settings, *, campaign: Campaign, run_id: str) -> int:
    """Validate the run's audience, record the results; returns the number of checks.

    Raises:
        CampaignRunError: a check failed (the results are recorded first).
    """
    from spark_jobs.campaign_audience import (
        AUDIENCES_TABLE,
        overwrite_run_partition,
        read_run_partition,
    )
    from spark_jobs.quality import validate_suite

    audience = read_run_partition(
        spark, uri=settings.table_uri(AUDIENCES_TABLE), campaign_id=campaign.id, run_id=run_id
    ).drop("campaign_id", "run_id")
    results = validate_suite(audience, audience_suite(campaign))
    rows = [
        (campaign.id, run_id, r.expectation, r.column, r.success, r.observed_value, r.details)
        for r in results
    ]
    uri = settings.table_uri(CHECKS_TABLE)
    frame = spark.createDataFrame(rows, _SCHEMA)
    overwrite_run_partition(frame, uri=uri, campaign_id=campaign.id, run_id=run_id)
    failures = [
        f"{r.expectation}({r.column or ''}) observed {r.observed_value}"
        for r in results
        if not r.success
    ]
    if failures:
        raise CampaignRunError(
            f"campaign {campaign.id} run {run_id}: {len(failures)} audience check(s) failed; "
            f"nothing is sent. See {uri}:\n  " + "\n  ".join(failures)
        )
    return len(results)
