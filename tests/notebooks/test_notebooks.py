"""Every analyst notebook runs top to bottom on a lake made by the real daily batch DAG."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tests.fixtures.batch import DailyBatchLake

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ON_THE_DAILY_LAKE = ("segment_explorer", "model_quality")
ON_A_MEASURED_CAMPAIGN = ("campaign_results",)


def test_the_notebooks_are_the_ones_the_builder_writes() -> None:
    from notebooks._build.build_notebooks import NOTEBOOKS as BUILT

    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(BUILT)
    for name, cells in BUILT.items():
        committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in cells()], (
            f"notebooks/{name}.ipynb differs from its source: run "
            "python notebooks/_build/build_notebooks.py"
        )


@pytest.mark.spark
@pytest.mark.airflow
@pytest.mark.kafka
@pytest.mark.parametrize("name", ON_THE_DAILY_LAKE)
def test_notebook_runs(
    name: str, daily_batch_lake: DailyBatchLake, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _execute(name, lake_root=daily_batch_lake.settings.lake_root, out=tmp_path, env=monkeypatch)


@pytest.mark.spark
@pytest.mark.parametrize("name", ON_A_MEASURED_CAMPAIGN)
def test_campaign_notebook_runs(
    name: str, spark, spark_settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """On the Hillstrom experiment measured as a campaign run by the campaign DAGs' job."""
    from deltalake import write_deltalake

    from marketing.campaigns import load_campaign
    from marketing.campaigns.loader import default_campaigns_dir
    from marketing.hillstrom import hillstrom_campaign_run, load_hillstrom
    from spark_jobs import campaign_results
    from spark_jobs.campaign_audience import AUDIENCES_TABLE

    delta = spark_settings.delta.model_copy(update={"root": str(tmp_path / "lake")})
    settings = spark_settings.model_copy(update={"delta": delta})
    audience, events = hillstrom_campaign_run(
        load_hillstrom(), run_id="2008_03_01", sent_at=pd.Timestamp("2008-03-01 09:00")
    )
    write_deltalake(
        settings.table_uri(AUDIENCES_TABLE), audience, partition_by=["campaign_id", "run_id"]
    )
    write_deltalake(settings.table_uri("silver.events"), events)
    campaign = load_campaign(default_campaigns_dir() / "hillstrom.yaml")
    campaign_results.run(spark, settings, campaign=campaign, run_id="2008_03_01")
    _execute(name, lake_root=settings.lake_root, out=tmp_path, env=monkeypatch)


def _execute(name: str, *, lake_root: str, out: Path, env: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient

    env.setenv("CLARION_DELTA__ROOT", lake_root)
    env.setenv("CLARION_SPARK__MASTER", "local[2]")
    env.setenv("CLARION_SPARK__SHUFFLE_PARTITIONS", "2")
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(out)}},
    ).execute()
    images = [
        o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]  # fmt: skip
    assert images, f"{name} drew no plot"
    nbformat.write(notebook, out / f"{name}.executed.ipynb")
