"""The smoke DAG runs on Clarion's migrated Airflow and hands data between tasks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clarion.orchestration import AirflowHome

pytestmark = pytest.mark.airflow

RUNNER = Path(__file__).with_name("_run_dag.py")


def test_smoke_dag_runs_to_success(airflow_home: AirflowHome, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(RUNNER), str(airflow_home.dags_folder / "clarion_smoke.py"),
         "clarion_smoke"],
        env={**os.environ, **airflow_home.environ()}, cwd=tmp_path,
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])

    assert outcome["state"] == "success", outcome
    assert outcome["tasks"] == {"sample_events": "success", "count_by_type": "success"}
    assert len(outcome["results"]["sample_events"]) == 4
    assert outcome["results"]["count_by_type"] == {"click": 1, "open": 1, "purchase": 2}
