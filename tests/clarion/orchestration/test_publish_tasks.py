"""The publish DAG names a batch-view version after the gold snapshot it publishes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from deltalake import write_deltalake

from clarion.orchestration.publish_tasks import snapshot_run_id
from clarion.settings import load_settings
from serving.publish import GOLD_TABLES


def test_the_run_id_changes_exactly_when_a_gold_table_is_rewritten(tmp_path: Path) -> None:
    settings = load_settings(environ={}, state_dir=tmp_path, delta={"root": str(tmp_path / "lake")})
    rows = pa.table({"user_id": ["u1"], "as_of": ["2026-11-27"]})
    for table in GOLD_TABLES.values():
        write_deltalake(settings.table_uri(table), rows)
    first = snapshot_run_id(settings)
    assert first == snapshot_run_id(settings)  # same snapshot: same version, a rerun resumes
    write_deltalake(settings.table_uri("gold.user_scores"), rows, mode="overwrite")
    assert snapshot_run_id(settings) != first  # the day was rewritten: a new version
    assert first.startswith("r") and len(first) <= 32
