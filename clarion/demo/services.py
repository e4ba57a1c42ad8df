"""The long-running processes of the demo: speed layer, dispatcher and delivery workers.

Each is the same command an operator runs (``clarion speed-layer run`` and so on),
started as a child process with its log under the state dir, and stopped with
SIGTERM (their graceful shutdown) by its own pid. :func:`consumer_lag` tells when
a consumer group has caught up with its topics.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kafka.errors import KafkaError

from clarion.exceptions import ClarionError
from clarion.settings import Settings

__all__ = ["DELIVERY_CHANNELS", "LiveServices", "consumer_lag"]

DELIVERY_CHANNELS = ("email", "push", "in_app")


def consumer_lag(settings: Settings, *, group: str, topics: Sequence[str]) -> int:
    """Records of ``topics`` that ``group`` has not committed yet (0: caught up).

    Not ``end offset - committed offset``: a transactional producer leaves a commit
    marker after its records, an offset no consumer ever commits past. So the records
    after the committed offsets are read (read_committed) and counted; markers are not
    records.
    """
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    from clarion.kafka_options import client_options

    options = client_options(settings.kafka)
    admin = KafkaAdminClient(**options)
    consumer = KafkaConsumer(**options, isolation_level="read_committed", enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(t, p) for t in topics for p in (consumer.partitions_for_topic(t) or ())
        ]
        ends, starts = consumer.end_offsets(partitions), consumer.beginning_offsets(partitions)
        committed = admin.list_group_offsets(group).get(group, {})
        behind = {tp: committed[tp].offset if tp in committed else starts[tp] for tp in partitions}
        behind = {tp: offset for tp, offset in behind.items() if offset < ends[tp]}
        if not behind:
            return 0
        consumer.assign(list(behind))
        for tp, offset in behind.items():
            consumer.seek(tp, offset)
        records, deadline = 0, time.monotonic() + 10
        while time.monotonic() < deadline and any(
            consumer.position(tp) < ends[tp] for tp in behind
        ):
            records += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
        return records
    finally:
        consumer.close()
        admin.close()


@dataclass
class LiveServices:
    """Children started by :meth:`start`; :meth:`stop` ends exactly those."""

    settings: Settings
    log_dir: Path
    environ: Mapping[str, str]
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _spawn(self, name: str, *args: str) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        self.children[name] = subprocess.Popen(
            [sys.executable, "-m", "clarion.cli", *args],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.environ},
        )  # fmt: skip

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._spawn("speed-layer", "speed-layer", "run", "--create-topics")
        self._spawn("dispatcher", "dispatcher", "run", "--create-topics")
        for channel in DELIVERY_CHANNELS:
            self._spawn(f"delivery-{channel}", "delivery", "run", "--channel", channel)

    def check(self) -> None:
        """Raise if a child has died; its log names why."""
        for name, child in self.children.items():
            if child.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {child.returncode}; see {self.log_dir / name}.log"
                )

    def wait_until_drained(
        self, groups: Mapping[str, Sequence[str]], *, timeout: float, settle: float = 3.0
    ) -> dict[str, int]:
        """Wait until every group has no lag (twice, ``settle`` apart); return the lags.

        Raises:
            ClarionError: a group still had records to read after ``timeout`` seconds
                (the message names each such group and where the process logs are).
        """
        deadline, quiet_since = time.monotonic() + timeout, None
        lags: dict[str, int] = {}
        while time.monotonic() < deadline:
            self.check()
            try:
                lags = {
                    g: consumer_lag(self.settings, group=g, topics=t) for g, t in groups.items()
                }
            except KafkaError as exc:
                if not exc.retriable:
                    raise
                # e.g. a fresh broker still creating __consumer_offsets for the groups'
                # coordinator: not known yet, not caught up.
                quiet_since = None
                time.sleep(1.0)
                continue
            if any(lags.values()):
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settle:
                return lags
            time.sleep(1.0)
        behind = ", ".join(f"{g} ({n:,} records)" for g, n in lags.items() if n)
        raise ClarionError(
            f"not caught up after {timeout:.0f} s: {behind or 'lag did not stay at 0'}; "
            f"process logs in {self.log_dir}"
        )

    def stop(self, *, timeout: float = 30.0) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for name, child in self.children.items():
            try:
                child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
                print(
                    f"{name} did not stop on SIGTERM within {timeout:.0f}s; killed", file=sys.stderr
                )
