"""Campaigns as code: the file schema, loading, templates, assignment, results and reports.

Pure Python (pydantic, Jinja, matplotlib for the report): the Spark jobs
(``spark_jobs.campaign_*``), the DAG factory (``clarion.orchestration.campaign_dag``)
and the CLI (``marketing.cli``) build on it.
"""

from marketing.campaigns._durations import format_duration, parse_duration
from marketing.campaigns.assignment import ArmRange, arm_of, arm_ranges, assignment_bucket
from marketing.campaigns.exceptions import CampaignDefinitionError, CampaignRunError
from marketing.campaigns.loader import (
    campaign_files,
    default_campaigns_dir,
    load_campaign,
    load_campaigns,
)
from marketing.campaigns.report import render_report, report_path, write_report
from marketing.campaigns.results import ArmTotals, MetricResult, arm_summaries, measure_run
from marketing.campaigns.schema import BUCKETS, HOLDOUT, Campaign, MessageTemplate, Variant
from marketing.campaigns.templates import render_message, resolve_locale

__all__ = [
    "BUCKETS",
    "HOLDOUT",
    "ArmRange",
    "ArmTotals",
    "Campaign",
    "CampaignDefinitionError",
    "CampaignRunError",
    "MessageTemplate",
    "MetricResult",
    "Variant",
    "arm_of",
    "arm_ranges",
    "arm_summaries",
    "assignment_bucket",
    "campaign_files",
    "default_campaigns_dir",
    "format_duration",
    "load_campaign",
    "load_campaigns",
    "measure_run",
    "parse_duration",
    "render_message",
    "render_report",
    "report_path",
    "resolve_locale",
    "write_report",
]
