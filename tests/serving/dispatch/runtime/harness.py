"""A dispatcher test rig on the real stack: unique topics, Redis prefix and keyspace per test,
intents produced with kafka-python, outbound topics read back ``read_committed``, and
dispatchers run in this process or as ``python -m serving.cli run`` subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from clarion.kafka_options import client_options
from clarion.settings import Settings
from serving.dispatch.runtime import RuntimeOptions
from serving.outbound import OutboundMessage
from serving.preferences import Preferences, RedisPreferenceStore

__all__ = [
    "Rig",
    "campaign_intent",
    "read_outbound",
    "read_topic",
    "seed_users",
    "trigger_intent",
]

CHANNELS = ("email", "push", "sms", "in_app", "webhook")
PARTITIONS = 4


@dataclass
class Rig:
    """Names of one test's world, and how to start dispatchers on it."""

    settings: Settings
    prefix: str
    keyspace: str
    tmp: Path
    policy_yaml: str = "version: test\nquiet_hours: null\n"
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def intents_topic(self) -> str:
        return f"{self.prefix}.intents"

    @property
    def dlq_topic(self) -> str:
        return f"{self.prefix}.intents.dlq"

    @property
    def outbound_prefix(self) -> str:
        return f"{self.prefix}.outbound."

    def topics(self) -> dict[str, int]:
        names = {self.intents_topic: PARTITIONS, self.dlq_topic: 1}
        names.update({f"{self.outbound_prefix}{ch}": PARTITIONS for ch in CHANNELS})
        return names

    def policy_file(self) -> Path:
        path = self.tmp / f"{self.prefix}-policy.yaml"
        path.write_text(self.policy_yaml)
        return path

    def options(self, **overrides: Any) -> RuntimeOptions:
        values: dict[str, Any] = {
            "intents_topic": self.intents_topic,
            "dlq_topic": self.dlq_topic,
            "outbound_prefix": self.outbound_prefix,
            "key_prefix": self.prefix,
            "keyspace": self.keyspace,
            "group_id": f"{self.prefix}.dispatcher",
            "instance_id": "d0",
            "use_view": False,
            "effects_settle_seconds": 2.0,
            "deferred_visibility_seconds": 5.0,
            "poll_timeout_seconds": 0.2,
        }
        values.update(overrides)
        return RuntimeOptions.from_settings(self.settings, **values)

    def spawn(
        self,
        *,
        instance: str,
        idle_exit: float = 8.0,
        view: bool = False,
        batch_size: int | None = None,
    ) -> subprocess.Popen[bytes]:
        """``python -m serving.cli run`` on this rig; its log goes to ``tmp/<instance>.log``."""
        argv = [
            sys.executable, "-m", "serving.cli", "run",
            "--intents-topic", self.intents_topic,
            "--dlq-topic", self.dlq_topic,
            "--outbound-prefix", self.outbound_prefix,
            "--key-prefix", self.prefix,
            "--keyspace", self.keyspace,
            "--group-id", f"{self.prefix}.dispatcher",
            "--instance-id", instance,
            "--policy-file", str(self.policy_file()),
            "--settle-seconds", "2",
            "--idle-exit", str(idle_exit),
            *(() if view else ("--no-view",)),
            *(("--batch-size", str(batch_size)) if batch_size else ()),
        ]  # fmt: skip
        log = (self.tmp / f"{instance}.log").open("ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def campaign_intent(user_id: str, *, campaign: str = "spring", run: str = "r1") -> dict[str, Any]:
    """A campaign intent in the wire format the campaign fan-out writes."""
    key = f"campaign:{campaign}:{run}:{user_id}"
    return {
        "intent_id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        "user_id": user_id,
        "source": "campaign",
        "source_id": campaign,
        "priority": "marketing",
        "channels": ["push", "email", "in_app"],
        "payload": {
            "campaign_id": campaign,
            "run_id": run,
            "variant": "a",
            "template": {
                "push": {"en": {"subject": "Spring", "body": "Hi {{ user.id }}, 10% off."}},
                "email": {
                    "en": {"subject": "Spring sale", "body": "Dear {{ user.id }}: 10% off."},
                    "es": {"subject": "Rebajas", "body": "Hola {{ user.id }}: 10%."},
                },
                "in_app": {"en": {"subject": None, "body": "Spring sale is on."}},
            },
        },
        "idempotency_key": key,
        "event_time": None,
        "created_at": _now_iso(),
        "ttl_seconds": 6 * 3600,
    }


def trigger_intent(user_id: str, *, n: int, rule: str = "cart_abandoned") -> dict[str, Any]:
    key = f"{rule}:e-{user_id}-{n}"
    return {
        "intent_id": str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        "user_id": user_id,
        "source": "trigger",
        "source_id": rule,
        "priority": "triggered",
        "channels": ["push", "email", "in_app"],
        "payload": {"product_id": f"p{n}", "category": "shoes", "price": 19.5},
        "idempotency_key": key,
        "event_time": _now_iso(),
        "created_at": _now_iso(),
        "ttl_seconds": 3600,
    }


def produce(settings: Settings, topic: str, docs: Iterable[dict[str, Any] | bytes]) -> int:
    """Send JSON intents (or raw bytes) keyed by user id; return how many."""
    producer = KafkaProducer(
        **client_options(settings.kafka), linger_ms=20, batch_size=512 * 1024, acks="all"
    )
    n = 0
    try:
        for doc in docs:
            if isinstance(doc, bytes):
                producer.send(topic, key=b"junk", value=doc)
            else:
                body = {k: v for k, v in doc.items() if k != "_key"}
                value = json.dumps(body, separators=(",", ":")).encode()
                key = str(doc.get("_key", doc["user_id"])).encode()
                producer.send(topic, key=key, value=value)
            n += 1
        producer.flush()
    finally:
        producer.close()
    return n


def read_topic(settings: Settings, topic: str) -> list[Any]:
    """Every committed record of a topic, from the beginning to the end offsets."""
    consumer = KafkaConsumer(
        **client_options(settings.kafka),
        isolation_level="read_committed",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        records: list[Any] = []
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            batch = consumer.poll(timeout_ms=1000, max_records=50_000)
            for rs in batch.values():
                records.extend(rs)
        return records
    finally:
        consumer.close()


def read_outbound(rig: Rig) -> list[OutboundMessage]:
    out: list[OutboundMessage] = []
    for ch in CHANNELS:
        out += [
            OutboundMessage.from_json(r.value)
            for r in read_topic(rig.settings, f"{rig.outbound_prefix}{ch}")
        ]
    return out


def seed_users(
    client: redis.Redis, *, prefix: str, users: Sequence[str], kinds: Sequence[str]
) -> dict[str, str]:
    """Preferences for ``users``, cycling through ``kinds``; returns user -> kind.

    Kinds: ``all`` (push+email+in_app consented and reachable), ``email_only``,
    ``opted_out``, ``no_consent``, ``unreachable`` (consents to push/email, no contacts,
    and no in-app consent).
    """
    records: list[Preferences] = []
    kind_of: dict[str, str] = {}
    for i, user in enumerate(users):
        kind = kinds[i % len(kinds)]
        kind_of[user] = kind
        consent: dict[str, bool] = {}
        contacts: dict[str, str] = {}
        if kind in ("all", "opted_out"):
            consent = {"push": True, "email": True, "in_app": True}
            contacts = {"push": f"tok-{user}", "email": f"{user}@example.com"}
        elif kind == "email_only":
            consent, contacts = {"email": True}, {"email": f"{user}@example.com"}
        elif kind == "unreachable":
            consent = {"push": True, "email": True, "in_app": False}
        records.append(
            Preferences.model_validate(
                {
                    "user_id": user,
                    "consent": consent,
                    "contacts": contacts,
                    "opted_out": kind == "opted_out",
                    "locale": "es-ES" if i % 7 == 0 else "en-US",
                }
            )
        )
    RedisPreferenceStore(client, key_prefix=prefix).put_many(records)
    return kind_of


def wait_for(predicate: Any, *, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return bool(predicate())


def scan_decisions(session: Any, keyspace: str) -> list[Any]:
    """Every decision-log row (user_id, intent_id, reason, source, outcome), by a paged scan."""
    from cassandra.query import SimpleStatement

    query = SimpleStatement(
        f"SELECT user_id, intent_id, reason, outcome, source FROM {keyspace}.decision_log",
        fetch_size=10_000,
    )
    return list(session.execute(query))


def scan_inbox(session: Any, keyspace: str) -> list[Any]:
    from cassandra.query import SimpleStatement

    query = SimpleStatement(
        f"SELECT user_id, notification_id, source FROM {keyspace}.inbox", fetch_size=10_000
    )
    return list(session.execute(query))


def stopped_totals(rig: Rig, instance: str) -> list[dict[str, Any]]:
    """The ``dispatcher stopped`` log lines of one instance (one per clean exit)."""
    path = rig.tmp / f"{instance}.log"
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("{") and '"dispatcher stopped"' in line:
            out.append(json.loads(line))
    return out
