"""Run one campaign DAG once with ``dag.test()`` and print the outcome as one JSON line.

Usage: python _run_campaign_dag.py <dag file> <dag_id> <logical date ISO> <run conf JSON>.
Run by test_campaign_dags.py in a subprocess whose environment is the prepared
Airflow home's, with the lake and the intents topic pointed at the test's own.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime


def main(dag_path: str, dag_id: str, logical_date: str, conf: str) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    bag = DagBag(dag_folder=dag_path)
    if dag_id not in bag.dags:
        raise SystemExit(f"{dag_id} not found in {dag_path}; import errors: {bag.import_errors}")
    run = bag.dags[dag_id].test(
        logical_date=datetime.fromisoformat(logical_date), run_conf=json.loads(conf)
    )
    with create_session() as session:
        instances = run.get_task_instances(session=session)
        tasks = {ti.task_id: ti.state for ti in instances}
        seconds = {ti.task_id: ti.duration for ti in instances}
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, key="return_value")
        ).all()
        results = {row.task_id: XComModel.deserialize_value(row) for row in rows}
    outcome = {
        "run_id": run.run_id,
        "state": run.state,
        "tasks": tasks,
        "results": results,
        "seconds": seconds,
    }
    print(json.dumps(outcome, default=str), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
