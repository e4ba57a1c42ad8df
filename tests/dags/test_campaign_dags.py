"""Campaign DAGs: one generated DAG file per campaign file; a broken file breaks only its DAG."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from clarion.orchestration import AirflowHome
from clarion.orchestration.campaign_dag import dag_file_name, dag_file_source, dag_id_of
from marketing.campaigns import campaign_files, load_campaign
from tests.fixtures.spark import SHORT_LIVED_JVM
from tests.marketing.campaigns.conftest import AS_OF, SENT_AT, write_tiny_lake

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag

pytestmark = pytest.mark.airflow

RUNNER = Path(__file__).with_name("_run_campaign_dag.py")
TASKS = [
    "wait_for_gold_day",
    "build_audience",
    "check_audience",
    "publish_audience",
    "hand_off",
    "wait_for_attribution",
    "measure",
]


@pytest.fixture(scope="module")
def dag_bag(airflow_home: AirflowHome) -> DagBag:
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=airflow_home.dags_folder)


def test_every_campaign_file_has_its_generated_dag_file(airflow_home: AirflowHome) -> None:
    dags = airflow_home.dags_folder
    expected = {dag_file_name(p.stem): dag_file_source(p.stem) for p in campaign_files()}
    present = {p.name: p.read_text() for p in dags.glob("campaign_*.py")}
    assert present == expected, "run `clarion campaign dag-file <id>` for each campaign file"


def test_every_campaign_file_yields_its_dag(dag_bag: DagBag) -> None:
    assert dag_bag.import_errors == {}
    for path in campaign_files():
        campaign = load_campaign(path)
        dag = dag_bag.dags[dag_id_of(campaign.id)]
        # A file that targets by uplift scores it for the gold day before building its audience.
        uplift = ["score_uplift"] if campaign.audience.uplift is not None else []
        assert [t.task_id for t in dag.topological_sort()] == [TASKS[0], *uplift, *TASKS[1:]]
        assert {"clarion", "campaign", campaign.owner} <= set(dag.tags)
        assert campaign.name in (dag.doc_md or "") and dag.max_active_runs >= 1
        assert all(t.owner == campaign.owner and t.retries >= 1 for t in dag.tasks)
        assert dag.start_date is not None
        assert dag.end_date == campaign.end
        kind = campaign.schedule.kind
        timetable = type(dag.timetable).__name__
        expected = {
            "cron": "CronTriggerTimetable",
            "at": "OnceTimetable",
            "manual": "NullTimetable",
        }
        assert timetable == expected[kind]
        if kind == "cron":
            assert dag.timetable.expression == campaign.schedule.cron
        if kind == "at":
            assert dag.start_date == campaign.schedule.at
    # Runs stay open until attribution closes: daily with a 3-day window -> 4 may overlap.
    assert dag_bag.dags["campaign_cart_recovery_push"].max_active_runs == 4
    assert dag_bag.dags["campaign_winback_lapsed_buyers"].max_active_runs == 2
    persuadables = dag_bag.dags["campaign_hillstrom_persuadables"]
    assert persuadables.get_task("score_uplift").upstream_task_ids == {"wait_for_gold_day"}
    assert "`score_uplift` (trains on `hillstrom`" in (persuadables.doc_md or "")
    waits = dag_bag.dags["campaign_winback_lapsed_buyers"].get_task("wait_for_gold_day")
    assert [a.uri for a in waits.inlets] == ["clarion://gold/daily"]


def test_a_malformed_campaign_file_breaks_only_its_own_dag(
    airflow_home: AirflowHome, tmp_path: Path
) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dags, campaigns = tmp_path / "dags", tmp_path / "campaigns"
    dags.mkdir()
    campaigns.mkdir()
    for name in ("clarion_smoke.py", "daily_batch.py", "campaign_cart_recovery_push.py"):
        shutil.copy(airflow_home.dags_folder / name, dags / name)
    good = (Path(__file__).parents[2] / "campaigns" / "holiday_big_spenders.yaml").read_text()
    (campaigns / "good_one.yaml").write_text(
        good.replace("id: holiday_big_spenders", "id: good_one")
    )
    (campaigns / "broken_one.yaml").write_text(
        good.replace("id: holiday_big_spenders", "id: broken_one").replace(
            "holdout_percent: 5", "holdout_percent: 5\npriority: transactional"
        )
    )
    for campaign_id in ("good_one", "broken_one"):
        source = dag_file_source(campaign_id).replace(
            f'campaign_dag("{campaign_id}")',
            f'campaign_dag("{campaign_id}", folder=Path("{campaigns}"))',
        )
        (dags / dag_file_name(campaign_id)).write_text("from pathlib import Path\n" + source)

    bag = DagBag(dag_folder=dags)

    assert list(bag.import_errors) == [str(dags / "campaign_broken_one.py")]
    error = bag.import_errors[str(dags / "campaign_broken_one.py")]
    assert f"{campaigns / 'broken_one.yaml'}: priority: campaigns are always sent" in error
    assert set(bag.dags) == {
        "clarion_smoke",
        "clarion_daily_batch",
        "campaign_cart_recovery_push",
        "campaign_good_one",
    }


def _run_campaign_dag(
    airflow_home: AirflowHome,
    dag_file: Path,
    *,
    lake: Path,
    topic: str,
    sent_at: datetime,
    as_of: date,
) -> dict[str, Any]:
    """Run the file's campaign DAG once through Airflow (the real runner, in a subprocess) on
    ``lake``, intents to ``topic``, with a small Spark; its outcome after every task succeeded."""
    env = {
        **os.environ,
        **airflow_home.environ(),
        "CLARION_DELTA__ROOT": str(lake),
        "CLARION_KAFKA__INTENTS_TOPIC": topic,
        "CLARION_SPARK__MASTER": "local[2]",
        "CLARION_SPARK__SHUFFLE_PARTITIONS": "2",
        "CLARION_SPARK__DRIVER_MEMORY": "1g",
        "CLARION_SPARK__CONF": json.dumps({"spark.driver.extraJavaOptions": SHORT_LIVED_JVM}),
    }
    conf = json.dumps({"as_of": as_of.isoformat(), "sent_at": sent_at.isoformat()})
    dag_id = dag_file.stem
    run = subprocess.run(
        [sys.executable, str(RUNNER), str(dag_file), dag_id, sent_at.isoformat(), conf],
        env=env,
        cwd=lake.parent,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-6000:]
    outcome: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"{dag_id} task seconds:", outcome["seconds"])
    assert outcome["state"] == "success", (outcome, run.stderr[-6000:])
    assert set(outcome["tasks"].values()) == {"success"}
    return outcome


@pytest.mark.spark
@pytest.mark.kafka
@pytest.mark.cassandra
def test_a_campaign_dag_runs_end_to_end(
    airflow_home: AirflowHome, cassandra_session: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    from deltalake import DeltaTable

    from tests.fixtures.stack import unique_name
    from tests.speed_layer._harness import read_all

    lake, topic = tmp_path / "lake", unique_name("campaign_intents")
    write_tiny_lake(lake)
    dag_file = airflow_home.dags_folder / "campaign_cart_recovery_push.py"
    outcome = _run_campaign_dag(
        airflow_home, dag_file, lake=lake, topic=topic, sent_at=SENT_AT, as_of=AS_OF
    )
    assert set(outcome["tasks"]) == set(TASKS)

    results = outcome["results"]
    arms = results["build_audience"]
    assert set(arms) == {"reminder", "holdout"}
    audience = DeltaTable(str(lake / "gold/campaign_audiences")).to_pandas()
    # cart_abandoners (the first 200), score >= 0.3, reachable on push or in-app, not u000000000.
    assert len(audience) == sum(arms.values()) == sum(1 for i in range(1, 200) if i % 10 >= 3)
    assert audience["uplift"].isna().all()  # it does not target by uplift
    assert results["publish_audience"]["users"] == len(audience)
    stored = cassandra_session.execute(
        "SELECT count(*) FROM campaign_audiences WHERE campaign_id = %s AND run_id = %s "
        "AND bucket = 0",
        ("cart_recovery_push", results["wait_for_gold_day"]["run_id"]),
    ).one()
    assert stored[0] == len(audience)
    intents = read_all(kafka_bootstrap, topic)
    assert len(intents) == results["hand_off"]["intents"] == arms["reminder"]
    assert results["hand_off"]["holdout"] == arms["holdout"] > 0
    measured = DeltaTable(str(lake / "gold/campaign_results")).to_pandas()
    rates = measured[measured["metric"] == "conversion_rate"].set_index("arm")["value"]
    held = audience[audience["is_holdout"]]["user_id"]
    buyers = {f"u{i:09d}" for i in range(0, 300, 3)}
    assert rates["holdout"] == pytest.approx(held.isin(buyers).mean())
    assert Path(results["measure"]["report"]).is_file()


@pytest.mark.spark
@pytest.mark.kafka
@pytest.mark.cassandra
def test_an_uplift_campaign_dag_targets_the_best_predicted_uplift(
    airflow_home: AirflowHome, cassandra_session: Any, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """campaigns/hillstrom_persuadables.yaml (capped at 150 of 2,000 customers) through
    Airflow, on a lake holding the finished randomized hillstrom run it learns from."""
    import pandas as pd
    import yaml
    from deltalake import DeltaTable

    from marketing.campaigns import assignment_bucket
    from speed_layer.models.intent import Intent
    from tests.fixtures.stack import unique_name
    from tests.spark_jobs._hillstrom_lake import (
        SCORE_DAY,
        audience_rows,
        hillstrom_run,
        write_hillstrom_lake,
    )
    from tests.speed_layer._harness import read_all

    customers, size, campaign_id = 2_000, 150, "hillstrom_persuadables"
    lake, topic = tmp_path / "lake", unique_name("uplift_intents")
    run = hillstrom_run(customers)
    # Propensity scores that rank differently from uplift (the customer's past spend).
    history = run.features["history"]
    scores = pd.DataFrame(
        {
            "user_id": run.audience["user_id"],
            "as_of": SCORE_DAY,
            "score": (history / history.max()).to_numpy(),
            "model_version": "m1",
        }
    )
    newbies = run.audience["user_id"][run.features["newbie"] == 1].to_numpy()
    segments = pd.DataFrame({"user_id": newbies, "as_of": SCORE_DAY, "segment": "newbies"})
    write_hillstrom_lake(
        lake,
        run,
        history=audience_rows(run.audience, "hillstrom"),
        scores=scores,
        segments=segments,
    )
    # The repository's files, capped to fit the subset; the DAG reads them from here.
    repo_campaigns = Path(__file__).parents[2] / "campaigns"
    campaigns, dags = tmp_path / "campaigns", tmp_path / "dags"
    campaigns.mkdir()
    dags.mkdir()
    shutil.copy(repo_campaigns / "hillstrom.yaml", campaigns / "hillstrom.yaml")
    document = yaml.safe_load((repo_campaigns / f"{campaign_id}.yaml").read_text())
    document["audience"]["max_size"] = size
    (campaigns / f"{campaign_id}.yaml").write_text(yaml.safe_dump(document))
    source = dag_file_source(campaign_id).replace(
        f'campaign_dag("{campaign_id}")',
        f'campaign_dag("{campaign_id}", folder=Path("{campaigns}"))',
    )
    dag_file = dags / dag_file_name(campaign_id)
    dag_file.write_text("from pathlib import Path\n" + source)
    sent_at = datetime(2008, 4, 1, 9, tzinfo=UTC)

    outcome = _run_campaign_dag(
        airflow_home, dag_file, lake=lake, topic=topic, sent_at=sent_at, as_of=SCORE_DAY
    )

    assert set(outcome["tasks"]) == {*TASKS, "score_uplift"}
    results = outcome["results"]
    (model,) = DeltaTable(str(lake / "ml/uplift_models")).to_pandas().to_dict("records")
    assert (model["trained_on"], model["outcome"], model["as_of"]) == (
        "hillstrom",
        "visit",
        SCORE_DAY,
    )
    assert model["model_version"] == results["score_uplift"]["model_version"]
    assert model["train_rows"] == customers and list(model["run_ids"]) == ["2008_03_01"]
    scored = DeltaTable(str(lake / "gold/user_uplift")).to_pandas()
    assert set(scored["as_of"]) == {SCORE_DAY} and set(scored["model_version"]) == {
        model["model_version"]
    }
    assert len(scored) == results["score_uplift"]["scored"] == customers

    # Exactly the best `size` by uplift among those with uplift >= min_uplift (0), ties by
    # the assignment hash then the id, each with the uplift it was chosen by.
    eligible = scored[scored["uplift"] >= 0.0].assign(
        bucket=lambda f: [assignment_bucket(campaign_id, u) for u in f["user_id"]]
    )
    assert len(eligible) > size  # the cap binds
    best = eligible.sort_values(["uplift", "bucket", "user_id"], ascending=[False, True, True])
    expected = dict(zip(best["user_id"][:size], best["uplift"][:size], strict=True))
    audience = DeltaTable(str(lake / "gold/campaign_audiences")).to_pandas(
        filters=[("campaign_id", "=", campaign_id)]
    )
    assert dict(zip(audience["user_id"], audience["uplift"], strict=True)) == expected
    by_score = set(scores.nlargest(size, "score")["user_id"])
    assert len(by_score & set(expected)) < size // 2  # ranking by score would differ
    arms = results["build_audience"]
    assert sum(arms.values()) == size and set(arms) == {"follow_up", "holdout"}

    treated = set(audience["user_id"][~audience["is_holdout"]])
    intents = [Intent.from_json(r.value) for r in read_all(kafka_bootstrap, topic)]
    assert sorted(i.user_id for i in intents) == sorted(treated)
    assert len(treated) == arms["follow_up"] == results["hand_off"]["intents"]
    stored = cassandra_session.execute(
        "SELECT count(*) FROM campaign_audiences WHERE campaign_id = %s AND run_id = %s "
        "AND bucket = 0",
        (campaign_id, results["wait_for_gold_day"]["run_id"]),
    ).one()
    assert stored[0] == results["publish_audience"]["users"] == size
