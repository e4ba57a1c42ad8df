"""The campaign DAG factory: one campaign file -> one Airflow DAG ``campaign_<id>``.

Each campaign has its own tiny DAG file ``dags/campaign_<id>.py`` that calls
:func:`campaign_dag`; Airflow records import errors per Python file, so a broken
campaign file breaks only its own DAG (docs/adr/0011). The DAG wires tasks that
call :mod:`clarion.orchestration.campaign_tasks`::

    wait_for_gold_day [>> score_uplift] >> build_audience >> check_audience
      >> publish_audience >> hand_off >> wait_for_attribution >> measure

``score_uplift`` is there only when the file targets by uplift (``audience.uplift``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marketing.campaigns import format_duration
from marketing.campaigns.loader import default_campaigns_dir, load_campaign
from marketing.campaigns.schema import Campaign

if TYPE_CHECKING:
    from airflow.sdk import DAG

__all__ = [
    "campaign_dag",
    "campaign_doc",
    "dag_file_name",
    "dag_file_source",
    "dag_id_of",
    "max_active_runs",
]

RETRIES = 2
GOLD_WAIT = timedelta(hours=12)


def dag_id_of(campaign_id: str) -> str:
    """``campaign_<id>``."""
    return f"campaign_{campaign_id}"


def dag_file_name(campaign_id: str) -> str:
    """``campaign_<id>.py``: the DAG file of a campaign in ``dags/``."""
    return f"{dag_id_of(campaign_id)}.py"


def dag_file_source(campaign_id: str) -> str:
    """The whole text of ``dags/campaign_<id>.py`` (the integrity test checks it verbatim)."""
    return f'''"""Airflow DAG of campaigns/{campaign_id}.yaml (doc_md is built from the file).

One small file per campaign, so a broken campaign file is an import error of this
DAG only (docs/adr/0011). Written by `clarion campaign dag-file {campaign_id}`.
"""

from clarion.orchestration.campaign_dag import campaign_dag

dag = campaign_dag("{campaign_id}")
'''


def campaign_doc(campaign: Campaign, path: Path) -> str:
    """The DAG's runbook (``doc_md``), from the campaign file."""
    segments = campaign.audience.segments
    schedule = campaign.schedule
    when = {
        "cron": f"`{schedule.cron}` ({schedule.timezone})",
        "at": f"once at {schedule.at}",
        "manual": "manual trigger only",
    }[schedule.kind]
    variants = ", ".join(f"{v.name} {v.weight:g} %" for v in campaign.variants)
    end = f"{campaign.end:%Y-%m-%d}" if campaign.end else "no end"
    window = format_duration(campaign.attribution.window)
    audience, targeting, uplift_step = campaign.audience, "", ""
    if (uplift := audience.uplift) is not None:
        minimum = "none" if audience.min_uplift is None else f"{audience.min_uplift:g}"
        targeting = (
            f"| uplift | model trained on `{uplift.from_campaign}` ({uplift.outcome}), "
            f"min {minimum}, rank by {audience.rank_by} |\n"
        )
        uplift_step = (
            f"`score_uplift` (trains on `{uplift.from_campaign}`'s finished runs, "
            "writes `gold.user_uplift`, Qini in `ml.uplift_models`) → "
        )
    return f"""# {campaign.name} (`{campaign.id}`)

{campaign.description}

| | |
|---|---|
| file | `campaigns/{path.name}` |
| owner | {campaign.owner} |
| schedule | {when}, from {campaign.start:%Y-%m-%d} to {end} |
| audience | segments {list(segments.include) or "all"}, not {list(segments.exclude) or "none"} |
| variants | {variants}; holdout {campaign.holdout_percent:g} % |
| channels | {", ".join(campaign.channels)} |
| attribution | `{campaign.attribution.conversion_event}` within {window} |
{targeting}
**Flow:** `wait_for_gold_day` (asset `clarion://gold/daily` for the day before the
send) → {uplift_step}`build_audience` (`gold.campaign_audiences`, hash-based split) →
`check_audience` (Great Expectations) → `publish_audience` (Cassandra) →
`hand_off` (intents to `notify.intents`, holdout gets none) →
`wait_for_attribution` → `measure` (`gold.campaign_results`, HTML report under
`.clarion/reports/{campaign.id}/`).

**Idempotent:** every task rewrites exactly its `(campaign_id, run_id)` partition;
intents carry `campaign:{campaign.id}:<run_id>:<user_id>` keys, so a re-run never
sends twice. Clear and re-run any task safely.

**Re-run a past send** on a known-good gold day: trigger with conf
`{{"as_of": "YYYY-MM-DD", "sent_at": "YYYY-MM-DDTHH:MM:SS+00:00"}}` (skips the wait).

**If `check_audience` fails:** nothing was sent. Read
`quality.campaign_audience_checks` for this campaign and run. **If the DAG is an
import error:** run `clarion campaign validate campaigns/{path.name}`.
"""


