"""Integration helpers: topics, producing and reading back, the group's progress, and
consumer processes started (and killed, by PID only) by the tests."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from clarion.settings import project_root

__all__ = [
    "ConsumerProcess",
    "GroupProgress",
    "Topics",
    "produce",
    "read_all",
    "seed_batch_view",
    "wait_until",
]


@dataclass(frozen=True)
class Topics:
    events: str
    dlq: str
    intents: str
    prefix: str  # also the Redis key prefix and the group id
    bootstrap: str

    @classmethod
    def create(cls, bootstrap: str, name: str, *, partitions: int = 6) -> Topics:
        topics = cls(f"{name}.events", f"{name}.dlq", f"{name}.intents", name, bootstrap)
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            admin.create_topics(
                [
                    NewTopic(topics.events, partitions, 1),
                    NewTopic(topics.dlq, 2, 1),
                    NewTopic(topics.intents, 3, 1),
                ]
            )
            admin.wait_for_topics([topics.events, topics.dlq, topics.intents], timeout_ms=30_000)
        finally:
            admin.close()
        return topics

    def args(self) -> list[str]:
        return [
            "--events-topic",
            self.events,
            "--dlq-topic",
            self.dlq,
            "--intents-topic",
            self.intents,
            "--key-prefix",
            self.prefix,
            "--group-id",
            self.prefix,
        ]


def produce(bootstrap: str, topic: str, messages: Iterable[tuple[bytes, bytes]]) -> int:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        batch_size=256 * 1024,
        max_request_size=2 * 1024 * 1024,
    )
    n = 0
    try:
        for key, value in messages:
            producer.send(topic, key=key, value=value)
            n += 1
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    return n


def read_all(bootstrap: str, topic: str, *, timeout: float = 60.0) -> list[Any]:
    """Every committed record of ``topic`` (read_committed), up to its end when called."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        group_id=None,
    )
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        out: list[Any] = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic}: stuck before {end}")
            for records in consumer.poll(timeout_ms=500).values():
                out.extend(records)
        return out
    finally:
        consumer.close()


class GroupProgress:
    """How far a consumer group has committed through a topic."""

    def __init__(self, bootstrap: str, group: str, topic: str) -> None:
        self.group, self.topic = group, topic
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        parts = self.consumer.partitions_for_topic(topic) or ()
        self.parts = [TopicPartition(topic, p) for p in parts]

    def __call__(self) -> tuple[int, int]:
        """(records committed by the group, records in the topic)."""
        committed = self.admin.list_group_offsets(self.group).get(self.group, {})
        end = self.consumer.end_offsets(self.parts)
        done = sum(max(0, committed[tp].offset) for tp in self.parts if tp in committed)
        return done, sum(end.values())

    def committed(self) -> dict[int, Any]:
        committed = self.admin.list_group_offsets(self.group).get(self.group, {})
        return {tp.partition: committed[tp] for tp in self.parts if tp in committed}

    def close(self) -> None:
        self.admin.close()
        self.consumer.close()


def wait_until(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def seed_batch_view(
    client: Any, prefix: str, views: Mapping[str, Mapping[str, str]], version: str = "v1"
) -> None:
    """Write the batch view exactly as serving publishes it (the tests' own writer)."""
    pipe = client.pipeline(transaction=False)
    for user, features in views.items():
        pipe.hset(f"{prefix}:bv:{version}:{{{user}}}", mapping=dict(features))
    pipe.set(f"{prefix}:bv:current", version)
    pipe.execute()


class ConsumerProcess:
    """``python -m speed_layer run`` as a real OS process, logging to a file."""

    def __init__(
        self, topics: Topics, log_dir: Path, *, instance: str, extra: Iterable[str] = ()
    ) -> None:
        self.topics, self.instance, self.extra = topics, instance, list(extra)
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.instance}.{self.starts}.log"

    def start(self) -> ConsumerProcess:
        self.starts += 1
        argv = [
            sys.executable,
            "-m",
            "speed_layer",
            "run",
            *self.topics.args(),
            "--instance-id",
            self.instance,
            "--log-level",
            "debug",
            "-o",
            "idle_timer_after=1s",
            "-o",
            "session_timeout=6s",
            "-o",
            "max_message_bytes=4096",
            *self.extra,
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, cwd=project_root(), env=env
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL, by PID: no cleanup, no goodbye to the group."""
        if self.alive():
            assert self.proc is not None
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def terminate(self, timeout: float = 60) -> int:
        assert self.proc is not None
        if self.alive():
            os.kill(self.proc.pid, signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def log_events(self) -> list[dict[str, Any]]:
        out = []
        for path in sorted(self.log_dir.glob(f"{self.instance}.*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("{"):
                    with contextlib.suppress(ValueError):
                        out.append(json.loads(line))
        return out

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
