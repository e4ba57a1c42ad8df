"""Throughput and latency of the speed layer, against a bare kafka-python poll loop over the
very same messages, measured in the same run, on the stack the settings point at.

Kafka, Redis and the ``events`` partition count come from ``clarion.settings.load_settings()``
(``CLARION_KAFKA__BOOTSTRAP_SERVERS``, ``CLARION_REDIS__URL``, ``CLARION_KAFKA__PARTITIONS``);
the consumer processes inherit the same environment. The bench creates its own topics and
key prefixes and drops them at the end.

Method: every run gets the same planted stream (``--events``, 1% invalid) in a topic of its
own, produced inside a Kafka transaction left open, so read_committed consumers see none of
it; the run's processes (a fresh consumer group and Redis key prefix) start, and once the
group is Stable with every process holding partitions the transaction commits and the clock
starts; it stops when the group has committed every record (offsets sampled every 0.1 s).
Start-up and the second process's join/rebalance are thus left out.

Prints:

* events/s of one and of two ``python -m speed_layer run`` processes, and the same until
  the first partition is drained (the tail where one process may work alone left out);
* with ``--cpus-per-process F``: the same again, each consumer process in its own cgroup
  (v1 ``cpu`` controller, ``/sys/fs/cgroup/cpu``; the process joins it before it execs
  Python, so all its threads are in) with a quota of F CPUs and a high ``cpu.shares``
  weight, the shape of adding machines of F CPUs each; the cgroups are removed at the end;
* for every run: each consumer's CPU (utime+stime of ``/proc/<pid>/stat`` over the window)
  as CPUs used, a share of its budget and the share of quota periods it was throttled in;
  consumer, Kafka broker and Redis CPU seconds per 1,000 events (the last two when this
  checkout's ``clarion stack`` runs them: their pidfiles); how busy the whole host was
  (``/proc/stat``); how long the group took to join;
* the ratio 2 processes / 1 process, unconstrained and budgeted;
* ``--prioritise-services``: this checkout's Kafka broker and Redis run in a cgroup of high
  CPU weight (no quota) for the bench and go back to the root cgroup at the end;
* ``--compare-option NAME=VALUE``: one more 1-process run per CPU setting with that consumer
  option, as a ratio to the 1-process run without it;
* the same messages read by a bare ``KafkaConsumer.poll`` loop (read_committed, no
  processing), before and after, and one unconstrained consumer as a ratio to it;
* p50/p99 event-to-intent latency at a fixed offered rate: a producer paces events
  stamped with the send time (``--rate`` per second for ``--seconds``), a share of them
  trigger the risk rule, and a read_committed reader of ``notify.intents`` takes the
  intent's arrival minus the event time (one unconstrained consumer).

Every figure is printed with the machine's load average over the minute it was measured
in (``os.getloadavg``) and the host's busy share: on a shared host, read the figures with it.

    .venv/bin/python bench/bench_speed_layer.py --events 40000 --rate 250 --seconds 20 \\
        --cpus-per-process 0.5 [--prioritise-services]

Figures (2-core host shared with other jobs; Kafka, Redis and the consumers on the same 2
cores) and what limits the scaling: docs/capacity.md, section 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

from clarion.kafka_options import client_options  # noqa: E402
from clarion.settings import Settings, load_settings  # noqa: E402
from speed_layer.state.connection import connect  # noqa: E402
from tests.speed_layer._harness import GroupProgress, Topics, seed_batch_view  # noqa: E402
from tests.speed_layer._stream import event_json, planted_stream  # noqa: E402

CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
PERIOD_US = 100_000
SHARES = 16_384
TICK = os.sysconf("SC_CLK_TCK")
CONSUMER_OPTIONS: list[str] = []  # more -o NAME=VALUE for every consumer (--consumer-option)


@dataclass(frozen=True)
class Stack:
    """Where the bench's clients connect: the stack of ``load_settings()``."""

    settings: Settings

    @property
    def bootstrap(self) -> str:
        return ",".join(self.settings.kafka.bootstrap_servers)

    @property
    def partitions(self) -> int:
        return self.settings.kafka.partitions

    def kafka(self) -> dict[str, Any]:
        return client_options(self.settings.kafka)

    def redis(self) -> Any:
        return connect(self.settings.redis)

    def service_pid(self, name: str) -> int | None:
        """The pid of this checkout's ``clarion stack`` service, if its pidfile is live."""
        try:
            pid = int(
                json.loads((self.settings.state_dir / "run" / f"{name}.pid").read_text())["pid"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return pid if cpu_seconds(pid) is not None else None


def host_ticks() -> tuple[int, int]:
    """(busy, idle) clock ticks of the whole host since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, idle


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of every thread of ``pid``; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class CpuBudgets:
    """One cgroup (v1 ``cpu`` controller) per consumer process, each with a CPU quota.

    A process joins its cgroup before it execs Python (a ``sh`` wrapper writes its own pid
    into ``cgroup.procs``, then ``exec``s), so every thread it starts is inside. ``close``
    removes the cgroups; use it in a ``finally``.
    """

    def __init__(self, cpus: float, root: Path = CGROUP_CPU) -> None:
        quota = round(cpus * PERIOD_US)
        if quota < 1000:
            raise SystemExit(f"--cpus-per-process {cpus}: the smallest quota is 0.01 CPU")
        self.cpus, self.quota, self.root = cpus, quota, root
        self.tag = f"clarion-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.made: list[Path] = []
        probe = root / "cpu.cfs_quota_us"
        if not probe.is_file() or not os.access(root, os.W_OK):
            raise SystemExit(
                f"--cpus-per-process needs the cgroup v1 cpu controller mounted at {root} "
                f"and writable (no {probe}, or {root} is not writable: run as root on a "
                "cgroup v1 host, or leave the option out)"
            )

    def create(self, name: str) -> Path:
        path = self.root / f"{self.tag}-{name}"
        try:
            path.mkdir()
            self.made.append(path)
            (path / "cpu.cfs_period_us").write_text(f"{PERIOD_US}\n")
            (path / "cpu.cfs_quota_us").write_text(f"{self.quota}\n")
            # The quota only caps; a large weight makes it close to a reservation when the
            # host is busy (other jobs' tasks weigh 1024 each).
            (path / "cpu.shares").write_text(f"{SHARES}\n")
        except OSError as exc:
            raise SystemExit(f"cannot set up the cgroup {path}: {exc}") from exc
        return path

    @staticmethod
    def wrap(path: Path, argv: Sequence[str]) -> list[str]:
        script = 'echo $$ > "$0/cgroup.procs" && exec "$@"'
        return ["/bin/sh", "-c", script, str(path), *argv]

    @staticmethod
    def check_member(path: Path, pid: int) -> None:
        """Fail unless ``pid`` sits in ``path`` (its /proc/<pid>/cgroup names it)."""
        rel = "/" + path.name
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
                    _, controllers, where = line.split(":", 2)
                    if "cpu" in controllers.split(",") and where.endswith(rel):
                        return
            time.sleep(0.05)
        raise SystemExit(f"process {pid} did not join the cgroup {path}")

    @staticmethod
    def throttled(path: Path) -> tuple[int, int]:
        """(quota periods, periods in which the group was throttled)."""
        stat = dict(
            line.split() for line in (path / "cpu.stat").read_text().splitlines() if line.strip()
        )
        return int(stat.get("nr_periods", 0)), int(stat.get("nr_throttled", 0))

    def close(self) -> None:
        for path in reversed(self.made):
            for _ in range(50):  # an exiting process may leave the group a moment late
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                print(f"warning: could not remove the cgroup {path}", file=sys.stderr)
        self.made.clear()


class ServicePriority:
    """This checkout's Kafka broker and Redis (their ``clarion stack`` pidfiles) moved into
    one cgroup of high CPU weight and no quota for the bench, and back to the root at the
    end, so other jobs on the host cannot starve them (as they could not on machines of
    their own)."""

    def __init__(self, stack: Stack, root: Path = CGROUP_CPU) -> None:
        self.root, self.path = root, root / f"clarion-bench-{os.getpid()}-services"
        self.pids = {n: pid for n in ("kafka", "redis") if (pid := stack.service_pid(n))}
        if not self.pids:
            raise SystemExit(
                "--prioritise-services: no Kafka or Redis pidfile of this checkout's stack "
                f"under {stack.settings.state_dir / 'run'}"
            )
        try:
            self.path.mkdir()
            (self.path / "cpu.shares").write_text(f"{SHARES}\n")
            for pid in self.pids.values():
                (self.path / "cgroup.procs").write_text(f"{pid}\n")
        except OSError as exc:
            self.close()
            raise SystemExit(f"cannot set up the cgroup {self.path}: {exc}") from exc

    def close(self) -> None:
        for pid in self.pids.values():
            with contextlib.suppress(OSError):
                (self.root / "cgroup.procs").write_text(f"{pid}\n")
        with contextlib.suppress(OSError):
            self.path.rmdir()


@dataclass
class Consumer:
    proc: Any
    cgroup: Path | None = None


def start(
    topics: Topics,
    group: str,
    instance: str,
    log_dir: Path,
    batch: int,
    budgets: CpuBudgets | None = None,
    extra: Sequence[str] = (),
) -> Consumer:
    """A consumer in ``group``, with the group's own Redis key prefix (a fresh view)."""
    argv = [
        sys.executable,
        "-m",
        "speed_layer",
        "run",
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
        "--instance-id",
        instance,
        "--batch-size",
        str(batch),
        "--log-level",
        "warning",
        "-o",
        "max_message_bytes=4096",
    ]
    for option in [*CONSUMER_OPTIONS, *extra]:
        argv += ["-o", option]
    cgroup = budgets.create(f"{group}-{instance}".replace(".", "-")) if budgets else None
    if cgroup is not None:
        argv = CpuBudgets.wrap(cgroup, argv)
    with open(log_dir / f"{group}.{instance}.log", "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    if cgroup is not None:
        try:
            CpuBudgets.check_member(cgroup, proc.pid)
        except SystemExit:
            stop([Consumer(proc)])
            raise
    return Consumer(proc, cgroup)


def stop(consumers: list[Consumer]) -> None:
    for c in consumers:
        if c.proc.poll() is None:
            os.kill(c.proc.pid, signal.SIGTERM)
    for c in consumers:
        try:
            c.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(c.proc.pid, signal.SIGKILL)
            c.proc.wait(timeout=10)


class Staged:
    """The stream in a fresh topic, held back by an open Kafka transaction: read_committed
    consumers see none of it until :meth:`release` commits, then all of it at once (so the
    group can finish joining before the clock starts)."""

    def __init__(self, stack: Stack, name: str, messages: Sequence[tuple[bytes, bytes]]) -> None:
        self.topics = Topics.create(stack.bootstrap, name, partitions=stack.partitions)
        self.producer = KafkaProducer(
            **stack.kafka(),
            transactional_id=f"{name}.stage",
            transaction_timeout_ms=600_000,
            linger_ms=20,
            batch_size=256 * 1024,
            max_request_size=2 * 1024 * 1024,
        )
        self.producer.init_transactions()
        self.producer.begin_transaction()
        futures = [self.producer.send(self.topics.events, key=k, value=v) for k, v in messages]
        self.producer.flush(timeout=120)
        # What a consumer commits after the last record of each partition (the commit marker
        # that follows takes an offset of its own, never committed by a consumer).
        self.targets: dict[int, int] = {}
        for f in futures:
            md = f.get(timeout=60)
            self.targets[md.partition] = max(self.targets.get(md.partition, 0), md.offset + 1)
        self.total = len(futures)

    def release(self) -> float:
        self.producer.commit_transaction()
        return time.monotonic()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.producer.close(timeout=10)


@dataclass
class Run:
    processes: int
    cpus: float | None
    events: int = 0
    seconds: float = 0.0
    steady_events: int = 0
    steady_seconds: float = 0.0
    join_s: float = 0.0  # start of the processes -> every one holds partitions
    consumer_cpu: list[float] = field(default_factory=list)  # seconds, over the window
    throttled: list[float] = field(default_factory=list)  # share of quota periods
    services_cpu: dict[str, float] = field(default_factory=dict)
    host_busy: float = 0.0  # share of the host's CPU time busy over the window
    load: str = ""

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def steady(self) -> float:
        return self.steady_events / self.steady_seconds if self.steady_seconds else self.rate

    def per_1k(self, cpu: float) -> float:
        return cpu / self.events * 1000 if self.events else 0.0

    def describe(self) -> str:
        budget = self.cpus or 1.0
        each = ", ".join(
            f"{c / self.seconds:.2f} CPU"
            + (
                f" = {c / self.seconds / budget:.0%} of budget, throttled in {t:.0%} of periods"
                if self.cpus
                else ""
            )
            for c, t in zip(
                self.consumer_cpu, self.throttled or [0.0] * self.processes, strict=True
            )
        )
        services = ", ".join(f"{k} {self.per_1k(v):.3f}" for k, v in self.services_cpu.items())
        return (
            f"      consumers: {each}; group joined {self.join_s:.1f} s after start; "
            f"host CPU {self.host_busy:.0%} busy\n"
            f"      CPU s per 1,000 events: consumers {self.per_1k(sum(self.consumer_cpu)):.3f}"
            + (f", {services}" if services else "")
        )


@dataclass
class Sample:
    at: float
    done: int  # records committed by the group
    drained: bool  # some partition fully committed
    cpu: list[float]  # per consumer, seconds
    services: dict[str, float]  # kafka / redis, seconds
    throttle: list[tuple[int, int]]  # per consumer cgroup: (periods, throttled periods)
    host: tuple[int, int]  # (busy, idle) ticks of the host


class _Group:
    """Samples a group's committed offsets, membership and its processes' CPU."""

    def __init__(self, stack: Stack, group: str, staged: Staged, consumers: list[Consumer]) -> None:
        self.group, self.consumers, self.targets = group, consumers, staged.targets
        self.progress = GroupProgress(stack.bootstrap, group, staged.topics.events)
        self.services = {
            name: pid for name in ("kafka", "redis") if (pid := stack.service_pid(name)) is not None
        }

    def sample(self) -> Sample:
        committed = {p: max(0, m.offset) for p, m in self.progress.committed().items()}
        return Sample(
            time.monotonic(),
            sum(min(committed.get(p, 0), end) for p, end in self.targets.items()),
            any(committed.get(p, 0) >= end for p, end in self.targets.items()),
            [cpu_seconds(c.proc.pid) or 0.0 for c in self.consumers],
            {k: cpu_seconds(pid) or 0.0 for k, pid in self.services.items()},
            [CpuBudgets.throttled(c.cgroup) for c in self.consumers if c.cgroup is not None],
            host_ticks(),
        )

    def members_assigned(self) -> int:
        """How many members of the (stable) group hold at least one partition."""
        try:
            info = self.progress.admin.describe_groups([self.group])[self.group]
        except Exception:
            return 0
        if info.get("group_state") != "Stable":
            return 0
        return sum(
            1
            for m in info.get("members", [])
            if isinstance(m.get("member_assignment"), dict)
            and any(a.get("partitions") for a in m["member_assignment"]["assigned_partitions"])
        )

    def close(self) -> None:
        self.progress.close()


def group_name(prefix: str, processes: int, budgets: CpuBudgets | None, tag: str = "") -> str:
    """The group (and Redis key prefix) of one run: unconstrained or ``c<quota in ms>``."""
    return f"{prefix}.{f'c{budgets.quota // 1000}' if budgets else 'u'}.g{processes}{tag}"


def consumer_rate(
    staged: Staged,
    stack: Stack,
    group: str,
    processes: int,
    log_dir: Path,
    batch: int,
    views: dict[str, dict[str, str]],
    budgets: CpuBudgets | None,
    extra: Sequence[str] = (),
) -> Run:
    """``processes`` consumers of a fresh group; the clock starts when every one holds
    partitions and the stream is released, and stops when the group has committed it all."""
    seed_batch_view(stack.redis(), group, views)
    consumers: list[Consumer] = []
    run = Run(processes, budgets.cpus if budgets else None)
    watch: _Group | None = None
    try:
        began = time.monotonic()
        for n in range(processes):
            consumers.append(start(staged.topics, group, f"i{n}", log_dir, batch, budgets, extra))
        watch = _Group(stack, group, staged, consumers)
        deadline = began + 180
        while watch.members_assigned() < processes:
            if any(c.proc.poll() is not None for c in consumers):
                raise SystemExit(f"a consumer exited; see {log_dir}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{processes} consumers did not all join {group}; see {log_dir}")
            time.sleep(0.2)
        run.join_s = time.monotonic() - began
        first = watch.sample()
        first.at = staged.release()
        samples = [first]
        while samples[-1].done < staged.total:
            if any(c.proc.poll() is not None for c in consumers):
                raise SystemExit(f"a consumer exited; see {log_dir}")
            time.sleep(0.1)
            samples.append(watch.sample())
    finally:
        stop(consumers)
        if watch is not None:
            watch.close()
    run.load = load()
    last = samples[-1]
    run.events, run.seconds = last.done - first.done, last.at - first.at
    run.consumer_cpu = [b - a for a, b in zip(first.cpu, last.cpu, strict=True)]
    run.services_cpu = {k: last.services[k] - first.services[k] for k in first.services}
    busy, idle = (b - a for a, b in zip(first.host, last.host, strict=True))
    run.host_busy = busy / (busy + idle) if busy + idle else 0.0
    run.throttled = [
        (t1 - t0) / (p1 - p0) if p1 > p0 else 0.0
        for (p0, t0), (p1, t1) in zip(first.throttle, last.throttle, strict=True)
    ]
    drained = next((s for s in samples if s.drained), last)
    if drained.at - first.at >= 1.0:
        run.steady_events, run.steady_seconds = drained.done - first.done, drained.at - first.at
    return run


def bare_rate(stack: Stack, topics: Topics, total: int, batch: int) -> float:
    consumer = KafkaConsumer(
        **stack.kafka(),
        group_id=None,
        isolation_level="read_committed",
        enable_auto_commit=False,
        max_poll_records=batch,
        fetch_max_wait_ms=100,
    )
    parts = [TopicPartition(topics.events, p) for p in consumer.partitions_for_topic(topics.events)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen, started, first = 0, None, 0
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
    stack: Stack, topics: Topics, rate: float, seconds: float, log_dir: Path, batch: int
) -> tuple[float, float, int]:
    # One transaction per user: only the risk rule fires (every tenth event), no bursts.
    users = [f"lat{i}" for i in range(int(rate * seconds) + 1)]
    seed_batch_view(
        stack.redis(),
        topics.prefix,
        {u: {"transaction_amount_mean_30d": "10"} for u in users},
    )
    arrivals: dict[str, float] = {}
    reader_ready = threading.Event()

    def read() -> None:
        consumer = KafkaConsumer(
            topics.intents,
            **stack.kafka(),
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
    producer = KafkaProducer(**stack.kafka(), linger_ms=0, acks="all")
    sent, triggers, begin = 0, 0, time.monotonic()
    try:
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
    finally:
        done.set()
        producer.close()
        stop([proc])
    values = sorted(arrivals.values())
    if not values:
        raise SystemExit(f"no intents arrived; see {log_dir}")
    return (
        values[len(values) // 2],
        values[min(len(values) - 1, int(len(values) * 0.99))],
        len(values),
    )


def cleanup(stack: Stack, topics: list[Topics], prefixes: list[str]) -> None:
    """Drop the bench's Redis keys, consumer groups and topics."""
    client = stack.redis()
    for prefix in prefixes:
        keys = list(client.scan_iter(f"{prefix}:*", count=5000))
        for i in range(0, len(keys), 5000):
            client.unlink(*keys[i : i + 5000])
    admin = KafkaAdminClient(**stack.kafka())
    try:
        with contextlib.suppress(Exception):
            admin.delete_groups(prefixes)
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
    parser.add_argument(
        "--cpus-per-process",
        type=float,
        default=None,
        metavar="F",
        help="also run 1 and 2 consumers each in its own cgroup limited to F CPUs (cgroup v1)",
    )
    parser.add_argument(
        "--consumer-option",
        "-o",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="passed to every consumer as -o (e.g. poll_timeout=200ms)",
    )
    parser.add_argument(
        "--prioritise-services",
        action="store_true",
        help="move this checkout's Kafka broker and Redis into a cgroup of high CPU weight "
        "for the run (cgroup v1; moved back at the end)",
    )
    parser.add_argument(
        "--compare-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="also run 1 process with these -o options (per CPU setting), as a ratio to 1 "
        "process without them, in the same run (e.g. poll_timeout=200ms)",
    )
    args = parser.parse_args()
    stack = Stack(load_settings())
    budgets = CpuBudgets(args.cpus_per_process) if args.cpus_per_process else None
    priority = ServicePriority(stack) if args.prioritise_services else None
    log_dir = Path(tempfile.mkdtemp(prefix="bench_speed_layer_"))
    CONSUMER_OPTIONS.extend(args.consumer_option)
    prefix = f"bench_sl_{uuid.uuid4().hex[:8]}"
    staged: list[Staged] = []
    groups: list[str] = []
    lat_topics: Topics | None = None
    runs: dict[tuple[float | None, int, str], Run] = {}
    try:
        stream = planted_stream(prefix=prefix, events=args.events, now_ms=int(time.time() * 1000))
        staged.append(Staged(stack, f"{prefix}.base", stream.messages))
        staged[0].release()
        print(
            f"{staged[0].total} events (1% invalid, {len(stream.expected)} planted triggers), "
            f"{stack.partitions} partitions, {args.batch} records per transaction; "
            f"Kafka {stack.bootstrap}, Redis {stack.settings.redis.url or 'cluster'}; "
            f"consumer options {args.consumer_option or 'default'}; Kafka and Redis "
            f"{'prioritised' if priority else 'not prioritised'}; logs in {log_dir}",
            flush=True,
        )
        bare = bare_rate(stack, staged[0].topics, staged[0].total, args.batch)
        bare_load = load()
        for b in (None, budgets) if budgets else (None,):
            plan = [(1, ""), *([(1, "x")] if args.compare_option else []), (2, "")]
            for n, tag in plan:
                group = group_name(prefix, n, b, tag)
                groups.append(group)
                staged.append(Staged(stack, group, stream.messages))
                run = consumer_rate(
                    staged[-1],
                    stack,
                    group,
                    n,
                    log_dir,
                    args.batch,
                    stream.batch_views,
                    b,
                    args.compare_option if tag else (),
                )
                runs[(run.cpus, n, tag)] = run
                extra = f" with {args.compare_option}" if tag else ""
                print(
                    f"  measured {n} process(es){extra}, cpus {run.cpus or 'unlimited'}: "
                    f"{run.rate:,.0f}/s ({run.load})",
                    flush=True,
                )
        bare_again = bare_rate(stack, staged[0].topics, staged[0].total, args.batch)
        again_load = load()
        lat_topics = Topics.create(stack.bootstrap, f"{prefix}.lat", partitions=stack.partitions)
        p50, p99, n = latency(stack, lat_topics, args.rate, args.seconds, log_dir, args.batch)
        lat_load = load()
    finally:
        if budgets:
            budgets.close()
        if priority:
            priority.close()
        for st in staged:
            st.close()
        cleanup(
            stack,
            [*(st.topics for st in staged), *([lat_topics] if lat_topics else [])],
            [*groups, *([lat_topics.prefix] if lat_topics else [])],
        )

    print(
        f"bare kafka-python poll loop : {bare:10,.0f} events/s ({bare_load}; "
        f"again after: {bare_again:,.0f}, {again_load})"
    )
    for cpus in (None, args.cpus_per_process) if budgets else (None,):
        what = f"{cpus:g} CPU each (cgroup)" if cpus else "unconstrained"
        one, two = runs[(cpus, 1, "")], runs[(cpus, 2, "")]
        for run in (one, two):
            print(
                f"speed layer, {run.processes} process{'es' if run.processes > 1 else ''}, "
                f"{what}: {run.rate:8,.0f} events/s, {run.steady:8,.0f} until a partition "
                f"drained ({run.events} events in {run.seconds:.1f} s; {run.load})"
            )
            print(run.describe())
        print(
            f"  2 processes / 1 process, {what}: {two.rate / one.rate:.2f}x "
            f"({two.steady / one.steady:.2f}x until a partition drained)"
        )
        if (other := runs.get((cpus, 1, "x"))) is not None:
            print(
                f"speed layer, 1 process with {' '.join(args.compare_option)}, {what}: "
                f"{other.rate:8,.0f} events/s ({other.load}); {other.rate / one.rate:.2f}x "
                "1 process without"
            )
            print(other.describe())
    one = runs[(None, 1, "")]
    print(f"1 unconstrained process / bare poll loop: {one.rate / max(bare, bare_again):.3f}")
    print(
        f"event-to-intent latency at {args.rate:.0f} events/s offered for {args.seconds:.0f} s "
        f"({n} intents): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms ({lat_load})"
    )
    print(f"host: {os.cpu_count()} cores, shared with other jobs; load is the 1-minute average")


if __name__ == "__main__":
    main()
