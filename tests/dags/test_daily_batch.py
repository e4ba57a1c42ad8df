"""The daily batch DAG end to end with ``dag.test()`` on the real Kafka, Spark and Delta.

The runs come from the session fixture ``daily_batch_lake`` (tests/fixtures/batch.py):
a world whose last two days arrive through Kafka, the DAG backfilled for those two
days and then rerun for the last one. Everything is checked from this process with
Spark's other engine, delta-rs:

- every run succeeds and ingests each Kafka event exactly once;
- rerunning the same ``as_of`` leaves every table with exactly the same rows
  (while the daily partitions were really rewritten);
- every table reads back through delta-rs with the row count Spark saw;
- the promoted model reaches holdout AUC >= 0.75, and its scores a Spearman
  correlation >= 0.5 with the generator's hidden purchase propensity.
"""

from __future__ import annotations

from datetime import date

import pytest

from clarion.orchestration import AirflowHome
from tests.fixtures.batch import DAILY_TABLES, DAILY_TASKS, DailyBatchLake

pytestmark = [pytest.mark.airflow, pytest.mark.spark, pytest.mark.kafka]

GOLD = ("gold.user_features", "gold.user_scores", "gold.user_segments")


def _rows(uri: str, version: int | None = None) -> list[str]:
    from deltalake import DeltaTable

    return sorted(map(str, DeltaTable(uri, version=version).to_pyarrow_table().to_pylist()))


def test_dag_shape_and_wiring(airflow_home: AirflowHome) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=airflow_home.dags_folder / "daily_batch.py").dags["clarion_daily_batch"]
    assert tuple(t.task_id for t in dag.topological_sort()) == DAILY_TASKS
    assert [o.uri for o in dag.get_task("publish_gold").outlets] == ["clarion://gold/daily"]
    assert all(t.retries >= 1 and t.owner == "clarion-data" for t in dag.tasks)


def test_every_run_succeeds_and_ingests_each_event_once(daily_batch_lake: DailyBatchLake) -> None:
    lake = daily_batch_lake
    for outcome, day in zip(lake.runs, lake.days, strict=True):
        assert outcome.state == "success", (outcome, f"log: {lake.log}")
        assert outcome.data_interval_start.startswith(day)
        assert outcome.tasks == dict.fromkeys(DAILY_TASKS, "success")
        assert outcome.results["compute_features"] == lake.users
        assert outcome.results["score_users"] == lake.users
        assert outcome.results["check_quality"]["failures"] == []
    ingested = [r.results["ingest_events"]["rows"] for r in lake.runs]
    assert ingested == [lake.produced, 0, 0]


def test_the_same_as_of_twice_leaves_every_table_unchanged(
    daily_batch_lake: DailyBatchLake,
) -> None:
    lake = daily_batch_lake
    _, second, rerun = lake.runs
    for table in DAILY_TABLES:
        uri = lake.settings.table_uri(table)
        before, after = second.tables[table]["version"], rerun.tables[table]["version"]
        assert _rows(uri, version=before) == _rows(uri), f"{table} changed on a rerun"
        if table in GOLD:
            assert after > before, f"{table}: the rerun did not rewrite its partition"
    registry = [r.tables["ml.model_registry"]["version"] for r in (second, rerun)]
    assert registry[0] == registry[1], "retraining on the same rows must change nothing"


def test_every_table_reads_back_through_delta_rs(daily_batch_lake: DailyBatchLake) -> None:
    from deltalake import DeltaTable

    lake, last = daily_batch_lake, daily_batch_lake.runs[-1]
    for table in DAILY_TABLES:
        delta_rs = DeltaTable(lake.settings.table_uri(table)).to_pyarrow_table().num_rows
        assert delta_rs == last.tables[table]["spark_rows"], table
        assert delta_rs > 0 or table == "silver.quarantine", table
    for table in GOLD:
        arrow = DeltaTable(lake.settings.table_uri(table)).to_pyarrow_table(columns=["as_of"])
        assert sorted({str(d) for d in arrow.column("as_of").to_pylist()}) == sorted(
            set(lake.days)
        ), table


def test_the_promoted_model_learns_the_hidden_propensity(
    daily_batch_lake: DailyBatchLake,
) -> None:
    from deltalake import DeltaTable

    from spark_jobs._evaluation import spearman

    lake = daily_batch_lake
    registry = DeltaTable(lake.settings.table_uri("ml.model_registry")).to_pandas()
    assert sorted(registry["model_version"]) == [
        f"propensity-{date.fromisoformat(d):%Y%m%d}" for d in sorted(set(lake.days))
    ]
    model = registry[registry["as_of"].astype(str) == lake.as_of.isoformat()].iloc[0]
    scores = DeltaTable(lake.settings.table_uri("gold.user_scores")).to_pandas(
        filters=[("as_of", "=", lake.as_of)]
    )
    truth = DeltaTable(lake.settings.table_uri("truth.user_traits")).to_pandas()
    joined = scores.merge(truth, on="user_id")
    assert len(joined) == lake.users
    assert set(scores["model_version"]) == {model["model_version"]}
    rho = spearman(joined["score"].to_numpy(), joined["purchase_propensity"].to_numpy())
    print(f"\n{model['model_version']}: holdout AUC {model['auc']:.4f}, Spearman {rho:.4f}")
    assert model["status"] == "promoted"
    assert model["auc"] >= 0.75, model.to_dict()
    assert rho >= 0.5, rho
