"""One log handler for the process: structlog events and standard-library logs alike."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from clarion.logs import CHATTY_LOGGERS, configure_logging


class _DropSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "secret" not in record.getMessage()


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    yield
    root.handlers, root.level = handlers, level
    for name, chatty_level in levels.items():
        logging.getLogger(name).setLevel(chatty_level)
    structlog.reset_defaults()


def _lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_json_lines_from_structlog_and_stdlib_alike(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="info", style="json")
    structlog.get_logger("clarion.test").info("batch committed", records=12)
    logging.getLogger("clarion.stdlib").warning("disk at %d%%", 91)
    first, second = _lines(capsys.readouterr().err)
    assert first["event"] == "batch committed" and first["records"] == 12
    assert first["level"] == "info" and first["logger"] == "clarion.test"
    assert str(first["timestamp"]).endswith("Z")
    assert second["event"] == "disk at 91%" and second["level"] == "warning"


def test_level_filters_and_client_chatter_needs_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level="info")
    structlog.get_logger("clarion.test").debug("hidden")
    logging.getLogger("kafka.conn").info("connecting to broker")
    logging.getLogger("cassandra.cluster").warning("host down")
    assert [line["event"] for line in _lines(capsys.readouterr().err)] == ["host down"]


def test_filters_drop_lines_and_console_style_is_key_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level="debug", style="console", filters=[_DropSecrets()])
    log = structlog.get_logger("clarion.test")
    log.info("the secret is out")
    log.info("started", port=9464)
    err = capsys.readouterr().err
    assert "secret" not in err
    assert "started" in err and "port=9464" in err
    with pytest.raises(json.JSONDecodeError):
        json.loads(err.splitlines()[0])
