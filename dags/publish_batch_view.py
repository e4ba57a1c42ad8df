"""
# clarion_publish_batch_view

Runs when `clarion_daily_batch` announces a checked gold day (the asset
`clarion://gold/daily`, whose event carries the day as `as_of`), or by hand with
`{"as_of": "YYYY-MM-DD"}` as the run's conf.

`publish`: the day's `gold.user_features`, `gold.user_scores` and
`gold.user_segments` become a new version of the Redis batch view (readers switch
to it atomically, old versions expire) and rows of the Cassandra copy; then the
dispatcher's preference store is seeded from `silver.users`.

**Idempotent and resumable:** a crash midway followed by a rerun completes the
same version exactly once; rerunning a published day changes nothing.

**If it fails:** Redis or Cassandra is unreachable (`clarion stack status`), or
the day has no gold snapshot (run `clarion_daily_batch` for it first).

The logic lives in `clarion/orchestration/publish_tasks.py` and `serving/publish/`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Param, dag, task

from clarion.orchestration.assets import gold_daily


@dag(
    dag_id="clarion_publish_batch_view",
    schedule=[gold_daily()],
    start_date=datetime(2026, 11, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["clarion", "serving", "publish"],
    doc_md=__doc__,
    params={"as_of": Param(None, type=["null", "string"], description="YYYY-MM-DD")},
    default_args={
        "owner": "clarion-serving",
        "retries": 3,
        "retry_delay": timedelta(minutes=1),
        "execution_timeout": timedelta(hours=2),
    },
)
def clarion_publish_batch_view() -> None:
    @task(inlets=[gold_daily()])
    def publish(**context: Any) -> dict[str, Any]:
        from clarion.orchestration.publish_tasks import publish_batch_view

        as_of = context["params"].get("as_of")
        events = context.get("triggering_asset_events") or {}
        for asset_events in events.values():
            for event in asset_events:
                as_of = (event.extra or {}).get("as_of", as_of)
        if not as_of:
            raise ValueError("no as_of: trigger with conf {'as_of': 'YYYY-MM-DD'}")
        return publish_batch_view(as_of=str(as_of))

    publish()


clarion_publish_batch_view()
