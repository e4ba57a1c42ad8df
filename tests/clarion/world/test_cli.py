"""``clarion generate`` end to end on a tiny world, into a temporary lake."""

from __future__ import annotations

from pathlib import Path

import pytest
from deltalake import DeltaTable
from typer.testing import CliRunner

from clarion.cli import app
from clarion.world import WorldSpecError

runner = CliRunner()
ARGS = ["generate", "--users", "600", "--days", "2", "--start-date", "2026-04-01", "--seed", "3"]


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLARION_STATE_DIR", str(tmp_path))
    return tmp_path / "lake"


def _rows(path: Path) -> int:
    return int(DeltaTable(str(path)).to_pyarrow_table().num_rows)


def test_generate_writes_users_truth_and_raw_events(lake: Path) -> None:
    result = runner.invoke(app, [*ARGS, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "users: 600" in result.output
    assert "purchase" in result.output
    assert _rows(lake / "bronze" / "users") == 600
    assert _rows(lake / "truth" / "user_traits") == 600
    events = _rows(lake / "bronze" / "events")
    assert events > 600

    # --append adds a later window of events and keeps the people as they are.
    later = [*ARGS[:-4], "--start-date", "2026-04-03", "--seed", "3", "--append", "--no-progress"]
    result = runner.invoke(app, later)
    assert result.exit_code == 0, result.output
    assert "(kept)" in result.output
    assert _rows(lake / "bronze" / "users") == 600
    assert _rows(lake / "bronze" / "events") > events

    # --overwrite (the default) replaces everything.
    assert runner.invoke(app, [*ARGS, "--no-progress"]).exit_code == 0
    assert _rows(lake / "bronze" / "events") == events


def test_bad_values_raise_a_clarion_error(lake: Path) -> None:
    result = runner.invoke(app, [*ARGS[:-4], "--start-date", "April 1st"])
    assert isinstance(result.exception, WorldSpecError)
    assert "YYYY-MM-DD" in str(result.exception)
    result = runner.invoke(app, ["generate", "--users", "0"])
    assert isinstance(result.exception, WorldSpecError)
    assert not lake.exists()
