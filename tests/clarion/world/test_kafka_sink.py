"""What ``KafkaSink`` produces, Kafka's own console consumer reads back, keyed by user id."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import date

import pytest

from clarion.settings import Settings
from clarion.stack.kafka import CONSOLE_CONSUMER_MAIN, tool_argv
from clarion.world import InMemorySink, KafkaSink, WorldSpec, write_world
from tests.fixtures.stack import unique_name


@pytest.mark.kafka
def test_console_consumer_reads_the_generated_events(
    kafka_bootstrap: str, stack_settings: Settings
) -> None:
    topic = unique_name("world_events")
    spec = WorldSpec(users=150, days=2, start_date=date(2026, 4, 1), seed=9)
    copy = InMemorySink()
    summary = write_world(spec, event_sinks=[KafkaSink(stack_settings.kafka, topic=topic), copy])
    sent = copy.table()
    assert summary.events == sent.num_rows > 0

    argv = tool_argv(
        stack_settings, CONSOLE_CONSUMER_MAIN,
        "--bootstrap-server", kafka_bootstrap, "--topic", topic, "--from-beginning",
        "--max-messages", str(sent.num_rows), "--timeout-ms", "60000",
        "--property", "print.key=true", "--property", "key.separator=|",
    )  # fmt: skip
    result = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)

    assert result.returncode == 0, result.stderr
    read = [tuple(line.split("|", 1)) for line in result.stdout.splitlines() if line]
    expected = zip(sent.column("key").to_pylist(), sent.column("value").to_pylist(), strict=True)
    assert Counter(read) == Counter(expected)
    assert all(json.loads(value)["user_id"] == key for key, value in read)
