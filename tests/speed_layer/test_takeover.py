"""Two consumers share the partitions; one dies (SIGKILL) and the other takes its
partitions over with nothing lost and nothing duplicated."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

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


def assigned(process: ConsumerProcess) -> list[int]:
    changes = [e for e in process.log_events() if e.get("event") == "assignment changed"]
    return changes[-1]["assigned"] if changes else []


def committed_batches(process: ConsumerProcess) -> int:
    return sum(1 for e in process.log_events() if e.get("event") == "batch committed")


@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.timeout(240)
def test_the_survivor_takes_over_with_nothing_lost(
    kafka_bootstrap: str,
    speed_topics: Any,
    redis_client: Any,
    consumers: list[ConsumerProcess],
    tmp_path: Path,
) -> None:
    topics = speed_topics("sl_takeover")
    stream = planted_stream(
        prefix=topics.prefix, events=80_000, resend=10, now_ms=int(time.time() * 1000), seed=3
    )
    seed_batch_view(redis_client, topics.prefix, stream.batch_views)
    # Everything is produced first: the stream's event times are hours old, so a partition
    # that ran dry would (rightly) fire its pending cart timers by wall clock.
    produce(kafka_bootstrap, topics.events, stream.messages)

    a = start_consumer(consumers, topics, tmp_path, "a")
    b = start_consumer(consumers, topics, tmp_path, "b")
    # The first consumer logs all six partitions, then its share once the second joins:
    # wait for the split, not just for both to have logged an assignment.
    wait_until(
        lambda: sorted(assigned(a) + assigned(b)) == list(range(6)) and assigned(a) and assigned(b),
        timeout=90,
        what="the six partitions split between both consumers",
    )
    wait_until(lambda: committed_batches(a) >= 2, timeout=60, what="the first consumer to commit")
    progress = GroupProgress(kafka_bootstrap, topics.prefix, topics.events)
    done, total = progress()
    assert done < total, "everything was consumed before the kill"
    a.kill()

    wait_until(
        lambda: assigned(b) == list(range(6)),
        timeout=60,
        what="the survivor to take every partition",
    )
    wait_until(
        lambda: progress()[0] == progress()[1],
        timeout=150,
        what="the survivor to commit every offset",
    )
    wait_until(
        lambda: len(read_all(kafka_bootstrap, topics.intents)) >= len(stream.expected),
        timeout=30,
        what="the timers of idle partitions",
    )
    time.sleep(2)
    assert b.terminate() == 0, b.tail()
    progress.close()

    intents = [Intent.from_json(r.value) for r in read_all(kafka_bootstrap, topics.intents)]
    keys = Counter(i.idempotency_key for i in intents)
    assert {k: n for k, n in keys.items() if n > 1} == {}
    assert set(keys) == stream.expected
    letters = read_all(kafka_bootstrap, topics.dlq)
    assert Counter(r.value for r in letters) == Counter(stream.invalid)
    pipe = redis_client.pipeline(transaction=False)
    for event_id, user in stream.valid_ids.items():
        pipe.hexists(f"{topics.prefix}:rt:{{{user}}}:seen", event_id)
    assert all(pipe.execute())
