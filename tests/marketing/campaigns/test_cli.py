"""``clarion campaign``: validate (no services) and preview (Spark on a tiny gold lake)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from marketing.campaigns.loader import campaign_files
from marketing.cli import app
from tests.marketing.campaigns.conftest import AS_OF, write_tiny_lake

runner = CliRunner()


def test_validate_accepts_the_repository_files() -> None:
    files = [str(p) for p in campaign_files()]
    result = runner.invoke(app, ["validate", *files])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok (") == len(files)


def test_validate_names_every_problem_and_exits_1(
    valid: dict[str, Any], write_campaign: Callable[[dict[str, Any]], Path]
) -> None:
    valid["audience"]["segments"]["include"] = ["no_such_segment"]
    valid["priority"] = "transactional"
    path = write_campaign(valid)
    good = str(campaign_files()[0])
    result = runner.invoke(app, ["validate", good, str(path)])
    assert result.exit_code == 1
    assert f"{path}: priority: campaigns are always sent with priority 'marketing'" in result.output
    assert "1 of 2 campaign file(s) invalid" in result.output


@pytest.mark.spark
def test_preview_counts_the_audience_and_renders_messages(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tiny_lake(tmp_path / "lake")
    monkeypatch.setenv("CLARION_DELTA__ROOT", str(tmp_path / "lake"))
    monkeypatch.setenv("CLARION_SPARK__MASTER", spark.sparkContext.master)
    file = next(p for p in campaign_files() if p.stem == "cart_recovery_push")
    result = runner.invoke(app, ["preview", str(file), "--messages", "2"])
    assert result.exit_code == 0, result.output
    assert f"audience on gold day {AS_OF}: 140 users" in result.output
    assert "reminder" in result.output and "holdout" in result.output
    assert result.output.count("[u0") == 2  # two rendered messages, holdout users never shown
    assert "waiting for you" in result.output or "Pick up where you left off" in result.output
    missing = runner.invoke(app, ["preview", str(file), "--as-of", "2020-01-01"])
    assert (
        missing.exit_code == 1 and "gold.user_features has no rows for 2020-01-01" in missing.output
    )
