"""Build a worker for one channel from the settings: the one place adapters are chosen."""

from __future__ import annotations

import time
from typing import Any

from clarion.events import Channel
from clarion.settings import Settings
from serving.delivery.breaker import CircuitBreaker
from serving.delivery.cassandra_status import CassandraStatusStore
from serving.delivery.exceptions import ProviderConfigError
from serving.delivery.kafka_io import KafkaOutputSink, OutboundConsumer, dlq_topic
from serving.delivery.metrics import DeliveryMetrics
from serving.delivery.processor import DeliveryProcessor
from serving.delivery.providers.base import DeliveryProvider
from serving.delivery.providers.email import EmailProvider
from serving.delivery.providers.in_app import InAppProvider
from serving.delivery.providers.inbox_cassandra import CassandraInbox
from serving.delivery.providers.push import PushProvider
from serving.delivery.providers.webhook import WebhookProvider
from serving.delivery.retry import RetryPolicy
from serving.delivery.worker import DeliveryWorker

__all__ = ["DELIVERY_CHANNELS", "build_provider", "build_worker", "outbound_topic_for"]

DELIVERY_CHANNELS: tuple[Channel, ...] = ("webhook", "email", "push", "in_app")


def outbound_topic_for(settings: Settings, channel: str) -> str:
    """``<kafka.outbound_topic_prefix><channel>``: ``outbound.email`` by default."""
    return f"{settings.kafka.outbound_topic_prefix}{channel}"


def build_provider(settings: Settings, channel: str, *, session: Any) -> DeliveryProvider:
    d = settings.delivery
    if channel == "webhook":
        return WebhookProvider(timeout=d.http_timeout_seconds)
    if channel == "email":
        return EmailProvider(
            host=d.smtp_host,
            port=d.smtp_port,
            sender=d.smtp_sender,
            username=d.smtp_username,
            password=d.smtp_password.get_secret_value() if d.smtp_password else None,
            starttls=d.smtp_starttls,
            timeout=d.http_timeout_seconds,
        )
    if channel == "push":
        if not d.push_endpoint.startswith(("http://", "https://")):
            raise ProviderConfigError(
                f"CLARION_DELIVERY__PUSH_ENDPOINT: {d.push_endpoint!r} is not an http(s) URL"
            )
        return PushProvider(
            endpoint=d.push_endpoint,
            api_key=d.push_api_key.get_secret_value() if d.push_api_key else None,
            timeout=d.http_timeout_seconds,
        )
    if channel == "in_app":
        return InAppProvider(inbox=CassandraInbox(session, keyspace=settings.cassandra.keyspace))
    raise ProviderConfigError(
        f"channel {channel!r} has no delivery worker; choose one of {', '.join(DELIVERY_CHANNELS)}"
    )


def build_worker(
    settings: Settings,
    channel: str,
    *,
    session: Any,
    topic: str | None = None,
    group_id: str | None = None,
    instance_id: str | None = None,
    metrics: DeliveryMetrics | None = None,
) -> DeliveryWorker:
    """A ready worker; the caller owns ``session`` (a Cassandra driver session)."""
    d = settings.delivery
    provider = build_provider(settings, channel, session=session)
    provider.setup()
    status = CassandraStatusStore(
        session, keyspace=settings.cassandra.keyspace, table=d.status_table
    )
    status.setup()
    topic = topic or outbound_topic_for(settings, channel)
    sink = KafkaOutputSink(
        settings.kafka, receipts_topic=settings.kafka.receipts_topic, dlq=dlq_topic(topic)
    )
    breaker = CircuitBreaker(
        failure_threshold=d.breaker_failure_threshold,
        reset_timeout=d.breaker_reset_seconds,
        on_change=(lambda s: metrics.breaker_changed(channel, s)) if metrics else None,
    )
    policy = RetryPolicy(
        max_attempts=d.max_attempts,
        base_delay=d.backoff_base_seconds,
        max_delay=d.backoff_max_seconds,
        multiplier=d.backoff_multiplier,
        jitter=d.backoff_jitter,
    )
    processor = DeliveryProcessor(
        provider=provider,
        status=status,
        sink=sink,
        policy=policy,
        breaker=breaker,
        sleep=time.sleep,
        metrics=metrics,
    )
    max_poll_interval = 300.0
    consumer = OutboundConsumer(
        settings.kafka,
        topic=topic,
        group_id=group_id or f"delivery.{channel}",
        batch_size=d.batch_size,
        max_poll_interval_s=max_poll_interval,
        instance_id=instance_id,
    )
    return DeliveryWorker(
        processor=processor,
        consumer=consumer,
        sink=sink,
        max_batch_seconds=max_poll_interval / 3,
    )
