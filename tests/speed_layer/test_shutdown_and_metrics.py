"""SIGTERM stops a consumer gracefully (batch committed, exit 0) and a restart goes on
exactly once; the Prometheus endpoint reports what the consumer did."""

from __future__ import annotations

import socket
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from speed_layer.models import Intent
from tests.speed_layer._harness import (
    ConsumerProcess,
    GroupProgress,
    produce,
    read_all,
    seed_batch_view,
    wait_until,
)
from tests.speed_layer._stream import planted_stream
from tests.speed_layer.conftest import start_consumer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.timeout(180)
def test_sigterm_commits_and_exits_then_a_restart_goes_on(
    kafka_bootstrap: str,
    speed_topics: Any,
    redis_client: Any,
    consumers: list[ConsumerProcess],
    tmp_path: Path,
) -> None:
    topics = speed_topics("sl_sigterm")
    stream = planted_stream(
        prefix=topics.prefix, events=15_000, now_ms=int(time.time() * 1000), seed=4
    )
    seed_batch_view(redis_client, topics.prefix, stream.batch_views)
    produce(kafka_bootstrap, topics.events, stream.messages)
    progress = GroupProgress(kafka_bootstrap, topics.prefix, topics.events)

    first = start_consumer(consumers, topics, tmp_path, "t")
    wait_until(lambda: progress()[0] > 0, timeout=60, what="a first commit")
    started = time.monotonic()
    assert first.terminate(timeout=30) == 0, first.tail()
    assert time.monotonic() - started < 15
    done, total = progress()
    assert 0 < done < total
    events = [e.get("event") for e in first.log_events()]
    assert events[-1] == "speed layer stopped"
    last_batch = [e for e in first.log_events() if e.get("event") == "batch committed"][-1]
    assert sum(last_batch["offsets"].values()) <= done  # the last batch in hand was committed

    first.start()
    wait_until(lambda: progress()[0] == progress()[1], timeout=120, what="the restart to finish")
    wait_until(
        lambda: len(read_all(kafka_bootstrap, topics.intents)) >= len(stream.expected),
        timeout=30,
        what="the intents",
    )
    assert first.terminate() == 0
    progress.close()
    keys = Counter(
        Intent.from_json(r.value).idempotency_key for r in read_all(kafka_bootstrap, topics.intents)
    )
    assert keys == Counter(stream.expected)
    assert len(read_all(kafka_bootstrap, topics.dlq)) == len(stream.invalid)


@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.timeout(180)
def test_metrics_endpoint_reports_the_work(
    kafka_bootstrap: str,
    speed_topics: Any,
    redis_client: Any,
    consumers: list[ConsumerProcess],
    tmp_path: Path,
) -> None:
    topics = speed_topics("sl_metrics")
    stream = planted_stream(
        prefix=topics.prefix, events=3000, now_ms=int(time.time() * 1000), seed=6
    )
    seed_batch_view(redis_client, topics.prefix, stream.batch_views)
    produce(kafka_bootstrap, topics.events, stream.messages)
    port = free_port()
    consumer = start_consumer(consumers, topics, tmp_path, "m", "--metrics-port", str(port))
    progress = GroupProgress(kafka_bootstrap, topics.prefix, topics.events)
    wait_until(lambda: progress()[0] == progress()[1], timeout=90, what="the consumer to finish")
    wait_until(
        lambda: len(read_all(kafka_bootstrap, topics.intents)) >= len(stream.expected),
        timeout=30,
        what="the intents",
    )
    time.sleep(1)
    m = scrape(port)
    assert consumer.terminate() == 0
    progress.close()

    def total(name: str) -> float:
        return sum(v for (n, _), v in m.items() if n == name)

    assert total("clarion_speed_events_consumed_total") == len(stream.messages)
    assert total("clarion_speed_dead_letters_total") == len(stream.invalid)
    by_rule = Counter(k.split(":")[0] for k in stream.expected)
    for rule, n in by_rule.items():
        assert m[("clarion_speed_triggers_fired_total", (("rule", rule),))] == n
    assert total("clarion_speed_processing_latency_seconds_count") == len(stream.messages)
    assert {v for (n, _), v in m.items() if n == "clarion_speed_consumer_lag"} == {0.0}
    assert total("clarion_speed_transactions_total") >= 1
    reasons = {
        dict(labels)["reason"] for (n, labels) in m if n == "clarion_speed_dead_letters_total"
    }
    assert {"bad_json", "oversized", "future_timestamp"} <= reasons
