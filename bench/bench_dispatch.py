"""Dispatcher throughput and campaign fan-out time on the local stack, against a bare
kafka-python poll loop over the very same intents, measured in the same run.

Prints:

* the bare loop's intents/s (read_committed, no processing): the baseline;
* notifications decided per second by one and by two ``python -m serving.cli run``
  processes (one consumer group each, fresh Redis state and keyspace each) over
  ``--intents`` campaign intents, from the group's committed offsets sampled every
  0.5 s, first commit to last (start-up left out), and their ratio to the baseline;
* end-to-end fan-out time of ``--fanout`` recipients (comma list, e.g. 100000,1000000)
  with two dispatchers already running: from the first intent produced to the last
  offset committed (the outbound messages commit in the same Kafka transaction), with
  the peak RSS of each dispatcher (VmHWM) and of this producing process.

Dispatchers run with ``--no-view`` (preferences only) unless ``--with-view`` adds a
one-process run that also reads the merged view of every recipient.

    .venv/bin/python bench/bench_dispatch.py --intents 30000 --fanout 100000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition  # noqa: E402

from clarion.kafka_options import client_options  # noqa: E402
from clarion.settings import Settings, load_settings  # noqa: E402
from clarion.stack.cassandra import cluster, keyspace_cql  # noqa: E402
from serving.dispatch.runtime import ensure_topics  # noqa: E402
from serving.inbox import InboxConfig, create_tables  # noqa: E402
from tests.fixtures.stack import unique_name  # noqa: E402
from tests.serving.dispatch.runtime.harness import (  # noqa: E402
    Rig,
    campaign_intent,
    produce,
    seed_users,
)
from tests.speed_layer._harness import GroupProgress  # noqa: E402

POLICY = """\
version: bench
quiet_hours: null
shedding:
  marketing: {queue_depth: 1000000000}
  triggered: {queue_depth: 1000000000}
