"""Events written by Kafka's own console producer are processed like any others."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clarion.settings import Settings
from clarion.stack.kafka import tool_argv
from speed_layer.models import DeadLetter, Intent
from tests.speed_layer._harness import (
    ConsumerProcess,
    GroupProgress,
    read_all,
    seed_batch_view,
    wait_until,
)
from tests.speed_layer._stream import planted_stream
from tests.speed_layer.conftest import start_consumer

CONSOLE_PRODUCER_MAIN = "org.apache.kafka.tools.ConsoleProducer"


@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.timeout(180)
def test_console_producer_events_are_processed(
    kafka_bootstrap: str,
    speed_topics: Any,
    stack_settings: Settings,
    redis_client: Any,
    consumers: list[ConsumerProcess],
    tmp_path: Path,
) -> None:
    topics = speed_topics("sl_console")
    stream = planted_stream(
        prefix=topics.prefix,
        events=600,
        pattern_units=25,
        now_ms=int(time.time() * 1000),
        invalid_ratio=0,
        seed=5,
    )
    seed_batch_view(redis_client, topics.prefix, stream.batch_views)
    broken = [b"{not json " + str(i).encode() + b"}" for i in range(3)]
    lines = [k + b"|" + v for k, v in stream.messages] + [b"u1|" + v for v in broken]
    argv = tool_argv(
        stack_settings,
        CONSOLE_PRODUCER_MAIN,
        "--bootstrap-server",
        kafka_bootstrap,
        "--topic",
        topics.events,
        "--property",
        "parse.key=true",
        "--property",
        "key.separator=|",
    )
    result = subprocess.run(
        argv, input=b"\n".join(lines) + b"\n", capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]

    consumer = start_consumer(consumers, topics, tmp_path, "console")
    progress = GroupProgress(kafka_bootstrap, topics.prefix, topics.events)
    wait_until(
        lambda: progress()[1] == len(lines) and progress()[0] == len(lines),
        timeout=90,
        what="every console-produced record to be committed",
    )
    wait_until(
        lambda: len(read_all(kafka_bootstrap, topics.intents)) >= len(stream.expected),
        timeout=30,
        what="the intents",
    )
    assert consumer.terminate() == 0, consumer.tail()
    progress.close()

    intents = [Intent.from_json(r.value) for r in read_all(kafka_bootstrap, topics.intents)]
    assert Counter(i.idempotency_key for i in intents) == Counter(stream.expected)
    letters = read_all(kafka_bootstrap, topics.dlq)
    assert sorted(r.value for r in letters) == sorted(broken)
    assert {DeadLetter.parse_headers(r.headers)["clarion.error.reason"] for r in letters} == {
        "bad_json"
    }
