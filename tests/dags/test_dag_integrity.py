"""Every DAG in dags/ imports cleanly and carries its runbook, tags, owner and retries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from clarion.orchestration import AirflowHome

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def dag_bag(airflow_home: AirflowHome) -> DagBag:
    from airflow.dag_processing.dagbag import DagBag  # after airflow_home set the environment

    return DagBag(dag_folder=airflow_home.dags_folder)


def test_dags_import_without_errors(dag_bag: DagBag) -> None:
    assert dag_bag.import_errors == {}
    assert "clarion_smoke" in dag_bag.dags


def test_every_dag_is_documented_tagged_owned_and_retried(dag_bag: DagBag) -> None:
    problems = []
    for dag_id, dag in sorted(dag_bag.dags.items()):
        if not (dag.doc_md or "").strip():
            problems.append(f"{dag_id}: no doc_md (use doc_md=__doc__)")
        if not dag.tags:
            problems.append(f"{dag_id}: no tags")
        for task in dag.tasks:
            if task.owner in ("", "airflow"):  # "airflow" is Airflow's default owner
                problems.append(f"{dag_id}.{task.task_id}: no owner")
            if not task.retries:
                problems.append(f"{dag_id}.{task.task_id}: no retries")
    assert problems == []
