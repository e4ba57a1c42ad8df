"""
# clarion_smoke

Proves that this Airflow can parse Clarion's DAGs, run tasks and hand data from
one task to the next. It touches no service and writes no table, so it is safe
to trigger at any time.

**When to run:** after setting up or upgrading Airflow (`clarion airflow prepare`),
or when other DAGs fail for no visible reason.

**What success looks like:** `sample_events` returns four events and
`count_by_type` returns `{"click": 1, "open": 1, "purchase": 2}`.

**If it fails:** the task log names the error. An import error means the
environment (`AIRFLOW_HOME`, the virtualenv) is not Clarion's; run
`eval "$(python -m clarion.orchestration env)"` and try again.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task


@dag(
    dag_id="clarion_smoke",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    tags=["clarion", "smoke"],
    doc_md=__doc__,
    default_args={"owner": "clarion-platform", "retries": 1, "retry_delay": timedelta(seconds=10)},
)
def clarion_smoke() -> None:
    @task
    def sample_events() -> list[dict[str, str]]:
        """A fixed handful of events, shaped like the `events` topic's."""
        return [
            {"event_id": "smoke-1", "user_id": "u1", "type": "open"},
            {"event_id": "smoke-2", "user_id": "u1", "type": "click"},
            {"event_id": "smoke-3", "user_id": "u2", "type": "purchase"},
            {"event_id": "smoke-4", "user_id": "u3", "type": "purchase"},
        ]

    @task
    def count_by_type(events: list[dict[str, str]]) -> dict[str, int]:
        """Events per type, from the upstream task's XCom."""
        return dict(sorted(Counter(e["type"] for e in events).items()))

    count_by_type(sample_events())


clarion_smoke()
