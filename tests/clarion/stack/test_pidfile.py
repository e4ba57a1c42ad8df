from __future__ import annotations

from pathlib import Path

from clarion.stack._pidfile import (
    PidRecord,
    format_pidfile,
    parse_pidfile,
    read_pidfile,
    remove_pidfile,
    write_pidfile,
)

RECORD = PidRecord(service="kafka", pid=4242, create_time=1.7e9, marker="/s/server.properties")


def test_round_trip() -> None:
    assert parse_pidfile(format_pidfile(RECORD)) == RECORD


def test_anything_else_is_not_a_pidfile() -> None:
    for text in (
        "",
        "4242",
        "{}",
        '{"service": "kafka", "pid": "x"}',
        "[1, 2]",
        '{"service": "k", "pid": 0, "create_time": 1, "marker": "m"}',
    ):
        assert parse_pidfile(text) is None, text


def test_write_read_remove(tmp_path: Path) -> None:
    path = tmp_path / "run" / "kafka.pid"
    assert read_pidfile(path) is None
    write_pidfile(path, RECORD)
    assert read_pidfile(path) == RECORD
    assert [p.name for p in path.parent.iterdir()] == ["kafka.pid"]  # no temp file left
    remove_pidfile(path)
    remove_pidfile(path)  # idempotent
    assert not path.exists()
