"""Exactly once under SIGKILL: 50,000 events (1% invalid, planted trigger patterns, a few
re-sent duplicates); the consumer process is killed at random moments at least three
times and restarted; at the end every expected intent is in ``notify.intents`` exactly
once, every invalid message is in the DLQ exactly once, and every valid event is in the
real-time view."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from speed_layer.models import DeadLetter, Intent
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

EVENTS = 50_000
KILLS = 3


@pytest.mark.kafka
@pytest.mark.redis
@pytest.mark.timeout(300)
def test_sigkill_at_random_moments_loses_nothing_and_duplicates_nothing(
    kafka_bootstrap: str,
    speed_topics: Any,
    redis_client,
    consumers: list[ConsumerProcess],
    tmp_path: Path,
) -> None:
    seed = random.randrange(1_000_000)
    print(f"seed {seed}")
    rng = random.Random(seed)
    topics = speed_topics("sl_crash")
    stream = planted_stream(
        prefix=topics.prefix, events=EVENTS, resend=20, now_ms=int(time.time() * 1000), seed=seed
    )
    seed_batch_view(redis_client, topics.prefix, stream.batch_views)
    assert produce(kafka_bootstrap, topics.events, stream.messages) == EVENTS

    progress = GroupProgress(kafka_bootstrap, topics.prefix, topics.events)
    consumer = start_consumer(consumers, topics, tmp_path, "c0", "--static-membership")
    # Kill points are fractions of the stream, spread out and jittered, so the kills land
    # mid-stream however fast the consumer is; each waits for a commit of the restarted
    # process first, so every kill interrupts real work, then a random extra moment.
    targets = [(k + 1) / (KILLS + 1) + rng.uniform(-0.08, 0.08) for k in range(KILLS)]
    kills: list[tuple[int, int]] = []
    for target in targets:
        before = progress()[0]

        def reached(before: int = before, target: float = target) -> bool:
            done, total = progress()
            return (done > before and done >= target * total) or not consumer.alive()

        wait_until(reached, timeout=90, every=0.1, what=f"a commit past {target:.0%} of the stream")
        assert consumer.alive(), consumer.tail()
        time.sleep(rng.uniform(0.0, 0.3))
        done, total = progress()
        consumer.kill()
        kills.append((done, total))
        consumer.start()
    print(f"killed at committed/total: {kills}")
    assert sum(1 for done, total in kills if done < total) >= KILLS, "kills came too late"

    def finished() -> bool:
        assert consumer.alive(), consumer.tail()
        done, total = progress()
        return done == total

    wait_until(finished, timeout=150, what="the group to commit every offset")
    wait_until(
        lambda: len(read_all(kafka_bootstrap, topics.intents)) >= len(stream.expected),
        timeout=30,
        what="the idle-partition timers to fire",
    )
    time.sleep(2)  # anything extra (a duplicate) would show up now
    assert consumer.terminate() == 0, consumer.tail()
    progress.close()

    intents = [Intent.from_json(r.value) for r in read_all(kafka_bootstrap, topics.intents)]
    keys = Counter(i.idempotency_key for i in intents)
    assert {k: n for k, n in keys.items() if n > 1} == {}
    assert set(keys) == stream.expected
    assert all(
        r.key == i.user_id.encode()
        for r, i in zip(read_all(kafka_bootstrap, topics.intents), intents, strict=True)
    )

    events = {(r.partition, r.offset): r.value for r in read_all(kafka_bootstrap, topics.events)}
    letters = read_all(kafka_bootstrap, topics.dlq)
    assert Counter(r.value for r in letters) == Counter(stream.invalid)
    for record in letters:
        headers = DeadLetter.parse_headers(record.headers)
        assert headers["clarion.source.topic"] == topics.events
        where = (int(headers["clarion.source.partition"]), int(headers["clarion.source.offset"]))
        assert events[where] == record.value
        assert headers["clarion.error.reason"]

    pipe = redis_client.pipeline(transaction=False)
    for event_id, user in stream.valid_ids.items():
        pipe.hexists(f"{topics.prefix}:rt:{{{user}}}:seen", event_id)
    missing = [e for e, seen in zip(stream.valid_ids, pipe.execute(), strict=True) if not seen]
    assert missing == []
    logged = json.dumps([e for e in consumer.log_events() if e.get("level") == "error"])
    assert logged == "[]"
