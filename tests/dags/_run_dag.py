"""Run one DAG once with ``dag.test()`` and print the outcome as one JSON line.

Usage: python _run_dag.py <dag file or folder> <dag_id>. Run by test_smoke_dag.py
in a subprocess whose environment is the prepared Airflow home's.
"""

from __future__ import annotations

import json
import sys


def main(dag_path: str, dag_id: str) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    bag = DagBag(dag_folder=dag_path)
    if dag_id not in bag.dags:
        raise SystemExit(f"{dag_id} not found in {dag_path}; import errors: {bag.import_errors}")
    run = bag.dags[dag_id].test()
    with create_session() as session:
        tasks = {ti.task_id: ti.state for ti in run.get_task_instances(session=session)}
        rows = session.scalars(
            XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, key="return_value")
        ).all()
        results = {row.task_id: XComModel.deserialize_value(row) for row in rows}
    outcome = {"run_id": run.run_id, "state": run.state, "tasks": tasks, "results": results}
    print(json.dumps(outcome, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
