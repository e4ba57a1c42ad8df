"""The consumer's one frozen settings object, fed from :class:`clarion.settings.Settings`.

Shared values (brokers, security, Redis, topic names, key prefix) come from the
settings; the rest are consumer options with defaults. Nothing here reads the
environment: the CLI builds this from ``load_settings()`` plus command-line flags.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from clarion.settings import KafkaSettings, RedisSettings, Settings, project_root
from speed_layer.durations import Duration

__all__ = ["ConsumerOptions"]


def _default_rules_file() -> Path:
    return project_root() / "rules" / "triggers.yaml"


class ConsumerOptions(BaseModel):
    """Everything one speed-layer consumer process needs to know.

    Attributes:
        kafka, redis: connection settings (from Clarion's settings).
        events_topic, dlq_topic, intents_topic: topic names (tests use their own).
        key_prefix: the first segment of every Redis key (``clarion`` by default).
        group_id: the consumer group; processes with the same group share partitions.
        instance_id: stable per process slot (pod name, host name); names the
            transactional producer so a restarted process fences its predecessor.
        static_membership: also use ``instance_id`` as the group instance id, so a
            restart reclaims its partitions without a rebalance.
        batch_size: the most records one poll, and so one transaction, carries.
        max_message_bytes: larger messages are dead-lettered as ``oversized``.
        future_skew: events stamped further than this in the future are dead-lettered.
        metrics_port: Prometheus endpoint port; ``None`` turns the endpoint off.
        rules_file: the trigger rules YAML.
        dedupe_window: how long an event id is remembered to drop re-sent duplicates.
        replay_grace: state kept beyond the longest window, so replays read the same view.
        session_gap: inactivity that ends a session.
        idle_timer_after: a caught-up partition with no events for this long fires its
            due timers by wall clock (event time stands still on an idle partition).
        max_timers_per_batch: timers fired per partition per transaction, at most.
        last_seen_ttl: how long last-seen timestamps outlive the user's last event.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kafka: KafkaSettings = KafkaSettings()
    redis: RedisSettings = RedisSettings.model_validate({})
    events_topic: str = "events"
    dlq_topic: str = "events.dlq"
    intents_topic: str = "notify.intents"
    key_prefix: str = Field(default="clarion", pattern=r"^[A-Za-z0-9_.:-]+$")
    group_id: str = "clarion-speed-layer"
    instance_id: str = Field(default_factory=socket.gethostname, min_length=1)
    static_membership: bool = False
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    poll_timeout: Duration = timedelta(milliseconds=500)
    max_message_bytes: int = Field(default=64 * 1024, ge=256)
    future_skew: Duration = timedelta(minutes=5)
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    rules_file: Path = Field(default_factory=_default_rules_file)
    session_timeout: Duration = timedelta(seconds=10)
    transaction_timeout: Duration = timedelta(seconds=30)
    dedupe_window: Duration = timedelta(hours=24)
    replay_grace: Duration = timedelta(hours=1)
    session_gap: Duration = timedelta(minutes=30)
    idle_timer_after: Duration = timedelta(seconds=2)
    max_timers_per_batch: int = Field(default=1000, ge=1)
    last_seen_ttl: Duration = timedelta(days=30)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ConsumerOptions:
        """The options of a consumer of ``settings``' cluster; ``overrides`` win."""
        shared: dict[str, Any] = {
            "kafka": settings.kafka,
            "redis": settings.redis,
            "events_topic": settings.kafka.events_topic,
            "dlq_topic": settings.kafka.dlq_topic,
            "intents_topic": settings.kafka.intents_topic,
            "key_prefix": settings.redis.key_prefix,
        }
        return cls(**{**shared, **{k: v for k, v in overrides.items() if v is not None}})

    @property
    def transactional_id(self) -> str:
        return f"{self.group_id}.{self.instance_id}"
