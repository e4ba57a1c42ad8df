"""Throughput and latency of the speed layer on the local stack, against a bare
kafka-python poll loop over the very same messages, measured in the same run.

Prints:

* events/s of one and of two ``python -m speed_layer run`` processes (one consumer group
  each) over ``--events`` planted events (1% invalid), from the group's committed offsets
  sampled every 0.25 s, first commit to last (process start-up is left out);
* the same messages read by a bare ``KafkaConsumer.poll`` loop (read_committed, no
  processing), and one consumer's throughput as a ratio to it;
* p50/p99 event-to-intent latency at a fixed offered rate: a producer paces events
  stamped with the send time (``--rate`` per second for ``--seconds``), a share of them
  trigger the risk rule, and a read_committed reader of ``notify.intents`` takes the
  intent's arrival minus the event time.

Every figure is printed with the machine's load average over the minute it was measured
in (``os.getloadavg``): on a shared host, read the figures with it.

    .venv/bin/python bench/bench_speed_layer.py --events 40000 --rate 250 --seconds 20
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

from tests.speed_layer._harness import GroupProgress, Topics, produce, seed_batch_view  # noqa: E402
from tests.speed_layer._stream import event_json, planted_stream  # noqa: E402

BOOTSTRAP = "127.0.0.1:29092"


def start(topics: Topics, group: str, instance: str, log_dir: Path, batch: int) -> Any:
    """A consumer in ``group``, with the group's own Redis key prefix (a fresh view)."""
    args = [
        "--events-topic",
        topics.events,
        "--dlq-topic",
        topics.dlq,
        "--intents-topic",
        topics.intents,
        "--key-prefix",
        group,
        "--group-id",
        group,
    ]
    argv = [
        sys.executable,
        "-m",
        "speed_layer",
        "run",
        *args,
        "--instance-id",
        instance,
        "--batch-size",
        str(batch),
        "--log-level",
        "warning",
        "-o",
        "max_message_bytes=4096",
    ]
    log = open(log_dir / f"{group}.{instance}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def stop(procs: list[Any]) -> None:
    for p in procs:
        if p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
    for p in procs:
        p.wait(timeout=60)


def consumer_rate(
    topics: Topics, processes: int, log_dir: Path, batch: int, views: dict[str, dict[str, str]]
) -> float:
    group = f"{topics.prefix}.g{processes}"
    seed_batch_view(redis.Redis(port=26379), group, views)
    progress = GroupProgress(BOOTSTRAP, group, topics.events)
    procs = [start(topics, group, f"i{n}", log_dir, batch) for n in range(processes)]
    samples: list[tuple[float, int]] = []
    try:
        while True:
            done, total = progress()
            samples.append((time.monotonic(), done))
            if done >= total:
                break
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a consumer exited; see {log_dir}")
            time.sleep(0.25)
    finally:
        stop(procs)
        progress.close()
    moving = [s for s in samples if s[1] > 0]
    (t0, d0), (t1, d1) = moving[0], moving[-1]
    return (d1 - d0) / (t1 - t0)


def bare_rate(topics: Topics, total: int, batch: int) -> float:
    consumer = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id=None,
        isolation_level="read_committed",
        enable_auto_commit=False,
        max_poll_records=batch,
        fetch_max_wait_ms=100,
    )
    parts = [TopicPartition(topics.events, p) for p in consumer.partitions_for_topic(topics.events)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen, started = 0, None
    while seen < total:
        records = consumer.poll(timeout_ms=500, max_records=batch)
        n = sum(len(r) for r in records.values())
        if n and started is None:
            started, seen = time.monotonic(), 0  # count from the first records, as above
            first = n
        seen += n
    elapsed = time.monotonic() - (started or time.monotonic())
    consumer.close()
    return (seen - first) / elapsed


def latency(
    topics: Topics, rate: float, seconds: float, log_dir: Path, batch: int
) -> tuple[float, float, int]:
    # One transaction per user: only the risk rule fires (every tenth event), no bursts.
    users = [f"lat{i}" for i in range(int(rate * seconds) + 1)]
    seed_batch_view(
        redis.Redis(port=26379),
        topics.prefix,
        {u: {"transaction_amount_mean_30d": "10"} for u in users},
    )
    arrivals: dict[str, float] = {}
    reader_ready = threading.Event()

    def read() -> None:
        consumer = KafkaConsumer(
            topics.intents,
            bootstrap_servers=BOOTSTRAP,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            group_id=None,
            fetch_max_wait_ms=20,
        )
        reader_ready.set()
        deadline = time.monotonic() + seconds + 30
        while time.monotonic() < deadline and not done.is_set():
            for records in consumer.poll(timeout_ms=100).values():
                now = time.time()
                for r in records:
                    doc = json.loads(r.value)
                    arrivals[doc["idempotency_key"]] = now - _epoch(doc["event_time"])
        consumer.close()

    done = threading.Event()
    proc = start(topics, topics.prefix, "lat", log_dir, batch)
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader_ready.wait()
    time.sleep(8)  # the consumer joins its group and is assigned before the clock starts
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, linger_ms=0, acks="all")
    sent, triggers, begin = 0, 0, time.monotonic()
    while time.monotonic() - begin < seconds:
        due = begin + sent / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        user = users[sent]
        risky = sent % 10 == 0
        amount = 100.0 if risky else 5.0
        value = event_json(
            f"{topics.prefix}-{sent}",
            user,
            "transaction",
            int(time.time() * 1000),
            amount=amount,
            merchant="m",
        )
        producer.send(topics.events, key=user.encode(), value=value)
        sent += 1
        triggers += risky
    producer.flush()
    end = time.monotonic() + 30
    while len(arrivals) < triggers and time.monotonic() < end:
        time.sleep(0.2)
    done.set()
    stop([proc])
    values = sorted(arrivals.values())
    if not values:
        raise SystemExit(f"no intents arrived; see {log_dir}")
    return (
        values[len(values) // 2],
        values[min(len(values) - 1, int(len(values) * 0.99))],
        len(values),
    )


def cleanup(topics: list[Topics], prefixes: list[str]) -> None:
    """Drop the bench's Redis keys and topics (the figures are printed already)."""
    client = redis.Redis(port=26379)
    for prefix in prefixes:
        keys = list(client.scan_iter(f"{prefix}:*", count=5000))
        for i in range(0, len(keys), 5000):
            client.unlink(*keys[i : i + 5000])
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    try:
        admin.delete_topics([name for t in topics for name in (t.events, t.dlq, t.intents)])
    finally:
        admin.close()


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=1000, help="records per transaction")
    parser.add_argument("--rate", type=float, default=250.0, help="offered events/s")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="bench_speed_layer_"))

    topics = Topics.create(BOOTSTRAP, f"bench_sl_{uuid.uuid4().hex[:8]}")
    stream = planted_stream(
        prefix=topics.prefix, events=args.events, now_ms=int(time.time() * 1000)
    )
    produce(BOOTSTRAP, topics.events, stream.messages)
    print(
        f"{args.events} events (1% invalid, {len(stream.expected)} planted triggers), "
        f"6 partitions, {args.batch} records per transaction; logs in {log_dir}"
    )

    bare = bare_rate(topics, args.events, args.batch)
    bare_load = load()
    one = consumer_rate(topics, 1, log_dir, args.batch, stream.batch_views)
    one_load = load()
    two = consumer_rate(topics, 2, log_dir, args.batch, stream.batch_views)
    two_load = load()
    bare_again = bare_rate(topics, args.events, args.batch)
    again_load = load()
    lat_topics = Topics.create(BOOTSTRAP, f"bench_sl_lat_{uuid.uuid4().hex[:8]}")
    p50, p99, n = latency(lat_topics, args.rate, args.seconds, log_dir, args.batch)
    lat_load = load()
    cleanup([topics, lat_topics], [f"{topics.prefix}.g1", f"{topics.prefix}.g2", lat_topics.prefix])

    print(
        f"bare kafka-python poll loop : {bare:10,.0f} events/s ({bare_load}; "
        f"again after: {bare_again:,.0f}, {again_load})"
    )
    print(f"speed layer, 1 process      : {one:10,.0f} events/s ({one_load})")
    print(f"speed layer, 2 processes    : {two:10,.0f} events/s ({two_load}; {two / one:.2f}x one)")
    print(f"1 process / bare poll loop  : {one / max(bare, bare_again):10.3f}")
    print(
        f"event-to-intent latency at {args.rate:.0f} events/s offered for {args.seconds:.0f} s "
        f"({n} intents): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms ({lat_load})"
    )
    print(f"host: {os.cpu_count()} cores, shared with other jobs; load is the 1-minute average")


if __name__ == "__main__":
    main()