def max_active_runs(campaign: Campaign) -> int:
    """Runs that may overlap: a run stays open until its attribution window closes, so a
    weekly campaign with a 14-day window needs 3 runs at once (sensors wait in reschedule
    mode and hold no worker slot). Each run writes only its own partitions.
    """
    from croniter import croniter

    if campaign.schedule.cron is None:
        return 1
    fires = croniter(campaign.schedule.cron, campaign.start)
    first, second = fires.get_next(datetime), fires.get_next(datetime)
    interval = max(second - first, timedelta(minutes=1))
    return min(16, math.ceil(campaign.attribution.window / interval) + 1)


def _schedule(campaign: Campaign) -> tuple[Any, datetime]:
    from airflow.sdk import CronTriggerTimetable

    schedule = campaign.schedule
    if schedule.cron is not None:
        return CronTriggerTimetable(schedule.cron, timezone=schedule.timezone), campaign.start
    if schedule.at is not None:
        return "@once", schedule.at
    return None, campaign.start


def campaign_dag(campaign_id: str, *, folder: Path | None = None) -> DAG:
    """Build the DAG of ``campaigns/<campaign_id>.yaml``.

    Raises:
        CampaignDefinitionError: the file is invalid; Airflow shows it as this
            DAG file's import error, with the file, field and problem.
    """
    from airflow.sdk import DAG, PokeReturnValue, chain, task

    from clarion.orchestration.assets import gold_daily

    path = (folder or default_campaigns_dir()) / f"{campaign_id}.yaml"
    campaign = load_campaign(path)
    file = str(path)
    gold = gold_daily()
    schedule, start = _schedule(campaign)
    with DAG(
        dag_id=dag_id_of(campaign.id),
        schedule=schedule,
        start_date=start.astimezone(UTC),
        end_date=campaign.end.astimezone(UTC) if campaign.end else None,
        catchup=False,
        max_active_runs=max_active_runs(campaign),
        tags=["clarion", "campaign", campaign.owner],
        doc_md=campaign_doc(campaign, path),
        description=campaign.name,
        params={"as_of": None, "sent_at": None},
        default_args={
            "owner": campaign.owner,
            "retries": RETRIES,
            "retry_delay": timedelta(minutes=5),
            "execution_timeout": timedelta(hours=4),
        },
    ) as dag:

        @task.sensor(
            poke_interval=600, timeout=GOLD_WAIT.total_seconds(), mode="reschedule", inlets=[gold]
        )
        def wait_for_gold_day(**context: Any) -> PokeReturnValue:
            """Ready when the batch announced the gold day before the send (or conf pins one)."""
            from clarion.orchestration.campaign_tasks import plan_run

            run = context["dag_run"]
            latest = list(context["inlet_events"][gold][-1:])
            days = [str(e.extra["as_of"]) for e in latest if "as_of" in (e.extra or {})]
            send_time = run.logical_date or run.run_after
            plan = plan_run(
                campaign,
                dag_run_id=run.run_id,
                send_time=send_time,
                gold_days=days,
                conf=dict(context["params"]),
            )
            return PokeReturnValue(is_done=plan is not None, xcom_value=plan)

        @task
        def score_uplift(plan: dict[str, str]) -> dict[str, Any]:
            from clarion.orchestration import campaign_tasks

            return campaign_tasks.score_uplift(campaign_file=file, plan=plan)

        @task
        def build_audience(plan: dict[str, str]) -> dict[str, int]:
            from clarion.orchestration import campaign_tasks

            return campaign_tasks.build_audience(campaign_file=file, plan=plan)

        @task
        def check_audience(plan: dict[str, str]) -> int:
            from clarion.orchestration import campaign_tasks

            return campaign_tasks.check_audience(campaign_file=file, plan=plan)

        @task
        def publish_audience(plan: dict[str, str]) -> dict[str, int]:
            from clarion.orchestration import campaign_tasks

            return campaign_tasks.publish_audience(campaign_file=file, plan=plan)

        @task
        def hand_off(plan: dict[str, str]) -> dict[str, int]:
            from clarion.orchestration import campaign_tasks

            return campaign_tasks.hand_off(campaign_file=file, plan=plan)

        window = campaign.attribution.window

        @task.sensor(
            poke_interval=3600,
            timeout=(window + timedelta(days=2)).total_seconds(),
            mode="reschedule",
        )
        def wait_for_attribution(plan: dict[str, str]) -> bool:
            """Done once every recipient's attribution window has closed."""
            from clarion.orchestration.campaign_tasks import attribution_closes_at

            return datetime.now(UTC) >= attribution_closes_at(campaign, plan)

        @task
        def measure(plan: dict[str, str]) -> dict[str, Any]:
            from clarion.orchestration import campaign_tasks

            return campaign_tasks.measure(campaign_file=file, plan=plan)

        plan = wait_for_gold_day()
        uplift = [score_uplift(plan)] if campaign.audience.uplift is not None else []
        chain(
            plan,
            *uplift,
            build_audience(plan),
            check_audience(plan),
            publish_audience(plan),
            hand_off(plan),
            wait_for_attribution(plan),
            measure(plan),
        )
    return dag
