"""Run a DAG for given days with ``dag.test()``: the demo's and the tests' way to run DAGs.

``dag.test()`` runs every task in this process against the metadata database,
with no scheduler. :func:`run_dag_days` starts a fresh Python process with the
Airflow home's environment (Airflow reads its configuration at import, so it must
not be imported by the caller first), runs the days in order there and returns
one :class:`DagRunOutcome` per day. A day may be given twice: ``dag.test()``
clears the run it finds for that logical date and runs it again.

For a DAG on a daily data-interval timetable, the run whose data interval starts
on day D is triggered at D + 1 day, so that is the logical date used.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from clarion.orchestration._airflow_home import AirflowHome
from clarion.orchestration.exceptions import OrchestrationError

__all__ = ["DagRunOutcome", "run_dag_days", "run_days_here"]


@dataclass(frozen=True)
class DagRunOutcome:
    """One ``dag.test()`` run: its day, state, each task's state and return value.

    ``tables`` maps each table asked for to its Delta ``version`` and its row count
    as Spark reads it (``spark_rows``) right after this run (empty if not asked).
    """

    as_of: str
    data_interval_start: str
    state: str
    tasks: dict[str, str]
    results: dict[str, Any]
    tables: dict[str, dict[str, int]]

    @property
    def succeeded(self) -> bool:
        return (
            self.state == "success" and bool(self.tasks) and set(self.tasks.values()) == {"success"}
        )


def _table_states(names: Sequence[str]) -> dict[str, dict[str, int]]:
    from clarion.settings import load_settings
    from spark_jobs.session import build_spark_session

    settings = load_settings()
    spark = build_spark_session(settings, app_name="clarion-dag-readback")
    seen = {}
    for name in names:
        uri = settings.table_uri(name)
        latest = spark.sql(f"DESCRIBE HISTORY delta.`{uri}` LIMIT 1").first()
        if latest is None:
            raise OrchestrationError(f"{name} at {uri} has no Delta history")
        rows = spark.read.format("delta").load(uri).count()
        seen[name] = {"version": int(latest["version"]), "spark_rows": rows}
    return seen


def run_days_here(
    dag_file: Path,
    dag_id: str,
    days: Sequence[str],
    *,
    tables: Sequence[str] = (),
    conf: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run the days in this process (which must have the Airflow home's environment)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    bag = DagBag(dag_folder=str(dag_file))
    if dag_id not in bag.dags:
        raise OrchestrationError(
            f"DAG {dag_id!r} not found in {dag_file}; import errors: {bag.import_errors}"
        )
    outcomes: list[dict[str, Any]] = []
    for day in days:
        start = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)
        run = bag.dags[dag_id].test(
            logical_date=start + timedelta(days=1), run_conf=dict(conf) if conf else None
        )
        with create_session() as session:
            tasks = {ti.task_id: ti.state for ti in run.get_task_instances(session=session)}
            rows: list[Any] = list(
                session.scalars(
                    XComModel.get_many(run_id=run.run_id, dag_ids=dag_id, key="return_value")
                ).all()
            )
            results = {row.task_id: XComModel.deserialize_value(row) for row in rows}
        if not tasks:
            dag = bag.dags[dag_id]
            raise OrchestrationError(
                f"{dag_id} ran no task for {day}: is the day outside the DAG's dates "
                f"(start_date {dag.start_date}, end_date {dag.end_date})?"
            )
        outcome = DagRunOutcome(
            as_of=day,
            data_interval_start=str(run.data_interval_start),
            state=str(run.state),
            tasks={k: str(v) for k, v in tasks.items()},
            results=results,
            tables={},
        )
        if outcome.succeeded and tables:
            outcome = DagRunOutcome(**{**outcome.__dict__, "tables": _table_states(tables)})
        outcomes.append(outcome.__dict__)
    return outcomes


def run_dag_days(
    home: AirflowHome,
    dag_file: Path,
    dag_id: str,
    days: Sequence[str],
    *,
    env: Mapping[str, str],
    tables: Sequence[str] = (),
    conf: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    log_file: Path | None = None,
    timeout: float = 3600,
) -> list[DagRunOutcome]:
    """Run ``dag_id`` of ``dag_file`` for each day, in order, in a fresh process.

    Args:
        home: the prepared Airflow home (its environment is added to ``env``).
        env: the child's environment (e.g. ``os.environ`` plus ``CLARION_*`` overrides).
        tables: Delta tables whose version and Spark row count to record after each run.
        conf: the runs' conf (``params`` of the DAG), e.g. ``{"as_of": "2026-11-09"}``.
        log_file: where the child's log (Airflow's task logs, Spark's) goes; by default
            a temporary file whose tail is put in the error when the child fails.

    Raises:
        OrchestrationError: the child process failed (not: a run ended in failure;
            look at :attr:`DagRunOutcome.succeeded`).
    """
    with tempfile.TemporaryDirectory(prefix="clarion-dag-runs-") as scratch:
        result = Path(scratch) / "outcomes.json"
        log = log_file or Path(scratch) / "dag_runs.log"
        command = [
            sys.executable, "-m", "clarion.orchestration", "run-days", str(dag_file), dag_id,
            *days, "--out", str(result), *(["--tables", ",".join(tables)] if tables else []),
            *(["--conf", json.dumps(dict(conf))] if conf else []),
        ]  # fmt: skip
        with log.open("w") as sink:
            done = subprocess.run(
                command, env={**env, **home.environ()}, cwd=cwd, stdout=sink,
                stderr=subprocess.STDOUT, timeout=timeout,
            )  # fmt: skip
        if done.returncode != 0 or not result.exists():
            tail = log.read_text(errors="replace")[-6000:]
            raise OrchestrationError(
                f"running {dag_id} for {', '.join(days)} failed (exit {done.returncode}); "
                f"log: {log_file or 'not kept'}\n{tail}"
            )
        return [DagRunOutcome(**o) for o in json.loads(result.read_text())]
