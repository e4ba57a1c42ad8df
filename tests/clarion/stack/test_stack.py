"""``up``/``down``/``status`` as a whole, and the CLI's rendering, without starting services."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clarion.settings import load_settings
from clarion.stack import SERVICE_NAMES, ServiceReport, down, status
from clarion.stack._stack import select_services
from clarion.stack.cli import app, format_report
from clarion.stack.exceptions import StackError

DOCTESTED = [
    "_java",
    "_pidfile",
    "_ports",
    "_readiness",
    "_stack",
    "_templates",
    "cassandra",
    "cli",
    "kafka",
]


@pytest.mark.parametrize("module", DOCTESTED)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"clarion.stack.{module}"))
    assert result.failed == 0


def test_select_services() -> None:
    assert select_services(None) == SERVICE_NAMES == ("cassandra", "kafka", "redis")
    assert select_services("redis,kafka") == ("kafka", "redis")
    assert select_services(["Redis"]) == ("redis",)
    with pytest.raises(StackError, match="unknown service\\(s\\) zookeeper; choose from"):
        select_services("kafka,zookeeper")


def test_the_stack_serves_only_the_local_profile(tmp_path: Path) -> None:
    settings = load_settings(
        environ={},
        profile="cluster",
        state_dir=tmp_path,
        spark={"master": "spark://m:7077"},
        kafka={"bootstrap_servers": "k:9092"},
        cassandra={"contact_points": "c", "local_datacenter": "dc1"},
        delta={"root": "s3a://lake"},
        redis={"url": "redis://r:6379/0"},
    )
    with pytest.raises(StackError, match="serves profile 'local'"):
        status(settings)


def test_status_and_down_on_a_fresh_state_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={}, state_dir=tmp_path)
    assert {(r.name, r.state, r.pid) for r in status(settings)} == {
        (name, "stopped", None) for name in SERVICE_NAMES
    }
    assert {r.action for r in down(settings)} == {"none"}
    assert status(settings)[0].log == tmp_path / "services/cassandra/logs/cassandra.log"


def test_cli_status_prints_each_service_and_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLARION_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("CLARION_REDIS__URL", "redis://127.0.0.1:45679/0")
    result = CliRunner().invoke(app, ["status", "--services", "redis"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "redis      stopped        -            127.0.0.1:45679",
        f"           log: {tmp_path}/services/redis/logs/redis.log",
    ]


def test_format_report_lists_what_up_created_and_notes() -> None:
    report = ServiceReport(
        name="kafka",
        state="running",
        address="127.0.0.1:29092",
        log=Path("/s/kafka.log"),
        pid=7,
        action="reused",
        seconds=0.84,
        created=("topic events",),
        note="removed a stale pidfile",
    )
    assert format_report(report).splitlines() == [
        "kafka      running        pid 7        127.0.0.1:29092   "
        "already running, answered in 0.8 s",
        "           created topic events",
        "           note: removed a stale pidfile",
        "           log: /s/kafka.log",
    ]
