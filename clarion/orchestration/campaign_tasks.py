"""A campaign run, one library function per DAG task (the campaign DAG factory wires them).

Every function takes the campaign file's path and the run's plan (a small
JSON-able dict from :func:`plan_run`), reloads the file (a task may run on
another worker, days later), builds or joins the process's SparkSession, and
returns a JSON-able summary for the task's XCom. Each rewrites exactly its
``(campaign_id, run_id)`` partition, so clearing and re-running any task is safe.

Nothing here imports pyspark, Kafka or Cassandra at module level.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from clarion.settings import Settings, load_settings
from marketing.campaigns.loader import load_campaign
from marketing.campaigns.schema import Campaign

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "attribution_closes_at",
    "build_audience",
    "check_audience",
    "hand_off",
    "measure",
    "plan_run",
    "publish_audience",
    "run_id_of",
    "score_uplift",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def run_id_of(dag_run_id: str) -> str:
    """A partition-safe run id from Airflow's: ``scheduled__2026-12-01T09:00:00+00:00`` ->
    ``scheduled__2026-12-01T09_00_00_00_00``; the same for every retry of the run."""
    return _UNSAFE.sub("_", dag_run_id).strip("_")


def plan_run(
    campaign: Campaign,
    *,
    dag_run_id: str,
    send_time: datetime,
    gold_days: list[str],
    conf: dict[str, Any] | None = None,
) -> dict[str, str] | None:
    """The run's ``run_id``, gold ``as_of`` and ``sent_at``, or None while its batch is not ready.

    A run sends at ``send_time`` (its logical date, or when it was triggered) from
    the gold snapshot of the day before, in the campaign's time zone: it waits
    until the daily batch has announced that day or a later one (``gold_days``,
    the ``as_of`` of ``clarion://gold/daily`` events). ``conf`` may pin
    ``as_of`` (a day whose batch an operator knows is good; no wait) and
    ``sent_at`` (ISO time, for re-running a past send).
    """
    conf = conf or {}
    sent_at = datetime.fromisoformat(conf["sent_at"]) if conf.get("sent_at") else send_time
    sent_at = sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)
    plan = {"run_id": run_id_of(dag_run_id), "sent_at": sent_at.astimezone(UTC).isoformat()}
    if conf.get("as_of"):
        return {**plan, "as_of": date.fromisoformat(str(conf["as_of"])).isoformat()}
    local_day = sent_at.astimezone(ZoneInfo(campaign.schedule.timezone)).date()
    needed = local_day - timedelta(days=1)
    ready = sorted(d for d in gold_days if date.fromisoformat(d) >= needed)
    return {**plan, "as_of": ready[-1]} if ready else None


def attribution_closes_at(campaign: Campaign, plan: dict[str, str]) -> datetime:
    """When every recipient's attribution window has closed."""
    return datetime.fromisoformat(plan["sent_at"]) + campaign.attribution.window


def _session(settings: Settings, campaign: Campaign, step: str) -> SparkSession:
    from spark_jobs.session import build_spark_session

    return build_spark_session(settings, app_name=f"clarion-campaign-{campaign.id}-{step}")


def score_uplift(
    *, campaign_file: str | Path, plan: dict[str, str], settings: Settings | None = None
) -> dict[str, Any]:
    """Train the uplift model the file names for the run's gold day and score every user.

    The source campaign is read from the same folder as ``campaign_file``; its
    model for that day is (re)trained from its finished runs and
    ``gold.user_uplift`` gets exactly that day's slice (rerun-safe).
    """
    from spark_jobs import uplift_scoring

    settings, campaign = settings or load_settings(), load_campaign(campaign_file)
    uplift = campaign.audience.uplift
    if uplift is None:
        return {"skipped": "the campaign file names no uplift model"}
    source = load_campaign(Path(campaign_file).parent / f"{uplift.from_campaign}.yaml")
    result: dict[str, Any] = uplift_scoring.run(
        _session(settings, campaign, "uplift"),
        settings,
        source=source,
        outcome=uplift.outcome,
        as_of=date.fromisoformat(plan["as_of"]),
    )
    return result


def build_audience(
    *, campaign_file: str | Path, plan: dict[str, str], settings: Settings | None = None
) -> dict[str, int]:
    """Replace the run's ``gold.campaign_audiences`` partition; users per arm."""
    from spark_jobs import campaign_audience

    settings, campaign = settings or load_settings(), load_campaign(campaign_file)
    counts = campaign_audience.run(
        _session(settings, campaign, "audience"),
        settings,
        campaign=campaign,
        run_id=plan["run_id"],
        as_of=date.fromisoformat(plan["as_of"]),
        sent_at=datetime.fromisoformat(plan["sent_at"]),
    )
    return dict(sorted(counts.items()))


def check_audience(
    *, campaign_file: str | Path, plan: dict[str, str], settings: Settings | None = None
) -> int:
    """Great Expectations on the run's audience; raises so nothing is sent if a check fails."""
    from spark_jobs import campaign_quality

    settings, campaign = settings or load_settings(), load_campaign(campaign_file)
    return campaign_quality.run(
        _session(settings, campaign, "check"), settings, campaign=campaign, run_id=plan["run_id"]
    )


def _audience(spark: SparkSession, settings: Settings, campaign: Campaign, run_id: str) -> Any:
    from spark_jobs.campaign_audience import AUDIENCES_TABLE, read_run_partition

    uri = settings.table_uri(AUDIENCES_TABLE)
    return read_run_partition(spark, uri=uri, campaign_id=campaign.id, run_id=run_id)


def publish_audience(
    *, campaign_file: str | Path, plan: dict[str, str], settings: Settings | None = None
) -> dict[str, int]:
    """Replace the run's partitions in Cassandra ``campaign_audiences``."""
    from clarion.stack.cassandra import cluster
    from spark_jobs.campaign_handoff import CassandraAudienceStore

    settings, campaign = settings or load_settings(), load_campaign(campaign_file)
    audience = _audience(
        _session(settings, campaign, "publish"), settings, campaign, plan["run_id"]
    )
    with cluster(settings) as connection:
        store = CassandraAudienceStore(connection.connect(), keyspace=settings.cassandra.keyspace)
        store.setup()
        result = store.write_run(audience, campaign_id=campaign.id, run_id=plan["run_id"])
    return {"users": result.users, "holdout": result.holdout, "shards": result.shards}


def hand_off(
    *, campaign_file: str | Path, plan: dict[str, str], settings: Settings | None = None
) -> dict[str, int]:
    """Produce the treated users' intents to ``notify.intents`` (holdout users get none)."""
    from spark_jobs.campaign_handoff import produce_intents

    settings, campaign = settings or load_settings(), load_campaign(campaign_file)
    audience = _audience(
        _session(settings, campaign, "handoff"), settings, campaign, plan["run_id"]
    )
    result = produce_intents(audience, campaign=campaign, run_id=plan["run_id"], settings=settings)
    return {"intents": result.users - result.holdout, "holdout": result.holdout}


def measure(
    *, campaign_file: str | Path, plan: dict[str, str], settings: Settings | None = None
) -> dict[str, Any]:
    """Replace the run's ``gold.campaign_results`` and write its HTML report."""
    from marketing.campaigns.report import write_report
    from spark_jobs import campaign_results

    settings, campaign = settings or load_settings(), load_campaign(campaign_file)
    results = campaign_results.run(
        _session(settings, campaign, "measure"), settings, campaign=campaign, run_id=plan["run_id"]
    )
    if not results:  # nobody matched the audience: nothing was sent, nothing to measure
        return {"report": None, "rows": 0, "conversion_lift": {}}
    report = write_report(
        campaign, run_id=plan["run_id"], results=results, state_dir=settings.state_dir
    )
    lifts = {
        f"{r.arm}.{r.metric}": r.absolute.estimate
        for r in results
        if r.absolute is not None and r.metric == "conversion_rate"
    }
    return {"report": str(report), "rows": len(results), "conversion_lift": lifts}
