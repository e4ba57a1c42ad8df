"""Each channel delivers through a real provider on loopback, with receipts in Kafka and the
status in Cassandra; a failing provider is retried, dead-lettered, and opens the breaker."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from clarion.settings import Settings
from serving.delivery.kafka_io import dlq_topic
from serving.delivery.metrics import DeliveryMetrics
from serving.delivery.wiring import build_worker, outbound_topic_for
from serving.inbox import InboxConfig, InboxItem, InboxStore, create_tables
from serving.outbound import DeliveryReceipt, OutboundMessage
from tests.fixtures.stack import unique_name
from tests.serving.delivery._messages import outbound
from tests.serving.delivery.kafka_helpers import produce, read_all
from tests.serving.delivery.receivers import http_receiver, smtp_receiver

pytestmark = [pytest.mark.kafka, pytest.mark.cassandra]


def deliver_all(
    settings: Settings,
    channel: str,
    session: Any,
    messages: list[OutboundMessage | bytes],
    *,
    metrics: DeliveryMetrics | None = None,
) -> list[DeliveryReceipt]:
    """Produce ``messages``, run a worker in this process until it handled them all."""
    topic = outbound_topic_for(settings, channel)
    produce(settings.kafka, topic, messages)
    worker = build_worker(
        settings, channel, session=session, group_id=unique_name("g"), metrics=metrics
    )
    try:
        deadline = time.monotonic() + 60
        while worker.stats.records < len(messages) and time.monotonic() < deadline:
            worker.run_once()
    finally:
        worker.close()
    assert worker.stats.records == len(messages)
    expect = sum(isinstance(m, OutboundMessage) for m in messages)  # garbage gets no receipt
    records = read_all(settings.kafka, settings.kafka.receipts_topic, expect=expect)
    return [DeliveryReceipt.from_json(r.value) for r in records]


def status_rows(session: Any, settings: Settings, ids: list[str]) -> dict[str, Any]:
    table = f"{settings.cassandra.keyspace}.{settings.delivery.status_table}"
    query = f"SELECT notification_id, status, attempts FROM {table} WHERE notification_id = %s"
    rows = [session.execute(query, (i,)).one() for i in ids]
    return {r.notification_id: r for r in rows if r is not None}


def test_webhook_posts_json_with_an_idempotency_key(
    delivery_settings: Settings, cassandra_session: Any
) -> None:
    with http_receiver() as hook:
        messages = [outbound(n, address=f"{hook.url}/hook/{n}") for n in range(5)]
        receipts = deliver_all(delivery_settings, "webhook", cassandra_session, [*messages])
    by_key = {r["headers"]["idempotency-key"]: r for r in hook.requests}
    assert set(by_key) == {m.notification_id for m in messages}
    for m in messages:
        request = by_key[m.notification_id]
        assert request["path"] == f"/hook/{m.data['n']}"
        assert OutboundMessage.from_json(request["body"]) == m
    assert {(r.notification_id, r.status, r.attempts) for r in receipts} == {
        (m.notification_id, "delivered", 1) for m in messages
    }
    rows = status_rows(cassandra_session, delivery_settings, [m.notification_id for m in messages])
    assert {r.status for r in rows.values()} == {"delivered"} and len(rows) == 5


def test_email_goes_through_smtp_with_a_stable_message_id(
    delivery_settings: Settings, cassandra_session: Any
) -> None:
    with smtp_receiver() as smtp:
        settings = delivery_settings.model_copy(
            update={
                "delivery": delivery_settings.delivery.model_copy(update={"smtp_port": smtp.port})
            }
        )
        messages = [outbound(n, channel="email", address=f"user{n}@example.org") for n in range(3)]
        receipts = deliver_all(settings, "email", cassandra_session, [*messages])
    assert sorted(r.status for r in receipts) == ["delivered"] * 3
    got = {m["mail"]["Message-ID"]: m for m in smtp.messages}
    for m in messages:
        mail = got[f"<{m.notification_id}@clarion>"]
        assert mail["to"] == [m.address]
        assert mail["mail"]["Subject"] == m.subject
        assert mail["mail"].get_payload().strip() == m.body


def test_push_posts_an_fcm_style_body(delivery_settings: Settings, cassandra_session: Any) -> None:
    with http_receiver() as fcm:
        settings = delivery_settings.model_copy(
            update={
                "delivery": delivery_settings.delivery.model_copy(
                    update={"push_endpoint": f"{fcm.url}/v1/send"}
                )
            }
        )
        messages = [outbound(n, channel="push", address=f"token-{n}") for n in range(3)]
        receipts = deliver_all(settings, "push", cassandra_session, [*messages])
    assert sorted(r.status for r in receipts) == ["delivered"] * 3
    bodies = {json.loads(r["body"])["message"]["token"]: r for r in fcm.requests}
    for m in messages:
        request = bodies[m.address]
        assert request["path"] == "/v1/send"
        body = json.loads(request["body"])["message"]
        assert body["notification"] == {"title": m.subject, "body": m.body}
        assert body["data"]["notification_id"] == m.notification_id
        assert body["data"]["deep_link"] == m.data["deep_link"]


def test_in_app_delivers_what_the_inbox_holds(
    delivery_settings: Settings, cassandra_session: Any
) -> None:
    config = InboxConfig(keyspace=delivery_settings.cassandra.keyspace)
    create_tables(cassandra_session, config)
    messages = [outbound(n, channel="in_app", address=f"u{n:06d}") for n in range(3)]
    # the dispatcher's inbox writer; the third message has no inbox row
    InboxStore(cassandra_session, config=config).write_many([InboxItem.of(m) for m in messages[:2]])
    receipts = deliver_all(delivery_settings, "in_app", cassandra_session, [*messages])
    status = {r.notification_id: (r.status, r.provider) for r in receipts}
    assert [status[m.notification_id] for m in messages] == [
        ("delivered", "inbox"),
        ("delivered", "inbox"),
        ("dead_lettered", "inbox"),
    ]
    rows = status_rows(cassandra_session, delivery_settings, [m.notification_id for m in messages])
    assert [rows[m.notification_id].status for m in messages] == [
        "delivered",
        "delivered",
        "dead_lettered",
    ]


def test_failing_provider_retries_dead_letters_and_opens_the_breaker(
    delivery_settings: Settings, cassandra_session: Any
) -> None:
    metrics = DeliveryMetrics()
    with http_receiver(status=lambda _n: 503) as hook:
        messages = [outbound(n, address=f"{hook.url}/down") for n in range(2)]
        garbage = b'{"not": "an outbound message"}'
        receipts = deliver_all(
            delivery_settings, "webhook", cassandra_session, [*messages, garbage], metrics=metrics
        )
    attempts = delivery_settings.delivery.max_attempts
    assert sorted(hook.keys_sent()) == sorted([m.notification_id for m in messages] * attempts)
    assert {(r.notification_id, r.status, r.attempts) for r in receipts} == {
        (m.notification_id, "dead_lettered", attempts) for m in messages
    }
    assert all("HTTP 503" in (r.error or "") for r in receipts)
    topic = dlq_topic(outbound_topic_for(delivery_settings, "webhook"))
    letters = read_all(delivery_settings.kafka, topic, expect=3)
    reasons = {bytes(r.value): dict(r.headers)["clarion.error.reason"] for r in letters}
    assert reasons == {
        messages[0].to_json(): b"retries_exhausted",
        messages[1].to_json(): b"retries_exhausted",
        garbage: b"invalid_message",
    }
    assert metrics.breaker_opened.labels("webhook")._value.get() >= 1
    assert metrics.failures.labels("webhook", "http_503")._value.get() == 2 * attempts
