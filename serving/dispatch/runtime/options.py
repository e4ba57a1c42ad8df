"""Everything one dispatcher process needs, as one frozen object built from the settings.

Nothing here reads the environment: :meth:`RuntimeOptions.from_settings` takes
Clarion's :class:`~clarion.settings.Settings` and command-line overrides.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from clarion.settings import CassandraSettings, KafkaSettings, RedisSettings, Settings

__all__ = ["RuntimeOptions"]


class RuntimeOptions(BaseModel):
    """One dispatcher process.

    Attributes:
        intents_topic, dlq_topic: what it reads, where bad intents go.
        outbound_prefix: outbound topics are ``<outbound_prefix><channel>``
            (``outbound.`` by default; tests use their own).
        key_prefix: first segment of every Redis key (dispatch state, preferences,
            deferred queue, views).
        keyspace: Cassandra keyspace of the inbox and decision log (must exist).
        group_id: the consumer group shared by every dispatcher.
        instance_id: stable per process slot; names the transactional producer, so a
            restarted process fences its predecessor's open transaction.
        effects_settle_seconds: a key marked sent whose effects were never confirmed is
            redone once this old (a live dispatcher confirms well within it).
        deferred_visibility_seconds: a claimed deferred intent is invisible to other
            dispatchers this long, then comes back if it was not finished.
        decide_threads: threads reading recipients' merged views in parallel (decisions
            themselves are batched: one pipelined Redis round trip per step).
        use_view: read the merged view for personalisation and reachability.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kafka: KafkaSettings = KafkaSettings()
    redis: RedisSettings = RedisSettings.model_validate({})
    cassandra: CassandraSettings = CassandraSettings()
    intents_topic: str = "notify.intents"
    dlq_topic: str = "notify.intents.dlq"
    outbound_prefix: str = "outbound."
    key_prefix: str = Field(default="clarion", pattern=r"^[A-Za-z0-9_.:-]+$")
    keyspace: str = "clarion"
    group_id: str = "dispatcher"
    instance_id: str = Field(default_factory=socket.gethostname, min_length=1)
    policy_file: Path | None = None
    templates_dir: Path | None = None
    batch_size: int = Field(default=500, ge=1, le=50_000)
    poll_timeout_seconds: float = Field(default=0.5, gt=0)
    transaction_timeout_seconds: float = Field(default=30.0, gt=0)
    effects_settle_seconds: float = Field(default=60.0, gt=0)
    deferred_visibility_seconds: float = Field(default=60.0, gt=0)
    decide_threads: int = Field(default=8, ge=1, le=64)
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    use_view: bool = True
    session_timeout_seconds: float = Field(default=10.0, gt=0)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RuntimeOptions:
        """The options of a dispatcher of ``settings``' cluster; non-None ``overrides`` win."""
        shared: dict[str, Any] = {
            **settings.dispatcher.model_dump(),  # the same field names
            "kafka": settings.kafka,
            "redis": settings.redis,
            "cassandra": settings.cassandra,
            "intents_topic": settings.kafka.intents_topic,
            "outbound_prefix": settings.kafka.outbound_topic_prefix,
            "key_prefix": settings.redis.key_prefix,
            "keyspace": settings.cassandra.keyspace,
        }
        return cls(**{**shared, **{k: v for k, v in overrides.items() if v is not None}})

    @property
    def transactional_id(self) -> str:
        return f"{self.group_id}.{self.instance_id}"

    def outbound_topic(self, channel: str) -> str:
        return f"{self.outbound_prefix}{channel}"