"""


RIGS: list[Rig] = []


def make_rig(settings: Settings, session: Any, tmp: Path, users: list[str]) -> Rig:
    prefix = unique_name("bench_disp")
    rig = Rig(settings=settings, prefix=prefix, keyspace=prefix, tmp=tmp, policy_yaml=POLICY)
    RIGS.append(rig)
    session.execute(keyspace_cql(prefix, settings.cassandra.replication))
    create_tables(session, InboxConfig(keyspace=prefix))
    ensure_topics(settings.kafka, rig.topics())
    client = redis.Redis.from_url(settings.redis.url or "")
    for start in range(0, len(users), 50_000):  # 1M Preferences at once would be ~2 GB
        chunk = users[start : start + 50_000]
        seed_users(
            client, prefix=prefix, users=chunk, kinds=["all", "all", "email_only", "no_consent"]
        )
    return rig


def group_progress(settings: Settings, rig: Rig) -> GroupProgress:
    bootstrap = ",".join(settings.kafka.bootstrap_servers)
    return GroupProgress(bootstrap, f"{rig.prefix}.dispatcher", rig.intents_topic)


def peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def follow(rig: Rig, progress: GroupProgress, procs: list[Any], expected: int) -> dict[str, Any]:
    """Sample until ``expected`` offsets are committed; first and last moving sample."""
    samples: list[tuple[float, int]] = []
    peaks = {p.pid: 0 for p in procs}
    while True:
        done, _ = progress()
        samples.append((time.monotonic(), done))
        for p in procs:
            peaks[p.pid] = max(peaks[p.pid], peak_rss_kb(p.pid))
        if done >= expected:
            break
        if all(p.poll() is not None for p in procs):
            raise SystemExit(f"the dispatchers exited early; see {rig.tmp}")
        time.sleep(0.5)
    moving = [s for s in samples if s[1] > 0]
    return {"samples": moving, "end": samples[-1][0], "peaks": peaks}


def dispatch_rate(
    settings: Settings,
    session: Any,
    tmp: Path,
    n: int,
    processes: int,
    *,
    batch_size: int,
    view: bool = False,
) -> float:
    users = [f"u{i:07d}" for i in range(n)]
    rig = make_rig(settings, session, tmp, users)
    produce(settings, rig.intents_topic, (campaign_intent(u) for u in users))
    progress = group_progress(settings, rig)
    procs = [
        rig.spawn(instance=f"r{processes}-{k}", idle_exit=15.0, view=view, batch_size=batch_size)
        for k in range(processes)
    ]
    try:
        seen = follow(rig, progress, procs, n)
    finally:
        rig.stop_all()
        progress.close()
    (t0, d0), (t1, d1) = seen["samples"][0], seen["samples"][-1]
    return (d1 - d0) / (t1 - t0)


def bare_rate(settings: Settings, session: Any, tmp: Path, n: int) -> float:
    users = [f"u{i:07d}" for i in range(n)]
    rig = make_rig(settings, session, tmp, users[:1])
    produce(settings, rig.intents_topic, (campaign_intent(u) for u in users))
    consumer = KafkaConsumer(
        **client_options(settings.kafka),
        isolation_level="read_committed",
        enable_auto_commit=False,
        max_poll_records=500,
    )
    parts = [TopicPartition(rig.intents_topic, p) for p in range(4)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen, started = 0, time.monotonic()
    while seen < n:
        seen += sum(len(r) for r in consumer.poll(timeout_ms=500, max_records=500).values())
    consumer.close()
    return n / (time.monotonic() - started)


def fan_out(
    settings: Settings, session: Any, tmp: Path, n: int, *, batch_size: int
) -> dict[str, Any]:
    users = [f"u{i:07d}" for i in range(n)]
    rig = make_rig(settings, session, tmp, users)
    progress = group_progress(settings, rig)
    procs = [rig.spawn(instance=f"f{k}", idle_exit=60.0, batch_size=batch_size) for k in range(2)]
    time.sleep(8)  # let both join the group before the first intent
    started = time.monotonic()
    produce(settings, rig.intents_topic, (campaign_intent(u) for u in users))
    produced = time.monotonic() - started
    try:
        seen = follow(rig, progress, procs, n)
    finally:
        rig.stop_all()
        progress.close()
    return {
        "seconds": seen["end"] - started,
        "produce_seconds": produced,
        "peak_mb": [kb / 1024 for kb in seen["peaks"].values()],
        "producer_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def cleanup(settings: Settings, session: Any) -> None:
    """Drop every keyspace, topic and Redis key the run made."""
    client = redis.Redis.from_url(settings.redis.url or "")
    admin = KafkaAdminClient(**client_options(settings.kafka))
    for rig in RIGS:
        session.execute(f"DROP KEYSPACE IF EXISTS {rig.keyspace}")
        admin.delete_topics(list(rig.topics()))
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{rig.prefix}:*", count=10_000):
            batch.append(key)
            if len(batch) >= 5_000:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
    admin.close()


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intents", type=int, default=30_000)
    parser.add_argument("--fanout", default="100000", help="comma list of audience sizes")
    parser.add_argument("--with-view", action="store_true", help="also 1 process reading views")
    parser.add_argument(
        "--batch-size", type=int, default=2000, help="records per batch and transaction"
    )
    args = parser.parse_args()
    settings = load_settings()
    tmp = Path(tempfile.mkdtemp(prefix="bench_dispatch_"))
    session = cluster(settings).connect()
    print(
        f"{args.intents} campaign intents, 4 partitions, {args.batch_size} per batch; logs in {tmp}"
    )
    try:
        run(settings, session, tmp, args)
    finally:
        cleanup(settings, session)


def run(settings: Settings, session: Any, tmp: Path, args: argparse.Namespace) -> None:
    bare = bare_rate(settings, session, tmp, args.intents)
    bare_load = load()
    size = args.batch_size
    one = dispatch_rate(settings, session, tmp, args.intents, 1, batch_size=size)
    one_load = load()
    two = dispatch_rate(settings, session, tmp, args.intents, 2, batch_size=size)
    two_load = load()
    print(f"bare kafka-python poll loop : {bare:10,.0f} intents/s ({bare_load})")
    print(f"dispatcher, 1 process       : {one:10,.0f} notifications/s ({one_load})")
    print(
        f"dispatcher, 2 processes     : {two:10,.0f} notifications/s ({two_load}; {two / one:.2f}x)"
    )
    print(f"1 process / bare poll loop  : {one / bare:10.3f}")
    if args.with_view:
        viewed = dispatch_rate(settings, session, tmp, args.intents, 1, batch_size=size, view=True)
        print(f"1 process, merged view read : {viewed:10,.0f} notifications/s ({load()})")
    for n in (int(x) for x in args.fanout.split(",") if x):
        r = fan_out(settings, session, tmp, n, batch_size=size)
        peaks = ", ".join(f"{mb:.0f}" for mb in r["peak_mb"])
        print(
            f"fan-out {n:>9,} recipients: {r['seconds']:7.1f} s end to end "
            f"({n / r['seconds']:,.0f}/s; producing took {r['produce_seconds']:.1f} s); "
            f"peak RSS dispatchers {peaks} MB, producer {r['producer_peak_mb']:.0f} MB ({load()})"
        )
    print(f"host: {os.cpu_count()} cores, shared with other jobs; load is the 1-minute average")


if __name__ == "__main__":
    main()
