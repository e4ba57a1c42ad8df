"""
# clarion_daily_batch

The batch layer's daily run for one day `as_of` (the data interval's start):
Kafka `events` -> `bronze.events` -> `silver.events` / `silver.users` ->
`gold.user_features` -> model -> `gold.user_scores` -> `gold.user_segments`,
then Great Expectations checks, then the asset `clarion://gold/daily` that
tells the publisher (Redis batch view, Cassandra) a checked day is ready.

```
ingest_events >> clean_events >> update_users >> compute_features >> train_model
  >> score_users >> assign_segments >> check_quality >> publish_gold
```

**Idempotent:** every task rewrites exactly its `as_of` partitions (ingest is
exactly-once by Kafka offsets kept in `bronze.events`; clean also re-cleans the
two previous days, for late events). Clearing and re-running a task or a whole
day is always safe.

**Backfill:** `airflow dags backfill clarion_daily_batch -s 2026-11-01 -e 2026-11-07`
runs the days in order (`max_active_runs=1`; `silver.users` history needs order).

**If `check_quality` fails:** nothing is published. Read the failed expectations:
`quality.validation_results` (Delta, under the lake root), rows with this `as_of`
and `success = false`: suite, expectation, column, observed value.
Fix the data or the job, then clear the failed tasks.

**If `ingest_events` fails:** the broker is unreachable or the topic is missing
(`clarion stack up`, `CLARION_KAFKA__EVENTS_TOPIC`). Nothing was half-written.

The logic lives in `spark_jobs/daily.py`; this file only wires it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, Metadata, chain, dag, task

from clarion.orchestration.assets import gold_daily

GOLD_DAILY = gold_daily()
AS_OF = "{{ data_interval_start | ds }}"


@dag(
    dag_id="clarion_daily_batch",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    tags=["clarion", "batch", "gold"],
    doc_md=__doc__,
    default_args={
        "owner": "clarion-data",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "execution_timeout": timedelta(hours=3),
    },
)
def clarion_daily_batch() -> None:
    @task
    def ingest_events() -> dict[str, Any]:
        from spark_jobs import daily

        return daily.ingest_events()

    @task
    def clean_events(as_of: str) -> dict[str, Any]:
        from spark_jobs import daily

        return daily.clean_events(as_of=as_of)

    @task
    def update_users(as_of: str) -> int:
        from spark_jobs import daily

        return daily.update_users(as_of=as_of)

    @task
    def compute_features(as_of: str) -> int:
        from spark_jobs import daily

        return daily.compute_features(as_of=as_of)

    @task
    def train_model(as_of: str) -> dict[str, Any]:
        from spark_jobs import daily

        return daily.train_model(as_of=as_of)

    @task
    def score_users(as_of: str) -> int:
        from spark_jobs import daily

        return daily.score_users(as_of=as_of)

    @task
    def assign_segments(as_of: str) -> int:
        from spark_jobs import daily

        return daily.assign_segments(as_of=as_of)

    @task
    def check_quality(as_of: str) -> dict[str, Any]:
        from spark_jobs import daily

        return daily.check_quality(as_of=as_of)

    @task(outlets=[GOLD_DAILY])
    def publish_gold(as_of: str):  # type: ignore[no-untyped-def]
        """Emit the asset event (with the day) that starts the publisher."""
        yield Metadata(GOLD_DAILY, {"as_of": as_of})

    chain(
        ingest_events(),
        clean_events(AS_OF),
        update_users(AS_OF),
        compute_features(AS_OF),
        train_model(AS_OF),
        score_users(AS_OF),
        assign_segments(AS_OF),
        check_quality(AS_OF),
        publish_gold(AS_OF),
    )


clarion_daily_batch()
